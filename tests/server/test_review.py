"""The coach's review over HTTP: the coach's list of calls to review, threaded comments on a moment
reaching the interviewer's inbox (with the unread count), answers and "taken on board", marks, and
overrides exported as interview-lines JSONL (route and `secondear overrides export`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.coaching.labels import SOURCE
from app.db.engine import open_engine
from app.db.repository import Repository
from nlp.evaluation import detect_format, utterances

from .coaching import CLOSED, CLOSED_MOMENT, assign_coach, seed_call
from .conftest import FakeServer
from .harness import REPO, Account, add_account, create_call, member_client


@pytest.fixture
def coach(fake_server: FakeServer) -> Account:
    account = add_account(fake_server.settings.data_dir, "cora@example.com", "coach", "Cora")
    assign_coach(fake_server.settings.data_dir, account.email, fake_server.owner.email)
    return account


async def ended_call(server: FakeServer, title: str = "Test call") -> dict[str, Any]:
    call = await create_call(server.url, title=title, recording_consent=True)
    seed_call(server.settings, call["id"])
    async with member_client(server.url) as client:
        assert (await client.post(f"/api/calls/{call['id']}/end")).status_code == 200
    return call


async def test_review_coach_lists_coached_calls_newest_first(fake_server: FakeServer, coach: Account) -> None:
    older = await ended_call(fake_server, "Older call")
    newer = await ended_call(fake_server, "Newer call")
    other = add_account(fake_server.settings.data_dir, "ola@example.com", "member", "Ola")
    await create_call(fake_server.url, token=other.token, title="Not coached")
    async with member_client(fake_server.url, coach.token) as client:
        calls = (await client.get("/api/review/calls")).json()["calls"]
        assert [c["id"] for c in calls] == [newer["id"], older["id"]]
        assert calls[0]["unreviewed"] == calls[0]["moments"] > 0
        assert calls[0]["first_unreviewed"][0] == {
            "key": CLOSED_MOMENT, "time": 0.5, "label": "Closed question", "text": CLOSED,
        }  # fmt: skip
        # Marked reviewed: it leaves the unreviewed count.
        r = await client.put(
            f"/api/calls/{newer['id']}/review/marks", json={"moment": CLOSED_MOMENT, "reviewed": True}
        )
        assert r.json() == {"moment": CLOSED_MOMENT, "reviewed": True, "good_example": False}
        again = (await client.get("/api/review/calls")).json()["calls"][0]
        assert again["unreviewed"] == calls[0]["unreviewed"] - 1
        # A strong moment kept as a good example is collected for the coach.
        assert (await client.get("/api/review/examples")).json() == {"examples": []}
        await client.put(
            f"/api/calls/{older['id']}/review/marks", json={"moment": CLOSED_MOMENT, "good_example": True}
        )
        (example,) = (await client.get("/api/review/examples")).json()["examples"]
        assert example == {
            "call": {"id": older["id"], "title": "Older call"}, "interviewer": "Ana",
            "key": CLOSED_MOMENT, "label": "Closed question", "time": 0.5, "text": CLOSED,
        }  # fmt: skip
    async with member_client(fake_server.url) as member:
        refused = await member.get("/api/review/calls")
        assert (refused.status_code, refused.json()["detail"]) == (
            403,
            "Only a coach (or an admin) can do this.",
        )


async def test_review_a_coach_comment_reaches_the_inbox_and_is_answered(
    fake_server: FakeServer, coach: Account
) -> None:
    call = await ended_call(fake_server)
    cid = call["id"]
    async with member_client(fake_server.url, coach.token) as c:
        review = (await c.get(f"/api/calls/{cid}/review")).json()
        assert review["coach"] is True
        moment = next(m for m in review["moments"] if m["key"] == CLOSED_MOMENT)
        assert moment["nudge"] == {"sent": True, "held_reason": None, "helpful": True}
        assert moment["text"] == CLOSED and moment["clip"].startswith(f"/api/calls/{cid}/clip?start=0.00")
        assert [line["here"] for line in moment["around"]] == [True, False, False]
        assert moment["detected"] == {
            "speaker": "interviewer",
            "text": CLOSED,
            "question": "closed",
            "flags": ["closed_question"],
        }
        r = await c.post(
            f"/api/calls/{cid}/review/comments",
            json={
                "moment": CLOSED_MOMENT,
                "body": "A yes/no here closed the topic.",
                "suggestion": "What do you use today?",
            },
        )
        assert r.status_code == 201, r.text
        comment = r.json()
        assert comment["author"] == "Cora" and comment["mine"] is True
        missing = await c.post(
            f"/api/calls/{cid}/review/comments", json={"moment": "pitch@9.00", "body": "x"}
        )
        assert missing.status_code == 404
    async with member_client(fake_server.url) as owner:
        assert (await owner.get("/api/inbox/unread")).json() == {"unread": 1}
        inbox = (await owner.get("/api/inbox")).json()
        (listed,) = inbox["calls"]
        (m,) = listed["moments"]
        assert (m["key"], m["label"], m["time"]) == (CLOSED_MOMENT, "Closed question", 0.5)
        (got,) = m["comments"]
        assert got["read"] is False and got["suggestion"] == "What do you use today?" and got["mine"] is False
        # The interviewer answers (a new top-level comment is the coach's to write) and takes it on board.
        refused = await owner.post(
            f"/api/calls/{cid}/review/comments", json={"moment": CLOSED_MOMENT, "body": "hm"}
        )
        assert refused.status_code == 403
        answer = await owner.post(
            f"/api/calls/{cid}/review/comments",
            json={"moment": CLOSED_MOMENT, "body": "Agreed, I'll open it up.", "parent": comment["id"]},
        )
        assert answer.status_code == 201 and answer.json()["parent"] == comment["id"]
        taken = await owner.put(
            f"/api/calls/{cid}/review/comments/{comment['id']}/taken", json={"taken": True}
        )
        assert taken.json() == {"id": comment["id"], "taken": True}
        assert (await owner.post("/api/inbox/read", json={})).json() == {"unread": 0}
        # The owner's review page shows the thread but no coach tools.
        mine = (await owner.get(f"/api/calls/{cid}/review")).json()
        assert mine["coach"] is False
    async with member_client(fake_server.url, coach.token) as c:
        thread = next(
            m
            for m in (await c.get(f"/api/calls/{cid}/review")).json()["moments"]
            if m["key"] == CLOSED_MOMENT
        )
        assert [(x["body"], x["taken"]) for x in thread["comments"]] == [
            ("A yes/no here closed the topic.", True),
            ("Agreed, I'll open it up.", False),
        ]
        assert thread["reviewed"] is True


async def test_review_overrides_export_as_interview_lines(
    fake_server: FakeServer, coach: Account, tmp_path: Path
) -> None:
    call = await ended_call(fake_server)
    cid = call["id"]
    path = f"/api/calls/{cid}/review/overrides"
    async with member_client(fake_server.url, coach.token) as c:
        bad = await c.put(path, json={"moment": CLOSED_MOMENT, "question": "open", "flags": ["pain"]})
        assert bad.status_code == 400 and "cannot carry pain" in bad.json()["detail"]
        r = await c.put(
            path,
            json={"moment": CLOSED_MOMENT, "question": "open", "flags": [], "note": "Not a closed question"},
        )
        assert r.status_code == 200, r.text
        exported = (await c.get("/api/overrides.jsonl")).text
    async with member_client(fake_server.url) as owner:
        assert (
            await owner.put(path, json={"moment": CLOSED_MOMENT, "question": None, "flags": []})
        ).status_code == 404
    rows = [json.loads(line) for line in exported.splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("speaker", "text", "question", "flags", "source")} == {
        "speaker": "interviewer", "text": CLOSED, "question": "open", "flags": [], "source": SOURCE,
    }  # fmt: skip
    assert row["detected"] == {"question": "closed", "flags": ["closed_question"]}
    # The labels read as interview-lines, like the hand-written ones.
    assert detect_format(rows) == "interview-lines" and utterances(rows)[0].text == CLOSED
    # The command writes the same lines from the server's database.
    out = tmp_path / "overrides.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "overrides",
            "export",
            "-o",
            str(out),
            "--data-dir",
            str(fake_server.settings.data_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text() == exported
    assert "wrote 1 override(s)" in done.stderr


async def test_review_deleting_a_call_removes_its_debrief_comments_and_overrides(
    fake_server: FakeServer, coach: Account
) -> None:
    call = await ended_call(fake_server)
    cid = call["id"]
    async with member_client(fake_server.url, coach.token) as c:
        await c.post(
            f"/api/calls/{cid}/review/comments", json={"moment": CLOSED_MOMENT, "body": "Open it up."}
        )
        await c.put(f"/api/calls/{cid}/review/marks", json={"moment": CLOSED_MOMENT, "good_example": True})
        await c.put(
            f"/api/calls/{cid}/review/overrides",
            json={"moment": CLOSED_MOMENT, "question": "open", "flags": []},
        )
    async with member_client(fake_server.url) as owner:
        assert (await owner.get(f"/api/calls/{cid}/debrief")).status_code == 200
        assert (await owner.get(f"/api/calls/{cid}/review")).status_code == 200  # reads the comment
    engine = open_engine(fake_server.settings.resolved_database_url())
    try:
        # Retention's way of deleting (foreign keys are on, on SQLite as on PostgreSQL).
        assert Repository(engine).delete_call(cid)
        with engine.connect() as db:
            for table in ("debrief_versions", "review_comments", "moment_marks", "overrides"):
                count = db.execute(
                    text(f"select count(*) from {table} where call_id = :c"), {"c": cid}
                ).scalar()
                assert count == 0, table
            assert db.execute(text("select count(*) from review_reads")).scalar() == 0
    finally:
        engine.dispose()
