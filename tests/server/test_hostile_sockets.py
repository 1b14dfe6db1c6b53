"""Hostile or careless clients on the live sockets: deep JSON, audio after pause, a reader that
stops reading, clients that leave at once. Each is answered as the protocol says, and none is
logged as a server failure."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time

import pytest
from websockets.asyncio.client import connect

from .conftest import FakeServer, LiveServer
from .fakes import frames, silence, tone
from .harness import Events, audio_socket, create_call, refused, ws_url

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


def _raw_events_socket(url: str, path: str) -> socket.socket:
    """A WebSocket client that, after the handshake, reads nothing until told to (a small
    receive buffer, so the server's sends back up soon)."""
    port = int(url.rsplit(":", 1)[1])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    sock.setblocking(False)
    return sock


async def test_hostile_events_client_that_stops_reading_is_closed_1013(server: LiveServer) -> None:
    server.live.settings.events_stall_seconds = 1.0
    call = await create_call(server.url)
    cid, tokens = call["id"], call["tokens"]
    stalled = _raw_events_socket(server.url, f"/ws/calls/{cid}/events?token={tokens['viewer']}")
    buddy = await Events.open(server.url, cid, tokens["buddy"])
    await buddy.wait_for(lambda m: m["type"] == "state")
    session = server.live.calls.loaded(cid)
    assert session is not None and len(session.hub) == 2
    sent = 0
    # Notes until the server cuts the reader off (the buddy, who reads, stays subscribed).
    while len(session.hub) == 2 and sent < 8000:
        for _ in range(100):
            await buddy.send({"type": "note", "text": "x" * 1999})
        sent += 100
        await buddy.wait_for(lambda m, n=sent: len(buddy.of("note")) >= n, timeout=60)
    for _ in range(40):
        if len(session.hub) == 1:
            break
        await asyncio.sleep(0.1)
    assert len(session.hub) == 1 and buddy.closed is None
    # The client reads again: what was queued for it, then the close frame with 1013.
    data = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            chunk = stalled.recv(1 << 20)
        except BlockingIOError:
            await asyncio.sleep(0.02)
            continue
        if not chunk:
            break
        data += chunk
        if b"\x88(\x03\xf5" in data and data.endswith(b"catch up."):  # close frame: 1013, its reason
            break
    stalled.close()
    assert b"\x88(\x03\xf5Too far behind" in data
    assert data.count(b'"type":"note"') < sent
    await buddy.close()


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
