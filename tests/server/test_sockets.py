"""The audio and events sockets on a real server, with the fake engine (speech = a loud tone,
text = a script): the pipeline, roles, errors, late joiners, reconnects and persistence."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from .conftest import FakeServer
from .fakes import frames, silence, tone
from .harness import Events, audio_socket, create_call, member_client, refused, ws_url

pytestmark = pytest.mark.slow  # starts a server


async def stream(ws: Any, pcm: bytes, ms: int = 100, pace: float = 0.0) -> None:
    for frame in frames(pcm, ms):
        await ws.send(frame)
        if pace:
            await asyncio.sleep(pace)


async def test_sockets_closed_question_gives_final_and_nudge(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    fake_server.engine.script(cid, "interviewer", ["Do you use Excel for this?"])
    fake_server.engine.script(cid, "customer", ["I keep a spreadsheet and copy it by hand."])
    buddy = await Events.open(fake_server.url, cid, tokens["buddy"])
    state = await buddy.wait_for(lambda m: m["type"] == "state")
    assert state["role"] == "buddy" and state["transcript"] == [] and state["call"]["id"] == cid

    mic, ready = await audio_socket(fake_server.url, cid, tokens["interviewer"], "interviewer")
    assert ready == {"type": "ready", "track": "interviewer", "received_samples": 0}
    tab, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "customer")
    await stream(mic, silence(0.5) + tone(1.2) + silence(0.6))
    await stream(tab, silence(2.3) + tone(1.5) + silence(0.6))

    final = await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["speaker"] == "interviewer")
    assert final["text"] == "Do you use Excel for this?"
    assert final["question"] == "closed" and final["flags"] == ["closed_question"]
    assert final["suggestion"] == "How do you handle this today?"
    assert final["start"] == pytest.approx(0.5, abs=0.02) and final["end"] == pytest.approx(1.7, abs=0.02)
    nudge = await buddy.wait_for(lambda m: m["type"] == "nudge" and m["kind"] == "closed_question")
    assert nudge["severity"] == "info" and nudge["utterance_id"] == final["id"]
    assert nudge["evidence"] == "Do you use Excel for this?"
    assert nudge["suggestion"] == "How do you handle this today?"
    follow = await buddy.wait_for(lambda m: m["type"] == "nudge" and m["kind"] == "follow_up")
    assert follow["suggestion"] == "Walk me through how you do that."
    assert "spreadsheet" in follow["evidence"]

    # Every event carries seq (increasing), call time and send time.
    events = [m for m in buddy.messages if m["type"] != "state"]
    seqs = [m["seq"] for m in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > state["seq"]
    assert all(isinstance(m["call_time"], float | int) and m["sent_at"] > 1e9 for m in events)

    # talk: at least once a second while audio flows.
    talk = await buddy.wait_for(lambda m: m["type"] == "talk" and m["talk_seconds"]["customer"] > 0)
    assert 0 < talk["interviewer_share"] < 1
    assert set(talk) >= {"interviewer_share_rolling", "window_seconds", "speaking", "monologue_seconds"}
    for ws in (mic, tab):
        await ws.close()
    await buddy.close()


async def test_sockets_late_joiner_gets_the_state_first(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    fake_server.engine.script(cid, "interviewer", ["Did you try the export?", "Tell me more about that."])
    buddy = await Events.open(fake_server.url, cid, tokens["buddy"])
    mic, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "interviewer")
    await stream(mic, tone(1.0) + silence(0.5) + tone(1.0) + silence(0.5))
    await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["text"].startswith("Tell"))
    await buddy.send({"type": "note", "text": "Good recovery"})
    await buddy.wait_for(lambda m: m["type"] == "note")

    viewer = await Events.open(fake_server.url, cid, tokens["viewer"])
    state = await viewer.wait_for(lambda m: m["type"] == "state")
    assert viewer.messages[0] is state
    assert state["role"] == "viewer"
    assert [u["text"] for u in state["transcript"]] == ["Did you try the export?", "Tell me more about that."]
    assert [n["kind"] for n in state["nudges"]] == ["closed_question"]
    assert state["notes"][0]["text"] == "Good recovery"
    assert state["seq"] == max(m["seq"] for m in buddy.messages)
    assert state["call"]["call_time"] == pytest.approx(3.0, abs=0.01)
    await mic.close()
    await buddy.close()
    await viewer.close()


async def test_sockets_buddy_actions_and_read_only_roles(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    fake_server.engine.script(cid, "interviewer", ["Is that a problem?"])
    buddy = await Events.open(fake_server.url, cid, tokens["buddy"])
    capture = await Events.open(fake_server.url, cid, tokens["interviewer"])
    viewer = await Events.open(fake_server.url, cid, tokens["viewer"])
    mic, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "interviewer")
    await stream(mic, tone(1.0) + silence(0.5))
    nudge = await buddy.wait_for(lambda m: m["type"] == "nudge")

    await buddy.send({"type": "flag", "note": "listen to this"})
    await buddy.send({"type": "whisper", "text": "Ask how, not if", "nudge_id": nudge["id"]})
    await buddy.send({"type": "rate", "nudge_id": nudge["id"], "helpful": True})
    await buddy.send({"type": "ping"})
    flag = await buddy.wait_for(lambda m: m["type"] == "flag")
    assert (
        flag["note"] == "listen to this"
        and flag["by"] == "buddy"
        and flag["at"] == pytest.approx(1.5, abs=0.01)
    )
    whisper = await capture.wait_for(lambda m: m["type"] == "whisper")
    assert whisper["text"] == "Ask how, not if" and whisper["nudge_id"] == nudge["id"]
    rating = await viewer.wait_for(lambda m: m["type"] == "rating")
    assert rating == {**rating, "nudge_id": nudge["id"], "helpful": True}
    await buddy.wait_for(lambda m: m["type"] == "pong")

    for reader in (viewer, capture):
        await reader.send({"type": "note", "text": "mine"})
        error = await reader.wait_for(lambda m: m["type"] == "error")
        assert error["code"] == "read_only"
        await reader.send({"type": "ping"})
        await reader.wait_for(lambda m: m["type"] == "pong")  # still open: read_only is not fatal
    await buddy.send({"type": "rate", "nudge_id": "n-unknown", "helpful": False})
    assert (await buddy.wait_for(lambda m: m["type"] == "error"))["code"] == "no_nudge"

    # A viewer joining now sees the rating on the nudge.
    late = await Events.open(fake_server.url, cid, tokens["viewer"])
    state = await late.wait_for(lambda m: m["type"] == "state")
    assert state["nudges"][0]["helpful"] is True and state["flags"][0]["note"] == "listen to this"
    assert state["whispers"][0]["text"] == "Ask how, not if"
    for s in (buddy, capture, viewer, late):
        await s.close()
    await mic.close()


@pytest.mark.parametrize(
    ("send", "code", "error"),
    [
        (b"\x00" * 321, 4400, "bad_frame"),  # odd length
        (b"\x00" * 100, 4400, "bad_frame"),  # under 10 ms
        (b"\x00" * 16002, 4400, "bad_frame"),  # over 500 ms
        ("not json", 4400, "bad_message"),
        (json.dumps({"type": "shout"}), 4400, "unknown_message"),
        (json.dumps({"type": "hello", "sample_rate": 48000, "format": "pcm16le"}), 4400, "bad_format"),
    ],
    ids=["odd", "short", "long", "not-json", "unknown", "bad-rate"],
)
async def test_sockets_bad_audio_messages_close_4400_and_other_calls_go_on(
    fake_server: FakeServer, send: bytes | str, code: int, error: str
) -> None:
    other = await create_call(fake_server.url, title="Other")
    fake_server.engine.script(other["id"], "interviewer", ["Do you like it?"])
    other_events = await Events.open(fake_server.url, other["id"], other["tokens"]["buddy"])
    other_mic, _ = await audio_socket(
        fake_server.url, other["id"], other["tokens"]["interviewer"], "interviewer"
    )
    await stream(other_mic, tone(0.5))

    call = await create_call(fake_server.url)
    url = ws_url(
        fake_server.url,
        f"/ws/calls/{call['id']}/audio",
        track="customer",
        token=call["tokens"]["interviewer"],
    )
    err, closed = await refused(url, send)
    assert (err.get("code"), closed) == (error, code)
    assert err["message"]

    await stream(other_mic, silence(0.5))
    final = await other_events.wait_for(lambda m: m["type"] == "transcript.final")
    assert final["text"] == "Do you like it?"
    await other_mic.close()
    await other_events.close()


async def test_sockets_tokens_roles_and_unknown_calls(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    base = fake_server.url

    def audio(track: str, token: str, call_id: str = cid) -> str:
        return ws_url(base, f"/ws/calls/{call_id}/audio", track=track, token=token)

    # A wrong token, a role that may not send audio, another call's link and an unknown call are
    # all refused alike (no_call, 4404), so call ids cannot be probed.
    assert (await refused(audio("interviewer", "wrong")))[1] == 4404
    assert (await refused(audio("interviewer", tokens["buddy"])))[1] == 4404
    assert (await refused(audio("interviewer", tokens["viewer"])))[1] == 4404
    assert (await refused(audio("nobody", tokens["interviewer"])))[1] == 4400
    assert (await refused(audio("interviewer", tokens["interviewer"], "missing")))[1] == 4404
    other = await create_call(base)
    assert (await refused(audio("interviewer", other["tokens"]["interviewer"])))[1] == 4404
    err, code = await refused(ws_url(base, f"/ws/calls/{cid}/events", token="wrong"))
    assert (err["code"], code) == ("no_call", 4404)
    assert (await refused(ws_url(base, "/ws/calls/missing/events", token="x")))[1] == 4404
    # A buddy sending an unknown message, or binary, on the events socket.
    err, code = await refused(
        ws_url(base, f"/ws/calls/{cid}/events", token=tokens["buddy"]), json.dumps({"type": "x"})
    )
    assert (err["code"], code) == ("unknown_message", 4400)
    err, code = await refused(
        ws_url(base, f"/ws/calls/{cid}/events", token=tokens["buddy"]), json.dumps({"type": "note"})
    )
    assert (err["code"], code) == ("bad_message", 4400)


async def test_sockets_reconnect_resumes_the_track_clock(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, token = call["id"], call["tokens"]["interviewer"]
    fake_server.engine.script(cid, "interviewer", ["First part.", "Second part."])
    buddy = await Events.open(fake_server.url, cid, call["tokens"]["buddy"])
    mic, _ = await audio_socket(fake_server.url, cid, token, "interviewer")
    await stream(mic, silence(0.2) + tone(0.8))  # 1.0 s, mid-speech
    # While the first socket is alive and busy, a second one is refused.
    url = ws_url(fake_server.url, f"/ws/calls/{cid}/audio", track="interviewer", token=token)
    assert (await refused(url))[1] == 4429
    await mic.close()

    mic, ready = await audio_socket(fake_server.url, cid, token, "interviewer")
    assert ready["received_samples"] == 16000
    await stream(mic, tone(0.5) + silence(0.5) + tone(0.5) + silence(0.5))
    first = await buddy.wait_for(lambda m: m["type"] == "transcript.final")
    # One segment across the reconnect: the clock went on where it stopped.
    assert (first["start"], first["end"]) == (pytest.approx(0.2, abs=0.02), pytest.approx(1.5, abs=0.02))
    second = await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["text"] == "Second part.")
    assert second["start"] == pytest.approx(2.0, abs=0.02)
    await mic.send(json.dumps({"type": "end"}))
    while (msg := json.loads(await mic.recv()))["type"] != "ack" or msg["received_samples"] < 48000:
        pass
    assert msg["received_samples"] == 48000
    await mic.close()
    await buddy.close()


async def test_sockets_a_silent_stale_socket_is_taken_over(fake_server: FakeServer) -> None:
    fake_server.settings.audio_takeover_seconds = 0.3
    call = await create_call(fake_server.url)
    cid, token = call["id"], call["tokens"]["interviewer"]
    stale, _ = await audio_socket(fake_server.url, cid, token, "customer")
    await stream(stale, tone(0.3))
    await asyncio.sleep(0.5)
    fresh, ready = await audio_socket(fake_server.url, cid, token, "customer")
    assert ready["type"] == "ready" and ready["received_samples"] == 4800
    closing = None
    with contextlib.suppress(ConnectionClosed):
        async for raw in stale:
            closing = json.loads(raw)
    assert stale.close_code == 4429
    assert closing is not None and closing["type"] in ("error", "ack")
    await fresh.close()


async def test_sockets_end_call_flushes_and_closes_audio_with_4409(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    fake_server.engine.script(cid, "customer", ["I hate the export."])
    buddy = await Events.open(fake_server.url, cid, tokens["buddy"])
    tab, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "customer")
    await stream(tab, tone(1.0))  # still speaking when the call ends
    await asyncio.sleep(0.3)
    async with member_client(fake_server.url) as client:
        r = await client.post(f"/api/calls/{cid}/end", params={"token": tokens["interviewer"]})
        assert r.status_code == 200 and r.json()["status"] == "ended"
    final = await buddy.wait_for(lambda m: m["type"] == "transcript.final")
    ended = await buddy.wait_for(lambda m: m["type"] == "call.ended")
    assert final["seq"] < ended["seq"] and ended["call"]["status"] == "ended"
    with contextlib.suppress(ConnectionClosed):
        async for _ in tab:
            pass
    assert tab.close_code == 4409
    url = ws_url(fake_server.url, f"/ws/calls/{cid}/audio", track="customer", token=tokens["interviewer"])
    assert (await refused(url))[1] == 4409
    # The events socket of an ended call still opens, with the whole call in its state.
    late = await Events.open(fake_server.url, cid, tokens["viewer"])
    state = await late.wait_for(lambda m: m["type"] == "state")
    assert state["call"]["status"] == "ended" and state["transcript"][0]["text"] == "I hate the export."
    assert [n["kind"] for n in state["nudges"]] == ["follow_up"]
    await late.close()
    await buddy.close()


async def test_sockets_two_calls_at_once_stay_apart(fake_server: FakeServer) -> None:
    calls = [await create_call(fake_server.url, title=f"Call {i}") for i in range(2)]
    for i, call in enumerate(calls):
        fake_server.engine.script(call["id"], "interviewer", [f"Question of call {i}?"])
    buddies = [await Events.open(fake_server.url, c["id"], c["tokens"]["buddy"]) for c in calls]
    mics = [
        (await audio_socket(fake_server.url, c["id"], c["tokens"]["interviewer"], "interviewer"))[0]
        for c in calls
    ]
    await asyncio.gather(*(stream(m, tone(0.8) + silence(0.5), pace=0.01) for m in mics))
    for i, buddy in enumerate(buddies):
        final = await buddy.wait_for(lambda m: m["type"] == "transcript.final")
        assert final["text"] == f"Question of call {i}?"
        assert len(buddy.of("transcript.final")) == 1
    for ws in mics:
        await ws.close()
    for buddy in buddies:
        await buddy.close()


async def test_sockets_a_late_track_joins_at_the_call_clock(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, token = call["id"], call["tokens"]["interviewer"]
    fake_server.engine.script(cid, "customer", ["Hello there."])
    buddy = await Events.open(fake_server.url, cid, call["tokens"]["buddy"])
    mic, first = await audio_socket(fake_server.url, cid, token, "interviewer")
    assert first["received_samples"] == 0
    await stream(mic, silence(2.0))
    await asyncio.sleep(0.2)
    tab, ready = await audio_socket(fake_server.url, cid, token, "customer")
    assert ready["received_samples"] == 32000  # the tab starts at call time 2.0, not 0
    await stream(tab, silence(0.5) + tone(1.0) + silence(0.5))
    final = await buddy.wait_for(lambda m: m["type"] == "transcript.final")
    assert final["start"] == pytest.approx(2.5, abs=0.02)
    await tab.close()
    await tab.wait_closed()
    tab, again = await audio_socket(fake_server.url, cid, token, "customer")
    assert again["received_samples"] == 32000 + 32000  # a reconnect resumes, it does not re-align
    for ws in (mic, tab):
        await ws.close()
    await buddy.close()


async def test_sockets_timing_rules_nudge_a_monologue(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid = call["id"]
    buddy = await Events.open(fake_server.url, cid, call["tokens"]["buddy"])
    mic, _ = await audio_socket(fake_server.url, cid, call["tokens"]["interviewer"], "interviewer")
    await stream(mic, tone(50.0), ms=500)  # 50 s of interviewer speech, sent faster than real time
    mono = await buddy.wait_for(lambda m: m["type"] == "nudge" and m["kind"] == "monologue")
    assert mono["severity"] == "critical" and mono["utterance_id"] is None
    assert mono["evidence"].startswith("Talking for ") and mono["suggestion"]
    share = await buddy.wait_for(lambda m: m["type"] == "nudge" and m["kind"] == "talk_share")
    assert "100%" in share["message"]
    talk = await buddy.wait_for(lambda m: m["type"] == "talk" and m["monologue_seconds"] > 45)
    assert talk["speaking"] == ["interviewer"] and talk["interviewer_share"] == 1.0
    await mic.close()
    await buddy.close()
