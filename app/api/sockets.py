"""What both WebSocket routes share: admitting a socket to a call (a dependency), refusing one
with an error and a close code, and sending from several tasks without interleaving frames."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

from fastapi import Depends, WebSocket, WebSocketException
from pydantic import BaseModel
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app import protocol
from app.calls.session import CallSession
from app.deps import LiveDep
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
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception) and not isinstance(
                result, (asyncio.CancelledError, WebSocketDisconnect)
            ):
                log.warning("socket task failed: %r", result)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A socket let in: its serialized sender, the role its token gives, and the live call."""

    channel: Channel
    role: Role
    session: CallSession


async def admit(ws: WebSocket, call_id: str, live: LiveDep) -> Admitted:
    """Accept a socket for a call and check its token; refuse it when the call does not exist or
    the token is wrong. Both socket routes depend on this, as HTTP routes on a current user."""
    await ws.accept()
    channel = Channel(ws)
    row = await live.store.run(live.repo.get_call, call_id)
    if row is None:
        await _refuse(channel, CloseCode.NO_CALL, "no_call", "There is no call with this id.")
    role = live.repo.role_for(row, ws.query_params.get("token"))
    if role is None:
        await _refuse(
            channel, CloseCode.BAD_TOKEN, "bad_token", "The link's token is missing or wrong for this call."
        )
    try:
        session = await live.calls.get(call_id)
    except OwnedElsewhere:
        # Processes share calls through Redis and another one runs this call: the client
        # reconnects and the load balancer, routing by call id, sends it there.
        await _refuse(channel, CloseCode.RESTARTING, "moved", "This call runs on another server; reconnect.")
    if session is None:
        await _refuse(channel, CloseCode.NO_CALL, "no_call", "There is no call with this id.")
    return Admitted(channel, role, session)


async def _refuse(channel: Channel, close_code: CloseCode, code: str, message: str) -> NoReturn:
    # Starlette closes the socket with the exception's code once the error message is out.
    with contextlib.suppress(RuntimeError, OSError):
        await channel.error(code, message)
    raise WebSocketException(close_code, message.encode()[:120].decode(errors="ignore"))


AdmittedDep = Annotated[Admitted, Depends(admit)]
