"""`/ws/calls/{id}/events`: the call's events for the buddy pane, the viewer and the capture page.

The first message is always `state`, so a late joiner or a reconnecting page starts from
the whole call so far. The buddy writes back: flags, notes, whispers and nudge ratings.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket

from app.api.sockets import BAD_MESSAGE, NO_CALL, OVERLOADED, Channel, admit, first_of
from app.calls.hub import OVERFLOW, Subscriber
from app.calls.session import CallSession
from app.db.repository import Role
from app.deps import LiveDep

router = APIRouter()

MAX_NOTE = 2000
MAX_WHISPER = 500
BUDDY_ONLY = frozenset({"flag", "note", "whisper", "rate"})


class BadMessage(Exception):
    """A message the socket cannot take: answered with `error` and close code 4400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@router.websocket("/ws/calls/{call_id}/events")
async def events_socket(ws: WebSocket, call_id: str, live: LiveDep) -> None:
    admitted = await admit(ws, call_id, live)
    if admitted is None:
        return
    channel, role = admitted
    session = await live.calls.get(call_id)
    if session is None:
        return await channel.refuse(NO_CALL, "no_call", "There is no call with this id.")
    # Subscribe and snapshot in one step (no await between): no event can fall in the gap.
    sub = session.hub.subscribe(role)
    state = session.snapshot(role)
    try:
        await channel.send_text(state)
        sender = asyncio.create_task(_send(channel, sub))
        receiver = asyncio.create_task(_receive(channel, session, role))
        await first_of(sender, receiver)
        if sub.ended == OVERFLOW:
            await channel.close(OVERLOADED, "Too far behind; reconnect to catch up.")
        elif (bad := receiver.result() if receiver.done() and not receiver.cancelled() else None) is not None:
            await channel.error(bad.code, str(bad), seq=session.published_seq, call_time=session.call_time())
            await channel.close(BAD_MESSAGE, str(bad))
    finally:
        session.hub.unsubscribe(sub)
        live.calls.forget_if_idle(session)


async def _send(channel: Channel, sub: Subscriber) -> None:
    while (text := await sub.next()) is not None:
        await channel.send_text(text)


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
        text = message.get("text")
        if text is None:
            raise BadMessage("bad_message", "The events socket takes JSON text messages only.")
        try:
            msg: Any = json.loads(text)
        except ValueError as exc:
            raise BadMessage("bad_message", "Messages must be JSON objects.") from exc
        if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
            raise BadMessage("bad_message", "Messages must be JSON objects with a type.")
        await _handle(channel, session, role, msg)


async def _handle(channel: Channel, session: CallSession, role: Role, msg: dict[str, Any]) -> None:
    kind = msg["type"]
    seq, now = session.published_seq, round(session.call_time(), 3)
    if kind == "ping":
        await channel.send({"type": "pong", "seq": seq, "call_time": now, "sent_at": _now()})
        return
    if kind not in BUDDY_ONLY:
        raise BadMessage("unknown_message", f"Unknown message type {kind!r} on the events socket.")
    if role != "buddy":
        await channel.error(
            "read_only", f"A {role} link cannot {kind}; only the buddy's can.", seq=seq, call_time=now
        )
        return
    if kind == "flag":
        note = _text(msg, "note", MAX_NOTE, required=False)
        await session.mark("flag", role, text=note)
    elif kind == "note":
        await session.mark("note", role, text=_text(msg, "text", MAX_NOTE))
    elif kind == "whisper":
        nudge_id = msg.get("nudge_id")
        if nudge_id is not None and not isinstance(nudge_id, str):
            raise BadMessage("bad_message", "nudge_id must be a string.")
        await session.mark("whisper", role, text=_text(msg, "text", MAX_WHISPER), nudge_id=nudge_id)
    elif kind == "rate":
        nudge_id, helpful = msg.get("nudge_id"), msg.get("helpful")
        if not isinstance(nudge_id, str) or not isinstance(helpful, bool):
            raise BadMessage("bad_message", "rate needs nudge_id (a string) and helpful (true or false).")
        if not await session.rate(role, nudge_id, helpful):
            await channel.error("no_nudge", "This call sent no nudge with that id.", seq=seq, call_time=now)


def _text(msg: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str | None:
    value = msg.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadMessage("bad_message", f"{msg['type']} needs {key} as non-empty text.")
    value = value.strip()
    if len(value) > limit:
        raise BadMessage("bad_message", f"{key} is limited to {limit} characters.")
    return value or None


def _now() -> float:
    return round(time.time(), 3)
