"""The data lifecycle: deleting a call leaves nothing on disk or in the database, retention
deletes old audio and old calls, and calls nobody ended are ended once idle."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import create_engine, text

from app.calls.retention import delete_call, run_lifecycle
from app.settings import Settings

from .conftest import LiveServer
from .fakes import frames, silence, tone
from .harness import Events, audio_socket, create_call, member_client

pytestmark = pytest.mark.slow  # starts a server
T = TypeVar("T")

TABLES = ("utterances", "intervals", "nudges", "marks", "tracks")


async def _recorded_call(server: LiveServer) -> str:
    call = await create_call(server.url, recording_consent=True)
    cid, tokens = call["id"], call["tokens"]
    server.live.calls.services.engine.script(cid, "interviewer", ["Do you export it?"])  # type: ignore[attr-defined]
    buddy = await Events.open(server.url, cid, tokens["buddy"])
    mic, _ = await audio_socket(server.url, cid, tokens["interviewer"], "interviewer")
    for frame in frames(tone(1.0) + silence(1.0)):
        await mic.send(frame)
    await mic.send(json.dumps({"type": "end"}))
    while not json.loads(await mic.recv()).get("flushed"):
        pass
    await buddy.send({"type": "note", "text": "a note"})
    await buddy.wait_for(lambda m: m["type"] == "note")
    await mic.close()
    await buddy.close()
    await asyncio.sleep(0.3)  # the server sees both sockets go
    return cid


def _rows(data: Path, cid: str) -> dict[str, int]:
    """Rows about the call in each table, in the server's store (SQLite in `data`, or the
    PostgreSQL of the pg run, which the environment names)."""
    engine = create_engine(Settings(data_dir=data).resolved_database_url())
    try:
        with engine.connect() as db:
            count = lambda sql: db.execute(text(sql), {"cid": cid}).scalar_one()  # noqa: E731
            counts = {t: count(f"select count(*) from {t} where call_id = :cid") for t in TABLES}
            counts["calls"] = count("select count(*) from calls where id = :cid")
    finally:
        engine.dispose()
    return counts


async def test_lifecycle_delete_call_leaves_nothing(server: LiveServer) -> None:
    live = server.live
    data = live.settings.data_dir
    cid = await _recorded_call(server)
    keep = await _recorded_call(server)
    before = _rows(data, cid)
    assert before["utterances"] and before["marks"] and before["intervals"] and before["tracks"]
    assert any((data / "recordings" / cid).rglob("*.flac"))

    deleted: list[tuple[str, str]] = []
    assert await server.run(delete_call, live.calls, cid, on_deleted=lambda *a: deleted.append(a))
    assert deleted == [(cid, "deleted")]
    assert _rows(data, cid) == dict.fromkeys((*TABLES, "calls"), 0)
    assert not [p for p in data.rglob("*") if cid in str(p)]
    async with member_client(server.url) as client:
        assert (await client.get(f"/api/calls/{cid}")).status_code == 404
    assert live.calls.loaded(cid) is None
    # Deleting again, or an id that names no folder, deletes nothing.
    assert not await server.run(delete_call, live.calls, cid)
    assert not await server.run(delete_call, live.calls, "..")
    assert (data / "recordings").is_dir()
    assert _rows(data, keep)["calls"] == 1  # the store itself is still there
    # The other call is untouched.
    assert _rows(data, keep)["utterances"] and any((data / "recordings" / keep).rglob("*.flac"))


async def test_lifecycle_retention_deletes_old_audio_then_old_calls(server: LiveServer) -> None:
    live = server.live
    settings, data = live.settings, live.settings.data_dir
    cid = await _recorded_call(server)
    await server.run(live.calls.end, cid)
    # Off by default: nothing happens.
    run = await server.run(run_lifecycle, live.calls, settings, now=time.time() + 400 * 86400)
    assert not run.audio_deleted and not run.deleted and _rows(data, cid)["calls"] == 1

    settings.retention_audio_days, settings.retention_call_days = 2, 30
    run = await server.run(run_lifecycle, live.calls, settings, now=time.time() + 3 * 86400)
    assert run.audio_deleted == [cid] and not run.deleted
    assert not (data / "recordings" / cid).exists()
    assert _rows(data, cid)["utterances"] == 1  # the transcript stays
    async with member_client(server.url) as client:
        assert (await client.get(f"/api/calls/{cid}/clip", params={"start": 0, "end": 1})).status_code != 200

    gone: list[tuple[str, str]] = []
    run = await server.run(
        run_lifecycle,
        live.calls,
        settings,
        now=time.time() + 31 * 86400,
        on_deleted=lambda *a: gone.append(a),
    )
    assert run.deleted == [cid] and gone == [(cid, "retention")]
    assert _rows(data, cid)["calls"] == 0


async def test_lifecycle_calls_nobody_ended_are_ended_when_idle(server: LiveServer) -> None:
    live = server.live
    settings = live.settings
    cid = await _recorded_call(server)
    session = live.calls.loaded(cid)
    assert session is not None and not session.ended
    settings.call_idle_end_minutes = 60
    run = await server.run(run_lifecycle, live.calls, settings)
    assert run.ended == [] and live.calls.loaded(cid) is session  # not idle long enough
    session.detached_at -= 3601  # as if an hour had passed since the last socket and frame
    session.last_audio -= 3601
    run = await server.run(run_lifecycle, live.calls, settings)
    assert run.ended == [cid] and live.calls.loaded(cid) is None
    async with member_client(server.url) as client:
        assert (await client.get(f"/api/calls/{cid}")).json()["status"] == "ended"
    # A live call not in memory (the server restarted and nobody came back) is ended too.
    other = (await create_call(server.url))["id"]
    live.calls.started -= 7200
    run = await server.run(run_lifecycle, live.calls, settings, now=time.time() + 3601)
    assert run.ended == [other] and live.calls.loaded(other) is None
    async with member_client(server.url) as client:
        assert (await client.get(f"/api/calls/{other}")).json()["status"] == "ended"


async def test_lifecycle_leaves_calls_another_process_runs(server: LiveServer, redis_url: str) -> None:
    """With several processes, a live call held by another process's lease is that process's to
    end: the pass skips it at once (it used to wait out the lease, fail, and skip the rest)."""
    import redis.asyncio as aioredis

    from app.scale.lease import CallLeases, lease_key

    live = server.live
    settings = live.settings
    settings.call_idle_end_minutes = 60
    theirs = (await create_call(server.url))["id"]
    ours = (await create_call(server.url))["id"]

    async def share_redis() -> None:
        live.calls.use_leases(CallLeases(aioredis.Redis.from_url(redis_url), "process-a"))
        await aioredis.Redis.from_url(redis_url).set(lease_key(theirs), "process-b", px=60_000)

    await server.run(share_redis)
    live.calls.started -= 7200
    run = await server.run(run_lifecycle, live.calls, settings, now=time.time() + 3601)
    assert run.ended == [ours]
    async with member_client(server.url) as client:
        assert (await client.get(f"/api/calls/{theirs}")).json()["status"] == "live"
        assert (await client.get(f"/api/calls/{ours}")).json()["status"] == "ended"
