"""Trends and the team page on a real server: who sees whose figures, the figures kept per call,
the team's median and what changed over the last calls."""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.api.trends import NO_INTERVIEWER
from app.auth.rules import COACH_ONLY, SIGN_IN
from app.commands.accounts_db import open_accounts
from app.db.engine import open_engine
from app.db.insights import Insights
from app.db.repository import Repository
from app.db.tables import MarkRow
from app.insights import figures
from app.main import create_app
from app.settings import Settings

from .conftest import fake_settings
from .fakes import FakeEngine, FakeTagger
from .harness import Account, add_account, serve_in_thread
from .seed import seed_calls, user_id

pytestmark = pytest.mark.slow  # starts a server

METRICS = {
    "listening_score",
    "talk_share",
    "open_share",
    "reflections_per_question",
    "telling_per_10_min",
    "longest_monologue",
    "patience",
    "follow_ups",
}


@dataclass
class Team:
    url: str
    data_dir: Path
    ana: Account  # coached, 12 calls, getting better
    ben: Account  # coached, 3 calls
    cy: Account  # not coached, 4 calls
    coach: Account
    admin: Account
    ids: dict[str, str]


@pytest.fixture
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    # Per test, so SECONDEAR_TEST_DATABASE=pg gives each its own PostgreSQL database.
    data_dir = tmp_path_factory.mktemp("data")
    people = {
        "ana": add_account(data_dir, "ana@example.com", "member", "Ana Alves"),
        "ben": add_account(data_dir, "ben@example.com", "member", "Ben Brown"),
        "cy": add_account(data_dir, "cy@example.com", "member", "Cy Chen"),
        "coach": add_account(data_dir, "coach@example.com", "coach", "Cora Coach"),
        "admin": add_account(data_dir, "admin@example.com", "admin", "Ada Admin"),
    }
    accounts = open_accounts(argparse.Namespace(data_dir=str(data_dir)))
    for who in ("ana", "ben"):
        accounts.set_coach("coach@example.com", f"{who}@example.com")
    ids = {who: user_id(data_dir, a.email) for who, a in people.items()}
    seed_calls(data_dir, ids["ana"], "Ana Alves", 12)
    seed_calls(data_dir, ids["ben"], "Ben Brown", 3)
    seed_calls(data_dir, ids["cy"], "Cy Chen", 4, improving=False)
    app = create_app(fake_settings(data_dir), engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        yield Team(url, data_dir, ids=ids, **people)


async def get(team: Team, who: Account | None, path: str, **params: str) -> httpx.Response:
    headers = who.auth if who else {}
    async with httpx.AsyncClient(base_url=team.url, headers=headers, timeout=60) as client:
        return await client.get(path, params=params)


async def test_trends_an_interviewer_sees_their_own_calls_with_charts(team: Team) -> None:
    body = (await get(team, team.ana, "/api/trends")).json()
    assert body["interviewer"]["name"] == "Ana Alves"
    assert len(body["interviewer"]["calls"]) == 12
    assert [p["name"] for p in body["people"]] == ["Ana Alves"]
    by_key = {m["key"]: m for m in body["metrics"]}
    assert set(by_key) == METRICS
    talk = by_key["talk_share"]
    assert talk["chart"].startswith("<svg") and "team median" in talk["chart"]
    assert talk["goal"]["high"] == pytest.approx(Settings().talk_share_target)
    # Ana talks less call after call: the last 5 calls against the 5 before are better.
    assert talk["change"]["better"] is True and talk["change"]["recent"] < talk["change"]["before"]
    assert "last 5 calls" in talk["change"]["text"]
    # The team's median is every interviewer's calls (19), not only hers.
    values = sorted(c["figures"]["talk_share"] for c in body["interviewer"]["calls"])
    assert talk["team_median"] is not None and talk["team_median"] != values[len(values) // 2]


async def test_trends_who_may_see_whose(team: Team) -> None:
    cy = team.ids["cy"]
    refused = await get(team, team.ana, "/api/trends", interviewer=cy)
    assert refused.status_code == 404 and refused.json()["detail"] == NO_INTERVIEWER
    coach = (await get(team, team.coach, "/api/trends")).json()
    assert [p["name"] for p in coach["people"]] == ["Cora Coach", "Ana Alves", "Ben Brown"]
    assert (await get(team, team.coach, "/api/trends", interviewer=team.ids["ben"])).status_code == 200
    assert (await get(team, team.coach, "/api/trends", interviewer=cy)).status_code == 404
    admin = await get(team, team.admin, "/api/trends", interviewer=cy)
    assert admin.status_code == 200 and len(admin.json()["interviewer"]["calls"]) == 4
    assert (await get(team, None, "/api/trends")).json()["detail"] == SIGN_IN


async def test_trends_team_page_is_for_coaches(team: Team) -> None:
    member = await get(team, team.ana, "/api/team")
    assert member.status_code == 403 and member.json()["detail"] == COACH_ONLY
    coach = (await get(team, team.coach, "/api/team")).json()
    assert [p["name"] for p in coach["people"]] == ["Ana Alves", "Ben Brown"]
    ana = coach["people"][0]
    assert ana["calls"] == 12
    talk = ana["figures"]["talk_share"]
    assert talk["spark"].startswith("<svg") and talk["in_goal"] in (True, False)
    assert talk["text"].endswith("%")
    admin = (await get(team, team.admin, "/api/team")).json()
    assert {p["name"] for p in admin["people"]} == {"Ana Alves", "Ben Brown", "Cy Chen"}


async def test_trends_figures_are_kept_per_call_and_made_again_when_the_call_changes(team: Team) -> None:
    await get(team, team.admin, "/api/team")
    engine = open_engine(Settings(data_dir=team.data_dir).resolved_database_url())
    try:
        kept = Insights(engine).call_figures(None)
        assert len(kept) == 19 and all(c.figures is not None for c in kept)
        # A note written after the call moves its sequence number: its figures are stale.
        call = kept[0]
        mark = MarkRow(id="mseedlate0001", call_id=call.call_id, kind="note", at=1.0, text="late", by="buddy",
                       created_at=0.0, seq=call.seq + 1)  # fmt: skip
        Repository(engine).add(mark, call.seq + 1)
        assert Insights(engine).call_figures(None)[0].figures is None
        await get(team, team.admin, "/api/team")
        assert Insights(engine).call_figures(None)[0].figures is not None
        # Deleting a call deletes its figures.
        assert Repository(engine).delete_call(call.call_id)
        assert len(Insights(engine).call_figures(None)) == 18
    finally:
        engine.dispose()


async def test_trends_many_missing_figures_are_computed_in_the_background(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The 19 seeded calls are more than a request computes itself: the page answers at once with
    # what is there, says how many are pending, and a background task computes the rest.
    monkeypatch.setattr(figures, "INLINE_FILL", 2)
    first = (await get(team, team.admin, "/api/team")).json()
    assert 0 < first["pending"] <= 19
    deadline = time.monotonic() + 120
    while (body := (await get(team, team.admin, "/api/team")).json())["pending"]:
        assert time.monotonic() < deadline, body["pending"]
        await asyncio.sleep(0.2)
    assert {p["name"]: p["calls"] for p in body["people"]} == {"Ana Alves": 12, "Ben Brown": 3, "Cy Chen": 4}
