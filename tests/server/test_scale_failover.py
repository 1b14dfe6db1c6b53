"""Two server processes, one decode worker, a real PostgreSQL and Redis, a load balancer in front:
the process that owns a call is killed with SIGKILL mid-call; the clients reconnect, the other
process takes the call over from the database, nothing announced is lost, the clock goes on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.commands.replay import read_stereo, stream_track
from nlp.types import SPEAKERS

from .harness import OWNER_TOKENS, Events, ServerProcess, create_call, free_port
from .services import FailoverProxy, Postgres
from .speech import closest_line, make_call, need_espeak
from .test_scale_decode import WorkerProcess, wait_workers

pytestmark = pytest.mark.slow

QUESTION = "Do you use Excel for this?"
ANSWER = "I keep a spreadsheet and copy everything by hand every Friday."


@pytest.fixture
def cluster(tmp_path: Path, postgres: Postgres, redis_url: str) -> Iterator[list[ServerProcess]]:
    env = {"SECONDEAR_REDIS_URL": redis_url, "SECONDEAR_DATABASE_URL": postgres.new_database()}
    worker = WorkerProcess(redis_url, tmp_path / "worker.log")
    servers = [ServerProcess(tmp_path / name, free_port(), env) for name in ("a", "b")]
    try:
        for server in servers:
            server.start()
        wait_workers(redis_url, 1, [worker])
        yield servers
    finally:
        for server in servers:
            server.stop()
        worker.stop()


async def replay(url: str, call: dict[str, Any], path: Path) -> None:
    tracks = read_stereo(path)
    start = time.monotonic()
    await asyncio.gather(
        *(
            stream_track(url, call["id"], call["tokens"]["interviewer"], s, tracks[s], speed=1.0, t0=start)
            for s in SPEAKERS
        )
    )


async def test_scale_owner_killed_mid_call_the_other_process_takes_over(
    tmp_path: Path, cluster: list[ServerProcess]
) -> None:
    need_espeak()
    a, b = cluster
    path = tmp_path / "failover.wav"
    turns = make_call(path, [("interviewer", QUESTION, 0.5), ("customer", ANSWER, 9.0)])
    balancer = FailoverProxy([a.port, b.port])
    await balancer.start()
    # The two servers share one database, so one account: calls made through the balancer are its.
    assert a.owner is not None
    OWNER_TOKENS[balancer.url] = a.owner.token
    try:
        call = await create_call(balancer.url, title="Failover")
        cid, tokens = call["id"], call["tokens"]
        buddy = await Events.open(balancer.url, cid, tokens["buddy"])
        streaming = asyncio.create_task(replay(balancer.url, call, path))
        final = await buddy.wait_for(lambda m: m["type"] == "transcript.final", timeout=60)
        nudge = await buddy.wait_for(lambda m: m["type"] == "nudge", timeout=20)
        last_seq = max(m["seq"] for m in buddy.messages)
        async with httpx.AsyncClient(timeout=10) as client:
            assert (await client.get(f"{a.url}/healthz")).json()["live_calls"] == 1  # A owns the call
            assert (await client.get(f"{b.url}/healthz")).json()["live_calls"] == 0
        await asyncio.sleep(1.0)
        a.kill()
        killed_at = turns[0].end + 1.0
        await buddy.close()

        # The buddy reconnects through the balancer and reaches B, which took the call over.
        again = await Events.open(balancer.url, cid, tokens["buddy"])
        state = await again.wait_for(lambda m: m["type"] == "state", timeout=30)
        assert [u["id"] for u in state["transcript"]] == [final["id"]]
        assert [n["id"] for n in state["nudges"]] == [nudge["id"]]
        # B may serve the buddy before the audio comes back (relaying, its state read from the
        # database: it covers what the buddy saw) or after (running the call): never backwards.
        assert state["seq"] >= last_seq
        # The capture side reconnected by itself and resent from the stored clock.
        await asyncio.wait_for(streaming, timeout=90)
        answer = await again.wait_for(
            lambda m: m["type"] == "transcript.final" and m["speaker"] == "customer", timeout=60
        )
        assert closest_line(answer["text"], [QUESTION, ANSWER]) == 1, answer["text"]
        assert answer["seq"] > state["seq"]
        assert answer["start"] == pytest.approx(turns[1].start, abs=0.4)
        assert answer["start"] > killed_at
        await again.close()
        async with httpx.AsyncClient(timeout=10) as client:
            health = (await client.get(f"{b.url}/healthz")).json()
            assert health["role"] == "server" and health["calls"] == 1
            assert health["database"]["backend"] == "postgresql"
    finally:
        await balancer.stop()
