"""What the server stores, and when: every announced thing before it is announced; held nudges
too; the audio clock; recordings as FLAC clips. And the report built from it."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import create_engine, text
from websockets.asyncio.client import connect

from app.calls.report import call_report
from app.db.repository import CallHistory
from app.db.tables import CallRow, IntervalRow, MarkRow, NudgeRow, UtteranceRow

from .conftest import FakeServer
from .fakes import frames, silence, tone
from .harness import Events, audio_socket, create_call, member_client, ws_url

pytestmark = pytest.mark.slow  # starts a server


def rows(server: FakeServer, sql: str, *args: object) -> list[tuple[object, ...]]:
    """`sql` with `?` placeholders, on the server's store (SQLite, or PostgreSQL in the pg run)."""
    parts = sql.split("?")
    named = "".join(f"{part}:p{i}" for i, part in enumerate(parts[:-1])) + parts[-1]
    engine = create_engine(server.settings.resolved_database_url())
    try:
        with engine.connect() as db:
            return [tuple(r) for r in db.execute(text(named), {f"p{i}": a for i, a in enumerate(args)})]
    finally:
        engine.dispose()


async def test_persistence_everything_is_written_as_it_happens(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    fake_server.engine.script(cid, "interviewer", ["Do you export it?", "Is it weekly?"])
    buddy = await Events.open(fake_server.url, cid, tokens["buddy"])
    mic, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "interviewer")
    for frame in frames(tone(1.0) + silence(0.5) + tone(1.0) + silence(0.5)):
        await mic.send(frame)
    second = await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["text"] == "Is it weekly?")
    nudge = (await buddy.wait_for(lambda m: m["type"] == "nudge"))["id"]
    await buddy.send({"type": "flag", "note": "here"})
    await buddy.send({"type": "note", "text": "asks closed questions"})
    await buddy.send({"type": "whisper", "text": "open it up"})
    await buddy.send({"type": "rate", "nudge_id": nudge, "helpful": False})
    await buddy.wait_for(lambda m: m["type"] == "rating")

    # The call is still live: all of it is already in the database.
    assert rows(fake_server, "select text from utterances where call_id=? order by start", cid) == [
        ("Do you export it?",),
        ("Is it weekly?",),
    ]
    assert len(rows(fake_server, "select * from intervals where call_id=?", cid)) == 2
    nudges = rows(
        fake_server, "select kind, sent, held_reason, helpful from nudges where call_id=? order by at", cid
    )
    # The second closed question came within the cooldown: held back, but stored for the report.
    assert nudges == [("closed_question", 1, None, 0), ("closed_question", 0, "cooldown", None)]
    assert len(buddy.of("nudge")) == 1
    marks = rows(fake_server, "select kind, text from marks where call_id=? order by seq", cid)
    assert marks == [
        ("flag", "here"),
        ("note", "asks closed questions"),
        ("whisper", "open it up"),
        ("rating", None),
    ]
    # Stored events carry their sequence number; the call remembers the highest.
    (seq,) = rows(fake_server, "select seq from calls where id=?", cid)[0]
    assert isinstance(seq, int) and seq >= second["seq"]
    await asyncio.sleep(0.8)  # a checkpoint
    assert rows(
        fake_server, "select track, received_samples from tracks where call_id=? order by track", cid
    ) == [
        ("customer", 0),
        ("interviewer", 48000),
    ]
    await mic.close()
    await buddy.close()


async def test_persistence_track_mixed_is_stored_as_its_socket_says(fake_server: FakeServer) -> None:
    """`mixed=1` (one microphone hears both people) is kept with the call: a restarted server
    splits the track's re-heard speech by voice too (tests/server/test_one_track.py)."""
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]

    def mixed() -> list[tuple[str, bool]]:
        found = rows(fake_server, "select track, mixed from tracks where call_id=? order by track", cid)
        return [(str(track), bool(flag)) for track, flag in found]

    url = ws_url(fake_server.url, f"/ws/calls/{cid}/audio", track="interviewer", token=tokens["interviewer"])
    async with connect(url + "&mixed=1") as mic:
        assert json.loads(await mic.recv())["type"] == "ready"
        assert mixed() == [("interviewer", True)]
    async with connect(url) as mic:  # the capture page found a second input
        assert json.loads(await mic.recv())["type"] == "ready"
        assert mixed() == [("interviewer", False)]


