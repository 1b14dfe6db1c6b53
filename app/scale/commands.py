"""Requests that change a call, run by the process that runs the call.

Only a call's owner (`lease.py`) may change it: it numbers and stores the call's events. A request
that reaches another process (`POST /api/calls/{id}/end`, or a buddy's flag, note, whisper or
rating on an events socket this process relays) is forwarded: it goes on the owner's command
stream `secondear:commands:<owner>`, runs there, and its answer comes back on a one-off list the
sender waits on. Then:
- nobody owns the call (no audio socket is on it anywhere): this process runs the request itself,
  holding the call only for that moment, so it never keeps a call whose audio goes elsewhere;
- the owner does not answer (it died and its lease has not run out yet): `Unavailable`, with the
  seconds after which a retry finds the call's next owner (HTTP answers 503 with Retry-After).
Without Redis every request runs here, as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.calls.messages import call_payload
from app.calls.session import CallSession
from app.scale import wire
from app.scale.lease import LEASE_SECONDS, OwnedElsewhere

if TYPE_CHECKING:
    from app.calls.manager import CallManager

log = logging.getLogger(__name__)

# A buddy's mark is one insert: its sender waits at most this long (ending a call transcribes its
# last words first, up to session.FINISH_TIMEOUT, so it waits `forward_wait_seconds`).
ACTION_WAIT_SECONDS = 5.0
ANSWER_TTL_SECONDS = 60
COMMANDS_MAXLEN = 1000
RETRY_SECONDS = 0.5


class Unavailable(Exception):
    """The call's server could not be reached; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("The server running this call did not answer; try again in a moment.")
        self.retry_after = retry_after


class NoCall(Exception):
    """There is no call with this id (any more)."""


def commands_stream(owner: str) -> str:
    return f"{wire.PREFIX}:commands:{owner}"


async def act(manager: CallManager, call_id: str, op: str, args: dict[str, Any]) -> Any:
    """Run `op` ("end", "mark" or "rate") on the call wherever it runs; its JSON-able result."""
    if manager.commands is not None:
        return await manager.commands.act(call_id, op, args)
    session = await manager.get(call_id)
    if session is None:
        raise NoCall(call_id)
    return await apply(manager, session, op, args)


async def apply(manager: CallManager, session: CallSession, op: str, args: dict[str, Any]) -> Any:
    """Run one request on a call this process runs."""
    if op == "end":
        await session.end()
        manager.forget_if_idle(session)
        return call_payload(session.call, call_time=session.call_time()).model_dump(mode="json")
    if op == "mark":
        await session.mark(
            str(args["kind"]), args["by"], text=args.get("text"), nudge_id=args.get("nudge_id")
        )
        return None
    if op == "rate":
        return await session.rate(args["by"], str(args["nudge_id"]), bool(args["helpful"]))
    raise ValueError(f"unknown call request {op!r}")


