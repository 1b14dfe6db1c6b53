"""Studies on a real server: made of calls and an imported transcript, synthesised with the real
sentence encoder, kept per content, edited, exported, and open only to their owner and admins."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.api.studies import BAD_TRANSCRIPT_NAME, NO_STUDY
from app.auth.rules import NO_CALL
from app.commands.accounts_db import open_accounts
from app.main import create_app

from .conftest import fake_settings
from .fakes import FakeEngine, FakeTagger
from .harness import Account, add_account, serve_in_thread
from .seed import PAINS, seed_calls, user_id

pytestmark = pytest.mark.slow  # starts a server, loads the sentence encoder

# An imported transcript whose customer says the seeded pain once more, in other words (FakeTagger
# flags "hate" as a pain).
TRANSCRIPT = "\n".join(
    json.dumps(line)
    for line in (
        {"speaker": "interviewer", "text": "How do you deal with supplier invoices?", "start": 0.0},
        {
            "speaker": "customer",
            "text": "I hate typing the invoices into the spreadsheet, it takes hours every week.",
            "start": 4.0,
        },
        {"speaker": "interviewer", "text": "What happened the last time?", "start": 12.0},
        {"speaker": "customer", "text": "Last month I typed sixty invoices by hand.", "start": 15.0},
    )
)


@dataclass
class Lab:
    url: str
    owner: Account
    stranger: Account
    admin: Account
    calls: list[str]
    stranger_call: str


@pytest.fixture
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    # Per test, so SECONDEAR_TEST_DATABASE=pg gives each its own PostgreSQL database.
    data_dir = tmp_path_factory.mktemp("data")
    owner = add_account(data_dir, "res@example.com", "member", "Rae Researcher")
    stranger = add_account(data_dir, "sam@example.com", "member", "Sam Stranger")
    admin = add_account(data_dir, "admin@example.com", "admin", "Ada Admin")
    open_accounts(argparse.Namespace(data_dir=str(data_dir)))  # the schema, before seeding
    calls = seed_calls(data_dir, user_id(data_dir, owner.email), "Rae", 3)
    (other,) = seed_calls(data_dir, user_id(data_dir, stranger.email), "Sam", 1)
    app = create_app(fake_settings(data_dir), engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        yield Lab(url, owner, stranger, admin, [c.id for c in calls], other.id)


def client(lab: Lab, who: Account) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=lab.url, headers=who.auth, timeout=120)


async def make_study(lab: Lab, c: httpx.AsyncClient) -> dict[str, Any]:
    r = await c.post("/api/studies", json={"title": "Supplier invoices"})
    assert r.status_code == 201, r.text
    study: dict[str, Any] = r.json()
    for call_id in lab.calls:
        r = await c.put(f"/api/studies/{study['id']}/calls/{call_id}")
        assert r.status_code == 200 and r.json()["added"] is True, r.text
    upload = {"name": "acme.jsonl", "text": TRANSCRIPT}
    r = await c.post(f"/api/studies/{study['id']}/transcripts", json=upload)
    assert r.status_code == 201, r.text
    return study


async def test_studies_synthesis_clusters_the_calls_and_the_transcript(lab: Lab) -> None:
    async with client(lab, lab.owner) as c:
        study = await make_study(lab, c)
        got = (await c.get(f"/api/studies/{study['id']}")).json()
        assert got["interviews"] == 4 and [t["name"] for t in got["transcripts"]] == ["acme"]
        synth = (await c.get(f"/api/studies/{study['id']}/synthesis")).json()
    sources = {s["name"]: s for s in synth["sources"]}
    assert len(sources) == 4 and "acme" in sources
    pains = [cl for cl in synth["clusters"] if cl["kind"] == "pain"]
    assert pains, synth["clusters"]
    biggest = pains[0]
    assert len(biggest["interviews"]) >= 3
    said = {*PAINS, *(json.loads(line)["text"] for line in TRANSCRIPT.splitlines())}
    for quote in biggest["quotes"]:
        assert any(quote["text"] in s for s in said), quote  # verbatim
        source = sources[quote["interview"]]
        if source.get("call_id"):
            # Pains are not flagged moments of the seeded calls: the link opens the report's pains.
            assert quote["link"] == f"/report/{source['call_id']}#h-pains"
        else:
            assert "link" not in quote
    ps = synth["problem_statement"]
    assert ps["edited"] is False and ps["text"] == ps["draft"] and any(ps["text"] in s for s in said)


async def test_studies_problem_statement_is_edited_and_exported(lab: Lab) -> None:
    async with client(lab, lab.owner) as c:
        study = await make_study(lab, c)
        base = f"/api/studies/{study['id']}"
        r = await c.put(f"{base}/problem", json={"text": "  Finance teams retype  invoices by hand. "})
        assert r.json() == {"text": "Finance teams retype invoices by hand.", "edited": True}
        synth = (await c.get(f"{base}/synthesis")).json()
        assert synth["problem_statement"]["text"] == "Finance teams retype invoices by hand."
        assert synth["problem_statement"]["draft"] and synth["problem_statement"]["edited"] is True
        md = await c.get(f"{base}/export", params={"format": "md"})
        assert md.headers["content-type"].startswith("text/markdown")
        assert "Finance teams retype invoices by hand." in md.text
        rows = list(csv.reader(io.StringIO((await c.get(f"{base}/export", params={"format": "csv"})).text)))
        assert rows[0] == ["cluster", "kind", "quote", "interview", "time"]
        assert len(rows) > 3 and {r[3] for r in rows[1:]} <= {s["name"] for s in synth["sources"]}
        # The customers' words left the server: the audit log has an export of each call.
        async with client(lab, lab.admin) as admin:
            audit = (await admin.get("/api/admin/audit")).json()
        exported = {
            e["call_id"] for e in audit if e["action"] == "export" and study["id"] in (e["detail"] or "")
        }
        assert exported == set(lab.calls)
        # Back to the draft.
        await c.put(f"{base}/problem", json={"text": ""})
        assert (await c.get(f"{base}/synthesis")).json()["problem_statement"]["edited"] is False


async def test_studies_synthesis_follows_the_study_content(lab: Lab) -> None:
    async with client(lab, lab.owner) as c:
        study = await make_study(lab, c)
        base = f"/api/studies/{study['id']}"
        first = (await c.get(f"{base}/synthesis")).json()
        assert first == (await c.get(f"{base}/synthesis")).json()
        assert (await c.delete(f"{base}/calls/{lab.calls[0]}")).status_code == 204
        after = (await c.get(f"{base}/synthesis")).json()
        assert len(after["sources"]) == 3 and after["sources"] != first["sources"]
        transcript = (await c.get(base)).json()["transcripts"][0]["id"]
        assert (await c.delete(f"{base}/transcripts/{transcript}")).status_code == 204
        assert len((await c.get(f"{base}/synthesis")).json()["sources"]) == 2


async def test_studies_are_their_owners_and_admins(lab: Lab) -> None:
    async with client(lab, lab.owner) as c:
        study = (await c.post("/api/studies", json={"title": "Private"})).json()
        # A call the owner cannot open cannot join their study.
        r = await c.put(f"/api/studies/{study['id']}/calls/{lab.stranger_call}")
        assert r.status_code == 404 and r.json()["detail"] == NO_CALL
        assert study["id"] in [s["id"] for s in (await c.get("/api/studies")).json()]
    async with client(lab, lab.stranger) as c:
        r = await c.get(f"/api/studies/{study['id']}")
        assert r.status_code == 404 and r.json()["detail"] == NO_STUDY
        assert study["id"] not in [s["id"] for s in (await c.get("/api/studies")).json()]
    async with client(lab, lab.admin) as c:
        assert (await c.get(f"/api/studies/{study['id']}")).status_code == 200
        assert study["id"] in [s["id"] for s in (await c.get("/api/studies")).json()]


@pytest.mark.parametrize(
    ("name", "text", "detail"),
    [
        ("notes.pdf", "hello", BAD_TRANSCRIPT_NAME),
        ("empty.vtt", "   \n", "empty.vtt is empty."),
        ("broken.vtt", "this is not WebVTT", "broken.vtt"),
    ],
)
async def test_studies_a_bad_transcript_gets_a_clear_error(
    lab: Lab, name: str, text: str, detail: str
) -> None:
    async with client(lab, lab.owner) as c:
        study = (await c.post("/api/studies", json={"title": "Uploads"})).json()
        r = await c.post(f"/api/studies/{study['id']}/transcripts", json={"name": name, "text": text})
        assert r.status_code == 400 and detail in r.json()["detail"]
        assert "secondear-upload" not in r.json()["detail"]
        assert (await c.get(f"/api/studies/{study['id']}")).json()["transcripts"] == []
