"""What both WebSocket routes share: refusing a socket with an error and a close code, and
sending from several tasks without interleaving frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app.db.repository import Role
from app.deps import Live

log = logging.getLogger(__name__)

# Close codes of docs/protocol.md.
BAD_MESSAGE = 4400
BAD_TOKEN = 4401
NOT_ALLOWED = 4403
NO_CALL = 4404
ENDED = 4409
BUSY = 4429
OVERLOADED = 1013


class Channel:
    """A WebSocket whose sends are serialized: several tasks may send on one socket."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self._lock = asyncio.Lock()

    async def send_text(self, text: str) -> None:
        async with self._lock:
            await self.ws.send_text(text)

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message))

    async def error(
        self, code: str, message: str, *, seq: int | None = None, call_time: float | None = None
    ) -> None:
        payload: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if seq is not None:
            payload.update(seq=seq, call_time=call_time, sent_at=round(time.time(), 3))
        await self.send(payload)

    async def close(self, code: int, reason: str = "") -> None:
        if self.ws.application_state == WebSocketState.DISCONNECTED:
            return
        try:
            async with self._lock:
                # A close reason is limited to 123 bytes by the protocol.
                await self.ws.close(code, reason.encode()[:120].decode(errors="ignore"))
        except (RuntimeError, OSError):
            pass  # already closed by the other side

    async def refuse(self, close_code: int, code: str, message: str) -> None:
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


async def admit(ws: WebSocket, call_id: str, live: Live) -> tuple[Channel, Role] | None:
    """Accept a socket for a call and check its token; refuse it (and return None) when the
    call does not exist or the token is wrong. Both routes start this way."""
    await ws.accept()
    channel = Channel(ws)
    row = await live.store.run(live.repo.get_call, call_id)
    if row is None:
        await channel.refuse(NO_CALL, "no_call", "There is no call with this id.")
        return None
    role = live.repo.role_for(row, ws.query_params.get("token"))
    if role is None:
        await channel.refuse(BAD_TOKEN, "bad_token", "The link's token is missing or wrong for this call.")
        return None
    return channel, role
