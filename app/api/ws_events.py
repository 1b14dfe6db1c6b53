"""`/ws/calls/{id}/events`: the call's events for the buddy pane, the viewer and the capture page.

The first message is always `state`, so a late joiner or a reconnecting page starts from
the whole call so far. The buddy writes back: flags, notes, whispers and nudge ratings.

With Redis, any server process serves this socket: the one running the call from its own
publisher, any other by relaying the owner's events (`app.scale.fanout`) after a `state` read
from the database, and forwarding the buddy's requests to the owner (`app.scale.commands`).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

from fastapi import APIRouter, WebSocket
from pydantic import ValidationError
from starlette.websockets import WebSocketDisconnect

from app import protocol
from app.api.sockets import Channel, admit, first_of
from app.auth.rules import Grant, ReadCall
from app.calls.hub import OVERFLOW, Subscriber
from app.calls.publisher import SEQ_RESTART_GAP, stored_state
from app.calls.session import CallSession
from app.deps import Live, LiveDep
from app.protocol import CloseCode, Role
from app.scale.commands import NoCall, Unavailable, act
from app.scale.fanout import EventRelays

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


class CallActions(Protocol):
    """What the socket's messages need of the call: a `CallSession` here, or a `Relayed` call."""

    @property
    def published_seq(self) -> int: ...
    def call_time(self) -> float: ...
    async def mark(
        self, kind: str, by: Role, *, text: str | None = None, nudge_id: str | None = None
    ) -> None: ...
    async def rate(self, by: Role, nudge_id: str, helpful: bool) -> bool: ...


@router.websocket("/ws/calls/{call_id}/events")
async def events_socket(ws: WebSocket, grant: ReadCall, live: LiveDep) -> None:
    relays = live.calls.relays
    if relays is not None and live.calls.loaded(grant.call.id) is None:
        # Another process runs the call, or none does yet: relay, never take the call over (its
        # audio sockets decide where it runs).
        return await _relay(ws, grant, live, relays)
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


class Relayed:
    """A call run by another process (or by none now), as a relayed events socket sees it."""

    def __init__(self, live: Live, call_id: str, seq: int, call_time: float) -> None:
        self.live = live
        self.call_id = call_id
        self.published_seq = seq
        self.at = call_time

    def call_time(self) -> float:
        return self.at

    async def mark(
        self, kind: str, by: Role, *, text: str | None = None, nudge_id: str | None = None
    ) -> None:
        await act(
            self.live.calls,
            self.call_id,
            "mark",
            {"kind": kind, "by": by, "text": text, "nudge_id": nudge_id},
        )

    async def rate(self, by: Role, nudge_id: str, helpful: bool) -> bool:
        args = {"by": by, "nudge_id": nudge_id, "helpful": helpful}
        return bool(await act(self.live.calls, self.call_id, "rate", args))

    async def state(self, role: Role) -> str | None:
        """The call so far from the database (None: it was deleted); events up to its seq are in it."""
        store = self.live.store
        history = await store.run(store.repo.history, self.call_id)
        if history is None:
            return None
        text, covered = stored_state(history, store, role, self.live.settings.talk_share_target)
        self.published_seq = max(self.published_seq, covered)
        self.at = max(self.at, json.loads(text).get("call_time") or 0.0)
        return text


async def _relay(ws: WebSocket, grant: Grant, live: Live, relays: EventRelays) -> None:
    await ws.accept()
    channel, role, call_id = Channel(ws), grant.role, grant.call.id
    # Subscribe before reading the database: what is stored after the read comes through here.
    sub = await relays.join(call_id, role)
    try:
        call = Relayed(live, call_id, 0, 0.0)
        state = await call.state(role)
        if state is None:
            return await channel.refuse(CloseCode.NO_CALL, "no_call", "There is no call with this id.")
        try:
            await channel.send_text(state)
        except (WebSocketDisconnect, OSError, RuntimeError):
            return
        stall = live.settings.events_stall_seconds
        sender = asyncio.create_task(_send_relayed(channel, relays, call, sub, stall))
        receiver = asyncio.create_task(_receive(channel, call, role))
        await first_of(sender, receiver)
        if sub.ended == OVERFLOW:
            await channel.close(CloseCode.OVERLOADED, "Too far behind; reconnect to catch up.")
        elif (bad := receiver.result() if receiver.done() and not receiver.cancelled() else None) is not None:
            await channel.error(bad.code, str(bad), seq=call.published_seq, call_time=call.call_time())
            await channel.close(CloseCode.BAD_MESSAGE, str(bad))
    finally:
        relays.leave(call_id, sub)


async def _send_relayed(
    channel: Channel, relays: EventRelays, call: Relayed, sub: Subscriber, stall: float
) -> None:
    while (text := await sub.next()) is not None:
        event = json.loads(text)
        seq, at = event.get("seq"), event.get("call_time")
        if isinstance(seq, int):
            if seq <= call.published_seq:
                continue  # in the `state` sent already, or fleeting and older than it
            if seq - call.published_seq >= SEQ_RESTART_GAP // 2:
                # Another process took the call over: what its killed owner stored and never
                # announced is in the database only. A fresh `state` has it (pages re-render).
                fresh = await call.state(sub.role)
                if fresh is not None and not await _send_within(channel, fresh, stall):
                    relays.cut(call.call_id, sub)
                    return
                if seq <= call.published_seq:
                    continue  # stored already: in the fresh `state`
            call.published_seq = seq
        if isinstance(at, int | float):
            call.at = float(at)
        if not await _send_within(channel, text, stall):
            relays.cut(call.call_id, sub)
            return


async def _send_within(channel: Channel, text: str, stall: float) -> bool:
    try:
        await asyncio.wait_for(channel.send_text(text), stall)
    except TimeoutError:
        return False
    return True


async def _send(channel: Channel, session: CallSession, sub: Subscriber, stall: float) -> None:
    # A client that stops reading blocks the send once the socket's buffers are full: after
    # `stall` seconds it is cut off (1013), as one whose backlog overflows the hub's queue.
    while (text := await sub.next()) is not None:
        try:
            await asyncio.wait_for(channel.send_text(text), stall)
        except TimeoutError:
            session.hub.cut(sub)
            return


async def _receive(channel: Channel, session: CallActions, role: Role) -> BadMessage | None:
    """Handle the client's messages until it leaves (None) or sends one it must not."""
    try:
        await _receive_loop(channel, session, role)
    except BadMessage as bad:
        return bad
    return None


async def _receive_loop(channel: Channel, session: CallActions, role: Role) -> None:
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


async def _handle(channel: Channel, session: CallActions, role: Role, msg: dict[str, Any]) -> None:
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
        return
    try:
        await _act(channel, session, role, request)
    except Unavailable as exc:
        await channel.error("unavailable", str(exc), seq=seq, call_time=now)
    except NoCall:
        await channel.error("no_call", "There is no call with this id.", seq=seq, call_time=now)


async def _act(channel: Channel, session: CallActions, role: Role, request: Any) -> None:
    seq, now = session.published_seq, session.call_time()
    if isinstance(request, protocol.FlagRequest):
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