class Commands:
    def __init__(self, redis: aioredis.Redis, me: str, manager: CallManager) -> None:
        self.wait = manager.services.settings.forward_wait_seconds
        self.redis = redis
        self.me = me
        self.manager = manager
        self.stream = commands_stream(me)
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._serve_loop(), name="secondear-commands")

    async def aclose(self) -> None:
        tasks = [t for t in (self._task, *self._running) if t is not None]
        self._task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- the sender's side ----------------------------------------------------------------------
    async def act(self, call_id: str, op: str, args: dict[str, Any]) -> Any:
        manager = self.manager
        session = manager.loaded(call_id)
        if session is not None:
            return await apply(manager, session, op, args)
        assert manager.leases is not None
        for _ in range(2):
            try:
                owner = await manager.leases.holder(call_id)
            except (RedisError, OSError) as exc:
                # Without Redis nobody can tell who runs the call: running it here could make two.
                raise Unavailable(LEASE_SECONDS) from exc
            if owner is None or owner == self.me:
                return await self._borrow(call_id, op, args)
            answered, value = await self._forward(owner, call_id, op, args)
            if answered:
                return value
            # Not answered: the owner let the call go (ask again who runs it) or died.
        raise Unavailable(LEASE_SECONDS)

    async def _borrow(self, call_id: str, op: str, args: dict[str, Any]) -> Any:
        """Run a request on a call nobody runs, and let the call go again unless a socket came."""
        manager = self.manager
        try:
            session = await manager.get(call_id)
        except OwnedElsewhere as exc:
            raise Unavailable(LEASE_SECONDS) from exc
        if session is None:
            raise NoCall(call_id)
        try:
            return await apply(manager, session, op, args)
        finally:
            if session.idle() and manager.loaded(call_id) is session:
                if session.ended:
                    manager.forget_if_idle(session)
                else:
                    await manager.unload(call_id)
                    if manager.leases is not None:
                        await manager.leases.release(call_id)

    async def _forward(self, owner: str, call_id: str, op: str, args: dict[str, Any]) -> tuple[bool, Any]:
        """(True, result) once the owner answered; (False, None) when it let the call go or is gone."""
        answer_key = f"{wire.PREFIX}:answer:{secrets.token_hex(8)}"
        fields: wire.Outgoing = {"call": call_id, "op": op, "args": json.dumps(args), "answer": answer_key}
        deadline = time.monotonic() + (self.wait if op == "end" else min(self.wait, ACTION_WAIT_SECONDS))
        try:
            await self.redis.xadd(commands_stream(owner), fields, maxlen=COMMANDS_MAXLEN, approximate=True)
            while time.monotonic() < deadline:
                got: Any = await self.redis.blpop([answer_key], timeout=1)
                if got is not None:
                    answer = json.loads(got[1])
                    if answer.get("error") == "no_call":
                        raise NoCall(call_id)
                    if answer.get("error") == "moved":
                        return False, None
                    if "error" in answer:
                        raise RuntimeError(f"call {call_id}: {op} failed on {owner}")
                    return True, answer.get("ok")
                if self.manager.leases is not None and await self.manager.leases.holder(call_id) != owner:
                    return False, None
        except (RedisError, OSError) as exc:
            raise Unavailable(LEASE_SECONDS) from exc
        log.warning("call %s: %s got no answer from its owner %s", call_id, op, owner)
        return False, None

    # --- the owner's side -----------------------------------------------------------------------
    async def _serve_loop(self) -> None:
        last = "0"  # the stream is this process's own: everything on it is for us
        failing = False
        while True:
            try:
                found: Any = await self.redis.xread({self.stream: last}, count=50, block=1000)
            except (RedisError, OSError) as exc:
                if not failing:
                    log.warning("lost Redis while waiting for call requests (%s)", exc)
                failing = True
                await asyncio.sleep(RETRY_SECONDS)
                continue
            failing = False
            done: list[Any] = []
            for _stream, entries in found or ():
                for entry_id, fields in entries:
                    last = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    done.append(entry_id)
                    task = asyncio.create_task(self._serve(fields))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
            if done:
                with contextlib.suppress(RedisError, OSError):
                    await self.redis.xdel(self.stream, *done)
                    await self.redis.expire(self.stream, ANSWER_TTL_SECONDS * 60)

    async def _serve(self, fields: dict[bytes, bytes]) -> None:
        call_id, op = fields[b"call"].decode(), fields[b"op"].decode()
        answer: dict[str, Any]
        session = self.manager.loaded(call_id)
        if session is None:
            answer = {"error": "moved"}
        else:
            try:
                answer = {"ok": await apply(self.manager, session, op, json.loads(fields[b"args"]))}
            except Exception:
                log.exception("call %s: %s asked by another server failed", call_id, op)
                answer = {"error": "failed"}
        key = fields[b"answer"].decode()
        with contextlib.suppress(RedisError, OSError):
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.rpush(key, json.dumps(answer))
                pipe.expire(key, ANSWER_TTL_SECONDS)
                await pipe.execute()
