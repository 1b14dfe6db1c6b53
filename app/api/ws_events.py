"""`/ws/calls/{id}/events`: the call's events for the buddy pane, the viewer and the capture page.

The first message is always `state`, so a late joiner or a reconnecting page starts from
the whole call so far. The buddy writes back: flags, notes, whispers and nudge ratings.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from app import protocol
from app.api.sockets import Channel, admit, first_of
from app.auth.rules import ReadCall
from app.calls.hub import OVERFLOW, Subscriber
from app.calls.session import CallSession
from app.deps import LiveDep
from app.protocol import CloseCode, Role

router = APIRouter()

MAX_NOTE = 2000
MAX_WHISPER = 500
BUDDY_ONLY = frozenset({"flag", "note", "whisper", "rate"})
KNOWN = BUDDY_ONLY | {"ping"}


class BadMessage(Exception):
    """A message the socket cannot take: answered with `error` and close code 4400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@router.websocket("/ws/calls/{call_id}/events")
async def events_socket(ws: WebSocket, grant: ReadCall, live: LiveDep) -> None:
    admitted = await admit(ws, grant, live)
    channel, role, session = admitted.channel, admitted.role, admitted.session
    # Subscribe and snapshot in one step (no await between): no event can fall in the gap.
    sub = session.hub.subscribe(role)
    state = session.snapshot(role)
    try:
        try:
            await channel.send_text(state)
        except (WebSocketDisconnect, OSError, RuntimeError):
            return  # the client left before its first message: nothing went wrong here
        stall = live.settings.events_stall_seconds
        sender = asyncio.create_task(_send(channel, session, sub, stall))
        receiver = asyncio.create_task(_receive(channel, session, role))
        await first_of(sender, receiver)
        if sub.ended == OVERFLOW:
            # Not cut short: the close frame waits behind what the client has not read yet, and
            # the WebSocket library drops a client that takes none of it within its close timeout.
            await channel.close(CloseCode.OVERLOADED, "Too far behind; reconnect to catch up.")
        elif (bad := receiver.result() if receiver.done() and not receiver.cancelled() else None) is not None:
            await channel.error(bad.code, str(bad), seq=session.published_seq, call_time=session.call_time())
            await channel.close(CloseCode.BAD_MESSAGE, str(bad))
    finally:
        session.hub.unsubscribe(sub)
        live.calls.forget_if_idle(session)


async def _send(channel: Channel, session: CallSession, sub: Subscriber, stall: float) -> None:
    # A client that stops reading blocks the send once the socket's buffers are full: after
    # `stall` seconds it is cut off (1013), as one whose backlog overflows the hub's queue.
    while (text := await sub.next()) is not None:
        try:
            await asyncio.wait_for(channel.send_text(text), stall)
        except TimeoutError:
            session.hub.cut(sub)
            return


async def _receive(channel: Channel, session: CallSession, role: Role) -> BadMessage | None:
    """Handle the client's messages until it leaves (None) or sends one it must not."""
    try:
        await _receive_loop(channel, session, role)
    except BadMessage as bad:
        return bad
    return None


async def _receive_loop(channel: Channel, session: CallSession, role: Role) -> None:
    while True:
        message = await channel.ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        await _handle(channel, session, role, parse_event_message(message.get("text")))


def parse_event_message(text: str | None) -> dict[str, Any]:
    """A client's text message as a JSON object with a type; BadMessage for anything else."""
    if text is None:
        raise BadMessage("bad_message", "The events socket takes JSON text messages only.")
    try:
        msg: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise BadMessage("bad_message", "Messages must be JSON objects.") from exc
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise BadMessage("bad_message", "Messages must be JSON objects with a type.")
    return msg


async def _handle(channel: Channel, session: CallSession, role: Role, msg: dict[str, Any]) -> None:
    kind = msg["type"]
    seq, now = session.published_seq, session.call_time()
    if kind not in KNOWN:
        raise BadMessage("unknown_message", f"Unknown message type {kind!r} on the events socket.")
    if kind != "ping" and role != "buddy":
        await channel.error(
            "read_only", f"A {role} link cannot {kind}; only the buddy's can.", seq=seq, call_time=now
        )
        return
    try:
        request = protocol.EVENTS_REQUEST.validate_python(msg)
    except ValidationError as exc:
        raise BadMessage("bad_message", _explain(kind)) from exc
    if isinstance(request, protocol.Ping):
        await channel.send(protocol.Pong(seq=seq, call_time=now))
    elif isinstance(request, protocol.FlagRequest):
        await session.mark("flag", role, text=_text(request.note, "note", MAX_NOTE, required=False))
    elif isinstance(request, protocol.NoteRequest):
        await session.mark("note", role, text=_text(request.text, "text", MAX_NOTE))
    elif isinstance(request, protocol.WhisperRequest):
        text = _text(request.text, "text", MAX_WHISPER)
        await session.mark("whisper", role, text=text, nudge_id=request.nudge_id)
    elif not await session.rate(role, request.nudge_id, request.helpful):
        await channel.error("no_nudge", "This call sent no nudge with that id.", seq=seq, call_time=now)


def _explain(kind: str) -> str:
    """What a malformed request of `kind` lacks, in the words of docs/protocol.md."""
    return {
        "flag": "flag takes an optional note as text.",
        "note": "note needs text as non-empty text.",
        "whisper": "whisper needs text as non-empty text, and nudge_id (if any) as a string.",
        "rate": "rate needs nudge_id (a string) and helpful (true or false).",
    }.get(kind, "Messages must be JSON objects with a type.")


def _text(value: str | None, key: str, limit: int, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    value = (value or "").strip()
    if required and not value:
        raise BadMessage("bad_message", f"{key} must be non-empty text.")
    if len(value) > limit:
        raise BadMessage("bad_message", f"{key} is limited to {limit} characters.")
    return value or None
