"""How fast the pages after the call answer with many calls in the store.

Seeds a fresh SQLite store with CALLS finished calls of one interviewer (each LINES lines, a closed
question every third line, the customer's pains between), a coach assigned to them, and a comment
on every tenth call; then times the coach's list of calls to review, one call's review, the
debrief (first open, a save, a poll), the inbox and the home page's unread count, in process
through Starlette's TestClient. Prints the median and the 95th percentile of each, in ms.

    .venv/bin/python -m bench.coaching [--calls 500] [--lines 40] [--runs 20] [--json]

The target is under 300 ms per page with 500 calls in the store. On a shared machine the numbers
are noisy: compare them within one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.auth.passwords import hash_password
from app.calls.messages import utterance_row
from app.calls.ports import LiveTrackLike
from app.db.accounts import Accounts
from app.db.coaching import Coaching
from app.db.engine import migrate, open_engine
from app.db.repository import Repository
from app.main import create_app
from app.settings import Settings
from nlp.types import Flag, FlagHit, Speaker, Tag, Utterance

TARGET_MS = 300.0


class NoSpeech:
    """The server's speech engine, absent: the bench streams no audio."""

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def open_track(
        self, call_id: str, track: Speaker, on_event: Any, *, start_at: float = 0.0
    ) -> LiveTrackLike:
        raise RuntimeError("the bench streams no audio")

    @property
    def queue_lag(self) -> float:
        return 0.0


class NoTagger:
    def tag(self, utterance: Utterance) -> Tag:
        return Tag(None)


CLOSED = Tag(
    "closed",
    (FlagHit(Flag.CLOSED_QUESTION, "bench.closed", "Do you", "That question invites a yes or no."),),
    "That question invites a yes or no.",
    "How do you handle this today?",
)
PAIN = Tag(None, (FlagHit(Flag.PAIN, "bench.pain", "really painful", "A pain."),))


def seed(settings: Settings, calls: int, lines: int) -> tuple[str, str, str]:
    """The store: returns (owner token, coach token, a call id)."""
    engine = open_engine(settings.resolved_database_url())
    migrate(engine)
    accounts, repo, coaching = Accounts(engine), Repository(engine), Coaching(engine)
    owner = accounts.add_user(
        email="dana@example.com", name="Dana", role="member", password_hash=hash_password("x" * 12)
    )
    coach = accounts.add_user(
        email="cora@example.com", name="Cora", role="coach", password_hash=hash_password("x" * 12)
    )
    accounts.set_coach(coach.email, owner.email)
    last = ""
    for n in range(calls):
        call, _ = repo.create_call(
            title=f"Interview {n}",
            interviewer="Dana",
            customer=None,
            consent=False,
            recording=False,
            owner_id=owner.id,
        )
        rows = []
        for i in range(lines):
            at = i * 6.0
            if i % 2 == 0:
                text, tag = (
                    ("Do you use a spreadsheet for this?", CLOSED)
                    if i % 3 == 0
                    else ("Tell me more.", Tag("open"))
                )
                u = Utterance("interviewer", text, at, at + 2.0, f"{call.id}-{i}")
            else:
                text, tag = (
                    "Every week I fix the numbers by hand and it is really painful for the whole team.",
                    PAIN,
                )
                u = Utterance("customer", text, at, at + 5.0, f"{call.id}-{i}")
            row = utterance_row(call.id, u, tag)
            row.seq = i + 1
            rows.append(row)
        with repo._sessions.begin() as s:  # one transaction per call: seeding is not what is measured
            s.add_all(rows)
        repo.end_call(call.id, lines)
        if n % 10 == 0:
            coaching.add_comment(
                call_id=call.id, moment="closed_question@0.00", author_id=coach.id, body="Open it up."
            )
        last = call.id
    tokens = accounts.create_api_token(owner.id), accounts.create_api_token(coach.id)
    engine.dispose()
    return tokens[0], tokens[1], last


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = fn()
        samples.append((time.perf_counter() - t0) * 1000)
        assert r.status_code < 300, r.text
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        t0 = time.perf_counter()
        owner, coach, call_id = seed(settings, args.calls, args.lines)
        seeded = time.perf_counter() - t0
        app = create_app(settings, engine=NoSpeech(), tagger=NoTagger())
        results: dict[str, tuple[float, float]] = {}
        with TestClient(app) as client:
            as_owner = {"Authorization": f"Bearer {owner}"}
            as_coach = {"Authorization": f"Bearer {coach}"}
            debrief = f"/api/calls/{call_id}/debrief"
            t1 = time.perf_counter()
            first = client.get(debrief, headers=as_owner)
            results["debrief, first open (prefill)"] = ((time.perf_counter() - t1) * 1000,) * 2
            version = first.json()["version"]
            t1 = time.perf_counter()
            client.get("/api/review/calls", headers=as_coach)
            results["coach's list, cold (20 reports built)"] = ((time.perf_counter() - t1) * 1000,) * 2
            results["coach's list of calls (20)"] = timed(
                lambda: client.get("/api/review/calls", headers=as_coach), args.runs
            )
            results["one call's review"] = timed(
                lambda: client.get(f"/api/calls/{call_id}/review", headers=as_coach), args.runs
            )
            results["debrief, open"] = timed(lambda: client.get(debrief, headers=as_owner), args.runs)
            results["debrief, poll (nothing new)"] = timed(
                lambda: client.get(debrief, params={"since": version}, headers=as_owner), args.runs
            )
            n = iter(range(10**6))
            results["debrief, save"] = timed(
                lambda: client.put(
                    debrief,
                    json={"base": version, "edits": {"assumed": f"edit {next(n)}"}},
                    headers=as_owner,
                ),
                args.runs,
            )
            results["inbox"] = timed(lambda: client.get("/api/inbox", headers=as_owner), args.runs)
            results["unread count (home page)"] = timed(
                lambda: client.get("/api/inbox/unread", headers=as_owner), args.runs
            )
    if args.json:
        print(json.dumps({"calls": args.calls, "lines": args.lines, "ms": results}, indent=2))
        return 0
    print(
        f"{args.calls} calls of {args.lines} lines in the store (seeded in {seeded:.1f} s); "
        f"{args.runs} runs each"
    )
    print(f"{'request':42} {'median ms':>10} {'p95 ms':>8}  under {TARGET_MS:.0f} ms")
    for name, (median, p95) in results.items():
        print(f"{name:42} {median:10.1f} {p95:8.1f}  {'yes' if p95 < TARGET_MS else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
