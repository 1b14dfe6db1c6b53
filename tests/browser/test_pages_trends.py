"""The trends, team and study pages in a real browser, on a server with seeded calls (fake speech
engine and tagger; the study uses the real sentence encoder): a member's own trends with a chart per
metric, a coach's team page linking to an interviewer's trends, and a study made in the page.

Every page is screenshotted at 1280x800 and 420 px wide, and any console error fails the test.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import Account, add_account, serve_in_thread
from server.seed import seed_calls, user_id

from app.commands.accounts_db import open_accounts
from app.main import create_app

from .conftest import ConsoleWatch
from .test_pages_live_call import no_horizontal_scroll, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

METRIC_CARDS = 8


@dataclass(frozen=True)
class Team:
    url: str
    ana: Account
    ben: Account
    coach: Account


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    data_dir = tmp_path_factory.mktemp("data")
    ana = add_account(data_dir, "ana@example.com", "member", "Ana Alves")
    ben = add_account(data_dir, "ben@example.com", "member", "Ben Brown")
    coach = add_account(data_dir, "coach@example.com", "coach", "Cora Coach")
    accounts = open_accounts(argparse.Namespace(data_dir=str(data_dir)))
    for who in (ana, ben):
        accounts.set_coach(coach.email, who.email)
    seed_calls(data_dir, user_id(data_dir, ana.email), "Ana Alves", 12)
    seed_calls(data_dir, user_id(data_dir, ben.email), "Ben Brown", 6, improving=False)
    app = create_app(fake_settings(data_dir), engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        yield Team(url, ana, ben, coach)


def test_trends_page_shows_a_chart_per_metric(
    team: Team, launch: Any, console: ConsoleWatch, screenshots: Path
) -> None:
    page = console.watch(launch("ana").new_page(), "trends")
    sign_in(page, team.url, team.ana.email, team.ana.password)
    page.get_by_role("link", name="Trends").click()
    page.wait_for_url(team.url + "/trends")
    cards = page.locator(".t-card")
    cards.nth(METRIC_CARDS - 1).wait_for()
    assert cards.count() == METRIC_CARDS
    charts = page.locator(".t-card svg.t-chart")
    assert charts.count() == METRIC_CARDS
    # Drawn as SVG (not its text spilled into the card): a chart element, as tall as a chart.
    assert charts.first.evaluate("(svg) => svg instanceof SVGSVGElement && svg.getBBox().height > 50")
    talk = page.locator('.t-card[data-metric="talk_share"]')
    assert "last 5 calls" in talk.inner_text() and "better" in talk.inner_text()
    assert page.locator("#calls li").count() == 12
    assert page.locator("#picker").is_hidden()  # a member sees only their own trends
    assert page.locator("#team-link").is_hidden()
    shoot(page, screenshots, "trends")
    page.set_viewport_size({"width": 420, "height": 800})
    assert no_horizontal_scroll(page)


def test_team_page_shows_every_coachee_and_links_to_their_trends(
    team: Team, launch: Any, console: ConsoleWatch, screenshots: Path
) -> None:
    page = console.watch(launch("coach").new_page(), "team")
    sign_in(page, team.url, team.coach.email, team.coach.password)
    page.locator("#team-link").click()
    page.wait_for_url(team.url + "/team")
    people = page.locator(".person")
    people.nth(1).wait_for()
    assert [people.nth(i).locator("h2").inner_text() for i in range(people.count())] == [
        "Ana Alves",
        "Ben Brown",
    ]
    assert people.nth(0).locator(".tile").count() == METRIC_CARDS
    sparks = people.nth(0).locator(".tile svg.t-spark")
    assert sparks.count() >= 1
    assert sparks.first.evaluate("(svg) => svg instanceof SVGSVGElement && svg.getBBox().height > 5")
    assert "Team median" in page.locator("#median").inner_text()
    shoot(page, screenshots, "team")
    page.set_viewport_size({"width": 420, "height": 800})
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    people.nth(1).get_by_role("link", name="Trends →").click()
    page.locator("#trends-title", has_text="Ben Brown").wait_for()
    page.locator(".t-card").nth(METRIC_CARDS - 1).wait_for()
    # Ben talks more call after call: his talk share got worse.
    assert "worse" in page.locator('.t-card[data-metric="talk_share"]').inner_text()
    assert page.locator("#person").input_value() != ""
    shoot(page, screenshots, "trends-coach")


def test_study_page_from_creation_to_clusters(
    team: Team, launch: Any, console: ConsoleWatch, screenshots: Path
) -> None:
    page = console.watch(launch("ana-study").new_page(), "study")
    sign_in(page, team.url, team.ana.email, team.ana.password)
    page.get_by_role("link", name="Studies").click()
    page.wait_for_url(team.url + "/studies")
    page.locator("#studies-status", has_text="No studies yet").wait_for()
    shoot(page, screenshots, "studies")
    page.get_by_label("What problem is the study about?").fill("Supplier invoices")
    page.get_by_role("button", name="Create study").click()
    page.locator("#study-name", has_text="Supplier invoices").wait_for()
    for _ in range(3):
        page.get_by_role("button", name="Add call").click()
        page.wait_for_timeout(400)
    page.locator("#interviews li").nth(2).wait_for()
    page.locator(".cluster").first.wait_for(timeout=60_000)
    first = page.locator(".cluster").first
    assert "in 3 interviews" in first.inner_text()
    link = first.locator("a.quote-from").first.get_attribute("href") or ""
    assert link.startswith("/report/")
    problem = page.get_by_label("Problem statement")
    assert problem.input_value() != ""
    edited = "Finance teams retype supplier invoices by hand."
    problem.fill(edited)
    page.get_by_role("button", name="Save").click()
    page.locator("#problem-status", has_text="Saved").wait_for()
    page.reload()
    page.locator(".cluster").first.wait_for(timeout=60_000)
    assert page.get_by_label("Problem statement").input_value() == edited
    shoot(page, screenshots, "study")
    page.set_viewport_size({"width": 420, "height": 800})
    assert no_horizontal_scroll(page)
