"""Page bench: the pages and their APIs with 500 calls in the store, against the same server with an
empty store, in the same run.

    .venv/bin/python -m bench.pages                 # 500 calls, 20 requests per route
    .venv/bin/python -m bench.pages --calls 200 --requests 10

The calls are the shared real interview transcripts (../shared/data/real-interviews/transcripts),
tagged once by the real detectors and written straight into the store through
`Repository.import_call` (ended calls with their turns, flags and speech intervals), cycled over
10 interviewers with dates over a year; a coach coaches 5 of them; one study holds 12 calls. The
server is the real app (fake speech engine: nothing is decoded) under uvicorn in this process,
asked over HTTP by httpx.

Printed: each route's median and p95 (ms) on the empty store and with the calls, and whether the
p95 is under the 300 ms target (the trends and team answers are kept per figures version, so these
are pages opened again); also the one-off costs: the first trends request starts computing every
call's figures in the background, a call that ends makes the next answer anew (timed five times),
the first synthesis of a study loads the sentence encoder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from app.auth.passwords import hash_password
from app.db.accounts import Accounts
from app.db.engine import migrate, open_engine
from app.db.insights import Insights
from app.db.repository import Repository
from app.main import create_app
from app.settings import Settings
from nlp.types import Speaker, TaggedUtterance

REPO = Path(__file__).resolve().parents[1]
TRANSCRIPTS = Path(
    os.environ.get("SECONDEAR_REAL_TRANSCRIPTS", REPO.parent / "shared/data/real-interviews/transcripts")
)
TARGET_MS = 300.0
INTERVIEWERS = 10
COACHED = 5
STUDY_CALLS = 12
WORDS_PER_SECOND = 2.5  # for transcripts without times: about 150 words a minute
PASSWORD = "bench password 1"


class IdleEngine:
    """The speech engine's shape; the bench opens no call, so nothing is decoded."""

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def open_track(self, call_id: str, track: Speaker, on_event: Any, *, start_at: float = 0.0) -> Any:
        raise RuntimeError("the page bench streams no audio")

    @property
    def queue_lag(self) -> float:
        return 0.0


def tagged_transcripts(tagger: Any) -> list[list[TaggedUtterance]]:
    """Every shared real transcript, tagged; turns without times get times from their words."""
    from app.commands.analyze import tag_transcript
    from app.transcripts import read_transcript

    out = []
    for path in sorted(TRANSCRIPTS.glob("*.jsonl")):
        tagged, _ = tag_transcript(read_transcript(path), tagger)
        t, timed = 0.0, []
        for item in tagged:
            u = item.utterance
            if u.start is None or u.end is None:
                seconds = max(1.0, len(u.text.split()) / WORDS_PER_SECOND)
                u = replace(u, start=t, end=t + seconds)
            t = (u.end or t) + 0.8
            timed.append(TaggedUtterance(u, item.tag))
        out.append(timed)
    if not out:
        raise SystemExit(f"bench.pages: no transcripts in {TRANSCRIPTS}")
    return out


@dataclass
class People:
    admin: str
    coach: str
    interviewers: list[tuple[str, str]]  # (user id, API token)
    tokens: dict[str, str]


def add_people(data_dir: Path) -> People:
    engine = open_engine(Settings(data_dir=data_dir).resolved_database_url())
    migrate(engine)
    accounts = Accounts(engine)
    digest = hash_password(PASSWORD)

    def add(email: str, role: str, name: str) -> tuple[str, str]:
        user = accounts.add_user(email=email, name=name, role=role, password_hash=digest)
        return user.id, accounts.create_api_token(user.id)

    admin = add("admin@bench.test", "admin", "Ada Admin")
    coach = add("coach@bench.test", "coach", "Cora Coach")
    interviewers = [add(f"i{n}@bench.test", "member", f"Interviewer {n:02d}") for n in range(INTERVIEWERS)]
    for n in range(COACHED):
        accounts.set_coach("coach@bench.test", f"i{n}@bench.test")
    engine.dispose()
    return People(admin[1], coach[1], interviewers, {"admin": admin[1], "coach": coach[1]})


def seed(data_dir: Path, people: People, calls: list[list[TaggedUtterance]], count: int) -> list[str]:
    engine = open_engine(Settings(data_dir=data_dir).resolved_database_url())
    repo = Repository(engine)
    start = time.time() - 365 * 86400
    ids = []
    for i in range(count):
        owner, _ = people.interviewers[i % INTERVIEWERS]
        row = repo.import_call(
            title=f"Interview {i + 1}",
            interviewer=f"Interviewer {i % INTERVIEWERS:02d}",
            customer=f"Customer {i + 1}",
            owner_id=owner,
            created_at=start + i * (365 * 86400 / count),
            tagged=calls[i % len(calls)],
        )
        ids.append(row.id)
    engine.dispose()
    return ids


@contextmanager
def serve(data_dir: Path, tagger: Any) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(Settings(data_dir=data_dir), engine=IdleEngine(), tagger=tagger)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


async def timed(client: httpx.AsyncClient, path: str, token: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = await client.get(path, headers={"Authorization": f"Bearer {token}", "Accept": "*/*"})
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"bench.pages: GET {path}: {r.status_code} {r.text[:300]}")
    return out


