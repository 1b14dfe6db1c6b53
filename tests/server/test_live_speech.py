"""End to end with real speech: espeak-ng audio streamed like the capture page, the real speech
engine and detectors, and a server killed with SIGKILL mid-call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.commands.replay import read_stereo, stream_track
from app.main import create_app
from app.settings import Settings
from nlp.types import SPEAKERS

from .harness import (
    OWNER_TOKENS,
    Events,
    ServerProcess,
    add_account,
    create_call,
    free_port,
    member_client,
    serve_in_thread,
)
from .speech import Turn, closest_line, make_call, need_espeak

pytestmark = pytest.mark.slow

QUESTION = "Do you use Excel for this?"
ANSWER = "I keep a spreadsheet and copy everything by hand every Friday."


@pytest.fixture(scope="module")
def excel_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Turn]]:
    need_espeak()
    path = tmp_path_factory.mktemp("audio") / "excel.wav"
    turns = make_call(path, [("interviewer", QUESTION, 0.5), ("customer", ANSWER, 0.8)])
    return path, turns


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    owner = add_account(settings.data_dir)
    with serve_in_thread(create_app(settings)) as url:
        OWNER_TOKENS[url] = owner.token
        yield url


async def replay(url: str, call: dict[str, Any], path: Path, speed: float) -> None:
    tracks = read_stereo(path)
    start = time.monotonic()
    await asyncio.gather(
        *(
            stream_track(url, call["id"], call["tokens"]["interviewer"], s, tracks[s], speed=speed, t0=start)
            for s in SPEAKERS
        )
    )


async def test_live_closed_question_reaches_the_buddy_as_final_and_nudge(
    real_server: str, excel_call: tuple[Path, list[Turn]]
) -> None:
    path, turns = excel_call
    call = await create_call(real_server, title="Excel", recording_consent=True)
    buddy = await Events.open(real_server, call["id"], call["tokens"]["buddy"])
    await replay(real_server, call, path, speed=2.0)

    final = await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["speaker"] == "interviewer")
    assert final["text"].lower().startswith("do you")  # tiny.en may hear "Excel" as "a cell"
    assert final["question"] == "closed" and "closed_question" in final["flags"]
    assert final["start"] == pytest.approx(turns[0].start, abs=0.4)
    assert final["end"] == pytest.approx(turns[0].end, abs=0.4)
    nudge = await buddy.wait_for(lambda m: m["type"] == "nudge" and m["kind"] == "closed_question")
    assert nudge["utterance_id"] == final["id"] and nudge["suggestion"]
    answer = await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["speaker"] == "customer")
    assert closest_line(answer["text"], [QUESTION, ANSWER]) == 1, answer["text"]
    assert answer["start"] == pytest.approx(turns[1].start, abs=0.4)
    assert buddy.of("talk"), "talk events while audio flows"
    await buddy.close()

    async with member_client(real_server, timeout=30) as client:
        ended = await client.post(f"/api/calls/{call['id']}/end", params={"token": call["tokens"]["buddy"]})
        assert ended.status_code == 200
        report = (await client.get(f"/api/calls/{call['id']}/report", params={"format": "json"})).json()
        assert report["questions"]["closed"] == 1
        vtt = (await client.get(f"/api/calls/{call['id']}/report", params={"format": "vtt"})).text
        assert vtt.startswith("WEBVTT") and "keep" in vtt.lower()
        # Recorded with consent: the clip of the question holds its audio (FLAC).
        clip = await client.get(
            f"/api/calls/{call['id']}/clip",
            params={"start": turns[0].start, "end": turns[0].end, "track": "interviewer"},
        )
        assert clip.status_code == 200 and clip.headers["content-type"] == "audio/flac"
        assert clip.content[:4] == b"fLaC"
        page = (await client.get(f"/report/{call['id']}")).text
        assert f"/api/calls/{call['id']}/clip?start=" in page


async def test_live_two_calls_at_once(real_server: str, excel_call: tuple[Path, list[Turn]]) -> None:
    path, _ = excel_call
    calls = [await create_call(real_server, title=f"Parallel {i}") for i in range(2)]
    buddies = [await Events.open(real_server, c["id"], c["tokens"]["buddy"]) for c in calls]
    await asyncio.gather(*(replay(real_server, c, path, speed=2.0) for c in calls))
    for buddy in buddies:
        await buddy.wait_for(lambda m: m["type"] == "nudge" and m["kind"] == "closed_question")
        await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["speaker"] == "customer")
        assert len(buddy.of("transcript.final")) == 2
        await buddy.close()


async def test_live_server_killed_mid_call_loses_nothing_announced(tmp_path: Path) -> None:
    need_espeak()
    path = tmp_path / "kill.wav"
    # A long silence after the question: the kill lands there, and the answer comes after the restart.
    turns = make_call(path, [("interviewer", QUESTION, 0.5), ("customer", ANSWER, 9.0)])
    server = ServerProcess(tmp_path / "data", free_port())
    server.start()
    try:
        call = await create_call(server.url, title="Crash", recording_consent=True)
        cid, tokens = call["id"], call["tokens"]
        buddy = await Events.open(server.url, cid, tokens["buddy"])
        streaming = asyncio.create_task(replay(server.url, call, path, speed=1.0))
        final = await buddy.wait_for(lambda m: m["type"] == "transcript.final", timeout=30)
        nudge = await buddy.wait_for(lambda m: m["type"] == "nudge", timeout=10)
        last_seq = max(m["seq"] for m in buddy.messages)
        await asyncio.sleep(1.0)
        server.kill()
        await buddy.close()
        killed_at = turns[0].end + 1.0
        server.start()

        # The buddy reconnects: everything announced before the kill is there, with the same ids.
        again = await Events.open(server.url, cid, tokens["buddy"])
        state = await again.wait_for(lambda m: m["type"] == "state")
        assert [u["id"] for u in state["transcript"]] == [final["id"]]
        assert [n["id"] for n in state["nudges"]] == [nudge["id"]]
        assert state["seq"] > last_seq
        # The capture side reconnected by itself and resent from the server's clock.
        await asyncio.wait_for(streaming, timeout=60)
        answer = await again.wait_for(
            lambda m: m["type"] == "transcript.final" and m["speaker"] == "customer", timeout=30
        )
        assert closest_line(answer["text"], [QUESTION, ANSWER]) == 1, answer["text"]
        # The audio clock continued: the answer sits where it was spoken, after the kill.
        assert answer["start"] == pytest.approx(turns[1].start, abs=0.4)
        assert answer["start"] > killed_at
        later = [m["seq"] for m in again.messages if m["type"] != "state"]
        assert later and min(later) > state["seq"]
        await again.close()
        async with member_client(server.url, timeout=30) as client:
            got = (await client.get(f"/api/calls/{cid}")).json()
            assert got["status"] == "live"
            report = (await client.get(f"/api/calls/{cid}/report", params={"format": "json"})).json()
            assert report["questions"]["closed"] == 1
    finally:
        server.stop()


async def test_live_server_killed_mid_sentence_keeps_the_words_before_the_kill(tmp_path: Path) -> None:
    """Killed half-way through the customer's sentence: the words said before the kill were
    acknowledged and recorded, so after the restart they are in the transcript, in one
    utterance with the rest of the sentence, at the time they were said."""
    need_espeak()
    path = tmp_path / "mid.wav"
    turns = make_call(path, [("customer", ANSWER, 0.5)])
    answer_at = turns[0].start
    server = ServerProcess(tmp_path / "data", free_port())
    server.start()
    try:
        call = await create_call(server.url, title="Crash", recording_consent=True)
        cid, tokens = call["id"], call["tokens"]
        streaming = asyncio.create_task(replay(server.url, call, path, speed=1.0))
        # "I keep a spreadsheet" is said by then, and acknowledged (acks come twice a second).
        await asyncio.sleep(answer_at + 2.2)
        server.kill()
        killed_at = answer_at + 2.2
        server.start()
        buddy = await Events.open(server.url, cid, tokens["buddy"])
        await asyncio.wait_for(streaming, timeout=60)
        final = await buddy.wait_for(
            lambda m: m["type"] == "transcript.final" and m["speaker"] == "customer", timeout=60
        )
        # One utterance from the first word to the last, across the kill (never exact ASR words).
        assert closest_line(final["text"], [QUESTION, ANSWER]) == 1, final
        assert final["start"] == pytest.approx(answer_at, abs=0.4) and final["start"] < killed_at
        assert final["end"] == pytest.approx(turns[0].end, abs=0.6), final
        await buddy.close()
    finally:
        server.stop()
