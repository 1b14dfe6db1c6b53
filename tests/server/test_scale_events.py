"""Two server processes and one decode worker on a real Redis and PostgreSQL: the capture sockets
on process A, the buddy's events socket on process B. B relays A's events (finals and nudges
arrive on B), forwards the buddy's flag and `POST /end` to A, and ends a call itself once A died.
Without Redis, a request that cannot reach the call's server answers 503 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from app.main import create_app
from app.scale.lease import lease_key

from .conftest import fake_settings
from .fakes import FakeEngine, FakeTagger
from .harness import (
    Events,
    ServerProcess,
    add_account,
    create_call,
    free_port,
    member_client,
    serve_in_thread,
)
from .services import Postgres
from .speech import closest_line, make_call, need_espeak
from .test_scale_decode import WorkerProcess, wait_workers
from .test_scale_failover import ANSWER, QUESTION, replay


@pytest.fixture
def pair(tmp_path: Path, postgres: Postgres, redis_url: str) -> Iterator[list[ServerProcess]]:
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


async def live_calls(url: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        count: int = (await client.get(f"{url}/healthz")).json()["live_calls"]
        return count


async def end_on_b_after_a_died(tmp_path: Path, a: ServerProcess, b: ServerProcess) -> None:
    """A second call, run by A; A is killed; `POST /end` sent to B ends it once A's lease is gone."""
    path = tmp_path / "second.wav"
    make_call(path, [("interviewer", QUESTION, 0.5)])
    assert a.owner is not None
    call = await create_call(a.url, title="Owner dies")
    cid, tokens = call["id"], call["tokens"]
    buddy = await Events.open(b.url, cid, tokens["buddy"])
    await replay(a.url, call, path)
    final = await buddy.wait_for(lambda m: m["type"] == "transcript.final", timeout=90)
    a.kill()
    # A's lease runs out within seconds; B then ends the call itself, from the database.
    async with member_client(b.url, a.owner.token, timeout=60) as client:
        r = await client.post(f"/api/calls/{cid}/end")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ended"
    ended = await buddy.wait_for(lambda m: m["type"] == "call.ended", timeout=30)
    assert ended["call"]["status"] == "ended"
    # The buddy stayed on B throughout; B ran the call from then on (its numbering jumped), so the
    # relay sent a fresh `state` from the database first, with what A stored before it died.
    states = buddy.of("state")
    assert len(states) == 2 and final["id"] in [u["id"] for u in states[1]["transcript"]]
    assert buddy.messages.index(states[1]) < buddy.messages.index(ended)
    await buddy.close()


