"""What both WebSocket routes share: admitting a socket to a call (a dependency), refusing one
with an error and a close code, and sending from several tasks without interleaving frames."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any, NoReturn

from fastapi import WebSocket, WebSocketException
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app import protocol
from app.auth.rules import Grant
from app.calls.session import CallSession
from app.deps import Live
from app.protocol import CloseCode, Role
from app.scale.lease import OwnedElsewhere

log = logging.getLogger(__name__)


class Channel:
    """A WebSocket whose sends are serialized: several tasks may send on one socket."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self._lock = asyncio.Lock()

    async def send_text(self, text: str) -> None:
        async with self._lock:
            await self.ws.send_text(text)

    async def send(self, message: BaseModel) -> None:
        await self.send_text(protocol.dump(message))

    async def error(
        self, code: str, message: str, *, seq: int | None = None, call_time: float | None = None
    ) -> None:
        error = protocol.Error(code=code, message=message)
        if seq is not None:
            error = protocol.Error(
                code=code, message=message, seq=seq, call_time=call_time, sent_at=protocol.wall_clock()
            )
        await self.send(error)

    async def close(self, code: CloseCode, reason: str = "") -> None:
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        try:
            async with self._lock:
                # A close reason is limited to 123 bytes by the protocol.
                await self.ws.close(code, reason.encode()[:120].decode(errors="ignore"))
        except (RuntimeError, OSError):
            pass  # already closed by the other side

    async def refuse(self, close_code: CloseCode, code: str, message: str) -> None:
        """Tell the client why, then close: for errors after which nothing can go on."""
        with contextlib.suppress(RuntimeError, OSError):
            await self.error(code, message)
        await self.close(close_code, message)


async def first_of(*tasks: asyncio.Task[Any]) -> None:
    """Wait until one task ends, cancel the rest, and re-raise nothing (each logs its own)."""
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in tasks:
            # A task may *return* an exception (the client's bad message, answered with 4400):
            # only one it raised is a failure, and a client that went away is not one either.
            error = None if task.cancelled() else task.exception()
            if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                log.warning("socket task failed: %r", error)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A socket let in: its serialized sender, the role its access gives, and the live call."""

    channel: Channel
    role: Role
    session: CallSession


async def admit(ws: WebSocket, grant: Grant, live: Live) -> Admitted:
    """Accept a socket its route's access rule let through, and load the live call."""
    await ws.accept()
    channel = Channel(ws)
    try:
        session = await live.calls.get(grant.call.id)
    except OwnedElsewhere:
        # Processes share calls through Redis and another one runs this call: the client
        # reconnects and the load balancer, routing by call id, sends it there.
        await _refuse(channel, CloseCode.RESTARTING, "moved", "This call runs on another server; reconnect.")
    if session is None:
        await _refuse(channel, CloseCode.NO_CALL, "no_call", "There is no call with this id.")
    return Admitted(channel, grant.role, session)


async def _refuse(channel: Channel, close_code: CloseCode, code: str, message: str) -> NoReturn:
    # Starlette closes the socket with the exception's code once the error message is out.
    with contextlib.suppress(RuntimeError, OSError):
        await channel.error(code, message)
    raise WebSocketException(close_code, message.encode()[:120].decode(errors="ignore"))