async def test_persistence_recording_gives_flac_clips(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url, recording_consent=True)
    cid, tokens = call["id"], call["tokens"]
    mic, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "interviewer")
    tab, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "customer")
    for frame in frames(silence(1.0) + tone(1.0, freq=440)):
        await mic.send(frame)
    for frame in frames(tone(1.0, freq=300) + silence(1.0)):
        await tab.send(frame)
    for ws in (mic, tab):
        await ws.send(json.dumps({"type": "end"}))
        while not (msg := json.loads(await ws.recv())).get("flushed"):
            pass
        assert msg["received_samples"] == 32000
    async with member_client(fake_server.url) as client:
        r = await client.get(
            f"/api/calls/{cid}/clip", params={"start": 0.5, "end": 1.5, "track": "interviewer"}
        )
        assert r.status_code == 200 and r.headers["content-type"] == "audio/flac"
        audio, rate = sf.read(io.BytesIO(r.content), dtype="float32")
        assert rate == 16000 and len(audio) == 16000
        assert np.abs(audio[:7000]).max() < 0.01 and np.abs(audio[9000:]).max() > 0.2
        both, _ = sf.read(
            io.BytesIO((await client.get(f"/api/calls/{cid}/clip", params={"start": 0, "end": 2})).content)
        )
        assert np.abs(both[:15000]).max() > 0.2 and np.abs(both[17000:]).max() > 0.2  # the two tracks mixed
        too_long = await client.get(f"/api/calls/{cid}/clip", params={"start": 0, "end": 500})
        assert too_long.status_code == 400
    sealed = sorted(p.name for p in (fake_server.settings.data_dir / "recordings" / cid).rglob("*.*"))
    assert sealed == ["000000000000.flac", "000000000000.flac"]
    await mic.close()
    await tab.close()


def test_persistence_report_adds_buddy_flags_and_timing_nudges() -> None:
    call = CallRow(
        id="c1", title="T", interviewer="Ana", customer=None, recording_consent=False, recording=False,
        status="live", created_at=0.0, ended_at=None, interviewer_token="", buddy_token="", viewer_token="",
        seq=9,
    )  # fmt: skip
    utterances = [
        UtteranceRow(id="u1", call_id="c1", speaker="interviewer", start=1.0, end=3.0, text="Is it slow?",
                     question="closed", hits=[{"flag": "closed_question", "rule_id": "r", "evidence": "Is it",
                     "message": "Closed."}], message="Closed.", suggestion="How is it?", seq=1),
        UtteranceRow(id="u2", call_id="c1", speaker="customer", start=4.0, end=9.0, text="Very slow.",
                     question=None, hits=[], message=None, suggestion=None, seq=2),
    ]  # fmt: skip
    nudge = NudgeRow(
        id="n1", call_id="c1", kind="no_patience", severity="info", title="t", message="Leave room.",
        evidence="e", suggestion="Wait.", utterance_id=None, at=9.5, start=9.0, end=9.3, key="k", sent=False,
        held_reason="cooldown", helpful=None, seq=3,
    )  # fmt: skip
    flag = MarkRow(id="f1", call_id="c1", kind="flag", at=5.0, text="great story", nudge_id=None,
                   helpful=None, by="buddy", created_at=0.0, seq=4)  # fmt: skip
    history = CallHistory(
        call=call,
        utterances=utterances,
        intervals=[IntervalRow(call_id="c1", speaker="interviewer", start=1.0, end=3.0),
                   IntervalRow(call_id="c1", speaker="customer", start=4.0, end=9.0)],
        nudges=[nudge],
        marks=[flag],
        received={"interviewer": 160000},
    )  # fmt: skip
    report = call_report(history).to_dict()
    kinds = {(m["kind"], m["source"]) for m in report["moments"]}
    assert ("closed_question", "detector") in kinds
    assert ("buddy_flag", "buddy") in kinds and ("no_patience", "nudge") in kinds
    assert report["duration"] == pytest.approx(10.0)
    assert report["questions"]["closed"] == 1


def test_persistence_migrations_build_the_schema(tmp_path: Path) -> None:
    from app.db.engine import migrate, open_engine

    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}")
    migrate(engine)
    migrate(engine)  # a second start finds the schema up to date
    with engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("select name from sqlite_master where type='table'")}
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    engine.dispose()
    assert {"calls", "tracks", "utterances", "intervals", "nudges", "marks", "alembic_version"} <= names
    assert mode == "wal"