def routes(people: People, study: str) -> list[tuple[str, str, str]]:
    """(label, path, token) of every route timed."""
    member = people.interviewers[0][1]
    coachee = people.interviewers[1][0]
    return [
        ("home page", "/", member),
        ("calls API (member)", "/api/calls", member),
        ("calls API (admin, 200 newest)", "/api/calls", people.admin),
        ("trends page", "/trends", member),
        ("trends API (member)", "/api/trends", member),
        ("trends API (coach, a coachee)", f"/api/trends?interviewer={coachee}", people.coach),
        ("team page", "/team", people.coach),
        ("team API (coach)", "/api/team", people.coach),
        ("team API (admin, everyone)", "/api/team", people.admin),
        ("studies page", "/studies", member),
        ("studies API", "/api/studies", member),
        ("study page", f"/studies/{study}", member),
        ("study API", f"/api/studies/{study}", member),
        ("study synthesis API", f"/api/studies/{study}/synthesis", member),
        ("study export (md)", f"/api/studies/{study}/export?format=md", member),
    ]


async def make_study(url: str, token: str, calls: list[str]) -> str:
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
        study = (await c.post("/api/studies", json={"title": "Bench study"})).json()["id"]
        for call_id in calls:
            (await c.put(f"/api/studies/{study}/calls/{call_id}")).raise_for_status()
        return str(study)


async def measure(url: str, people: People, study: str, n: int) -> dict[str, list[float]]:
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        return {label: await timed(client, path, token, n) for label, path, token in routes(people, study)}


async def once(url: str, path: str, token: str) -> float:
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        return (await timed(client, path, token, 1))[0]


async def until_filled(url: str, token: str) -> float:
    """Ask the team API until no call's figures are pending; the time it took (ms)."""
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        while (await client.get("/api/team", headers={"Authorization": f"Bearer {token}"})).json()["pending"]:
            await asyncio.sleep(0.5)
    return (time.perf_counter() - t0) * 1000


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20, help="requests per route")
    args = parser.parse_args()

    from nlp.pipeline import Tagger

    t0 = time.perf_counter()
    tagger = Tagger.load(None)
    transcripts = tagged_transcripts(tagger)
    print(f"tagged {len(transcripts)} real transcripts in {time.perf_counter() - t0:.1f} s")

    results: dict[str, dict[str, list[float]]] = {}
    one_off: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="secondear-pages-") as tmp:
        for store, count in (("empty", 0), ("full", args.calls)):
            data_dir = Path(tmp) / store
            people = add_people(data_dir)
            ids = seed(data_dir, people, transcripts, count) if count else []
            with serve(data_dir, tagger) as url:
                member = people.interviewers[0]
                mine = [c for i, c in enumerate(ids) if i % INTERVIEWERS == 0][:STUDY_CALLS]
                study = asyncio.run(make_study(url, member[1], mine))
                if count:
                    one_off["first team API (admin), answered with the figures pending"] = asyncio.run(
                        once(url, "/api/team", people.admin)
                    )
                    one_off["every call's figures computed and kept (in the background)"] = asyncio.run(
                        until_filled(url, people.admin)
                    )
                    one_off[f"first synthesis of a {len(mine)}-call study (loads the encoder)"] = asyncio.run(
                        once(url, f"/api/studies/{study}/synthesis", member[1])
                    )
                else:
                    asyncio.run(once(url, f"/api/studies/{study}/synthesis", member[1]))
                results[store] = asyncio.run(measure(url, people, study, args.requests))
                if count:
                    # A cache miss: a call ends (one more in the store), then the team is asked.
                    misses = []
                    for _ in range(5):
                        seed(data_dir, people, transcripts, 1)
                        misses.append(asyncio.run(once(url, "/api/team", people.admin)))
                    one_off["team API (admin) right after a call ended: p50 of 5"] = statistics.median(misses)
                if count:
                    engine = open_engine(Settings(data_dir=data_dir).resolved_database_url())
                    ended = Insights(engine).call_figures(None)
                    engine.dispose()
                    kept = sum(c.figures is not None for c in ended)
                    print(f"{len(ended)} ended calls in the store at the end, {kept} with their figures kept")

    print()
    n = args.calls
    head = f"{'empty p50':>10} {'empty p95':>10} {f'{n} p50':>9} {f'{n} p95':>9}"
    print(f"{'route':<34} {head}  < {TARGET_MS:g} ms")
    failed = 0
    for label in results["empty"]:
        e, f = results["empty"][label], results["full"][label]
        ok = p95(f) < TARGET_MS
        failed += not ok
        print(
            f"{label:<34} {statistics.median(e):>10.1f} {p95(e):>10.1f} "
            f"{statistics.median(f):>9.1f} {p95(f):>9.1f}  {'yes' if ok else 'NO'}"
        )
    print()
    for label, ms in one_off.items():
        print(f"one-off: {label}: {ms / 1000:.2f} s")
    print(f"\n{args.requests} requests per route, one at a time; times in ms, measured by the client.")
    if failed:
        raise SystemExit(f"bench.pages: {failed} route(s) over {TARGET_MS:g} ms at p95")


if __name__ == "__main__":
    main()