@pytest.mark.slow
async def test_scale_events_of_a_call_on_a_reach_its_buddy_on_b_and_b_ends_it_when_a_died(
    tmp_path: Path, pair: list[ServerProcess]
) -> None:
    need_espeak()
    a, b = pair
    path = tmp_path / "call.wav"
    make_call(path, [("interviewer", QUESTION, 0.5), ("customer", ANSWER, 2.0)])
    assert a.owner is not None
    call = await create_call(a.url, title="Two servers")
    cid, tokens = call["id"], call["tokens"]

    # The buddy joins on B before any audio: nobody runs the call yet, and B does not take it.
    buddy = await Events.open(b.url, cid, tokens["buddy"])
    state = await buddy.wait_for(lambda m: m["type"] == "state")
    assert state["transcript"] == [] and state["call"]["status"] == "live"
    await replay(a.url, call, path)
    final = await buddy.wait_for(lambda m: m["type"] == "transcript.final", timeout=90)
    nudge = await buddy.wait_for(lambda m: m["type"] == "nudge", timeout=30)
    customer = await buddy.wait_for(
        lambda m: m["type"] == "transcript.final" and m["speaker"] == "customer", timeout=60
    )
    assert closest_line(customer["text"], [QUESTION, ANSWER]) == 1, customer["text"]
    assert await live_calls(a.url) == 1 and await live_calls(b.url) == 0  # A runs it, B relays it
    async with httpx.AsyncClient(timeout=10) as client:
        metrics = (await client.get(f"{b.url}/metrics")).text
    assert 'secondear_sockets{kind="events_relayed"} 1.0' in metrics
    seqs = [m["seq"] for m in buddy.messages]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # in order, none twice

    # The buddy's flag, sent to B, is made by A (it numbers and stores the call's events) and
    # comes back to the buddy on B and to an events socket on A.
    viewer_a = await Events.open(a.url, cid, tokens["buddy"])
    await viewer_a.wait_for(lambda m: m["type"] == "state")
    await buddy.send({"type": "flag", "note": "ask about Friday"})
    flag = await buddy.wait_for(lambda m: m["type"] == "flag", timeout=15)
    assert flag["note"] == "ask about Friday"
    assert (await viewer_a.wait_for(lambda m: m["type"] == "flag", timeout=15))["id"] == flag["id"]
    await viewer_a.close()

    # A late joiner on B starts from the database with everything announced so far.
    late = await Events.open(b.url, cid, tokens["viewer"])
    again = await late.wait_for(lambda m: m["type"] == "state")
    assert final["id"] in [u["id"] for u in again["transcript"]]
    assert [n["id"] for n in again["nudges"]] == [nudge["id"]]
    await late.close()

    # POST /end sent to B: forwarded to A, which ends the call; the buddy on B hears it.
    async with member_client(b.url, a.owner.token) as client:
        r = await client.post(f"/api/calls/{cid}/end")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ended"
    await buddy.wait_for(lambda m: m["type"] == "call.ended", timeout=15)
    await buddy.close()

    # In the same cluster (starting one costs more than the rest of the test): the owner dies.
    await end_on_b_after_a_died(tmp_path, a, b)


async def test_scale_end_without_redis_answers_503_with_retry_after(tmp_path: Path) -> None:
    # Redis is configured but not there: nobody can tell which process runs the call, and
    # running it here could make two. The client is told to retry, not given a 500.
    settings = fake_settings(tmp_path / "data", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    owner = add_account(settings.data_dir)
    app = create_app(settings, engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        call = await create_call(url, token=owner.token)
        async with member_client(url, owner.token) as client:
            r = await client.post(f"/api/calls/{call['id']}/end")
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert "try again" in r.json()["detail"].lower()


async def test_scale_requests_to_an_owner_that_does_not_answer_are_refused_with_retry_after(
    tmp_path: Path, redis_url: str
) -> None:
    # Another process holds the call's lease but answers nothing (stuck, or killed a moment ago):
    # the request is not run here (that would make two servers write the call), and not a 500.
    settings = fake_settings(tmp_path / "data", redis_url=redis_url, forward_wait_seconds=0.5)
    owner = add_account(settings.data_dir)
    app = create_app(settings, engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        call = await create_call(url, token=owner.token)
        cid = call["id"]
        with redis.Redis.from_url(redis_url) as r:
            r.set(lease_key(cid), "server-elsewhere", px=60_000)
        buddy = await Events.open(url, cid, call["tokens"]["buddy"])
        await buddy.wait_for(lambda m: m["type"] == "state")
        await buddy.send({"type": "note", "text": "pricing came up"})
        error = await buddy.wait_for(lambda m: m["type"] == "error", timeout=20)
        assert error["code"] == "unavailable" and "try again" in error["message"]
        assert buddy.of("note") == []
        async with member_client(url, owner.token, timeout=30) as client:
            r503 = await client.post(f"/api/calls/{cid}/end")
            assert r503.status_code == 503, r503.text
            assert int(r503.headers["Retry-After"]) >= 1
            # Once the other process let go (its lease gone), this one ends the call itself.
            with redis.Redis.from_url(redis_url) as r:
                r.delete(lease_key(cid))
            ended = await client.post(f"/api/calls/{cid}/end")
            assert ended.status_code == 200 and ended.json()["status"] == "ended"
        await buddy.wait_for(lambda m: m["type"] == "call.ended", timeout=20)
        await buddy.close()
