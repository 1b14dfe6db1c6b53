"""Hostile or careless clients on the live sockets: deep JSON, audio after pause, a reader that
stops reading, clients that leave at once. Each is answered as the protocol says, and none is
logged as a server failure."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from websockets.asyncio.client import connect

from app.api.ws_events import _send
from app.calls.hub import OVERFLOW, Hub

from .conftest import FakeServer
from .fakes import frames, silence, tone
from .harness import audio_socket, create_call, refused, ws_url

pytestmark = pytest.mark.slow  # starts a server

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("socket", ["audio", "events"])
@pytest.mark.parametrize("payload", [DEEP, '{"type": "note", "text": ' + DEEP + "}"])
async def test_hostile_deep_json_is_a_bad_message(fake_server: FakeServer, socket: str, payload: str) -> None:
    call = await create_call(fake_server.url)
    query = {"track": "interviewer"} if socket == "audio" else {}
    token = call["tokens"]["interviewer" if socket == "audio" else "buddy"]
    url = ws_url(fake_server.url, f"/ws/calls/{call['id']}/{socket}", token=token, **query)
    err, code = await refused(url, payload)
    assert code == 4400 and err["code"] in ("bad_message", "unknown_message")


async def test_hostile_audio_after_pause_does_not_advance_the_clock(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    mic, ready = await audio_socket(fake_server.url, call["id"], call["tokens"]["interviewer"], "customer")
    assert ready["received_samples"] == 0
    for frame in frames(silence(0.5)):
        await mic.send(frame)
    await mic.send(json.dumps({"type": "pause"}))
    for frame in frames(tone(1.0)):
        await mic.send(frame)
    await mic.send(json.dumps({"type": "resume"}))
    for frame in frames(silence(0.3)):
        await mic.send(frame)
    await mic.send(json.dumps({"type": "end"}))
    while not (msg := json.loads(await mic.recv())).get("flushed"):
        pass
    assert msg["received_samples"] == int(0.8 * 16000)
    await mic.close()


async def test_hostile_events_client_that_stops_reading_is_cut_off() -> None:
    """A send that does not complete within the stall time cuts the subscriber off (OVERFLOW),
    after which the socket is closed with 1013 (events_socket)."""

    class StuckChannel:
        sent = 0

        async def send_text(self, text: str) -> None:
            self.sent += 1
            if self.sent > 1:
                await asyncio.Event().wait()  # the client's buffers are full: never completes

    class Session:
        hub = Hub()

    session = Session()
    sub = session.hub.subscribe("viewer")
    for n in range(3):
        session.hub.publish(f"event {n}")
    began = asyncio.get_running_loop().time()
    await asyncio.wait_for(_send(StuckChannel(), session, sub, 0.2), 5)  # type: ignore[arg-type]
    assert asyncio.get_running_loop().time() - began == pytest.approx(0.2, abs=0.15)
    assert sub.ended == OVERFLOW and len(session.hub) == 0


@pytest.mark.parametrize("socket", ["audio", "events"])
async def test_hostile_client_leaving_at_once_logs_nothing(
    fake_server: FakeServer, socket: str, caplog: pytest.LogCaptureFixture
) -> None:
    call = await create_call(fake_server.url)
    query = {"track": "interviewer"} if socket == "audio" else {}
    token = call["tokens"]["interviewer"]
    url = ws_url(fake_server.url, f"/ws/calls/{call['id']}/{socket}", token=token, **query)
    with caplog.at_level(logging.INFO):
        for _ in range(20):
            ws = await connect(url)
            ws.transport.abort()  # gone before the server's first message
        await asyncio.sleep(1.0)
        # Client mistakes: refused, not logged as failures.
        await refused(url, DEEP)
        await refused(ws_url(fake_server.url, f"/ws/calls/{call['id']}/{socket}", token="wrong", **query))
        await asyncio.sleep(0.5)
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert not failures, [r.getMessage() for r in failures]
