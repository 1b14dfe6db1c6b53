"""A real uvicorn server on a free loopback port (in a thread or a subprocess) and real clients."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect

from app.auth.passwords import hash_password
from app.db.accounts import Accounts
from app.db.engine import migrate, open_engine
from app.settings import Settings

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"

# Each test server's calls are created by a member (an API token): base URL -> that token.
OWNER_TOKENS: dict[str, str] = {}


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    token: str
    """An API token (Authorization: Bearer)."""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def add_account(
    data_dir: Path,
    email: str = "ana@example.com",
    role: str = "member",
    name: str | None = None,
    database_url: str | None = None,
) -> Account:
    """An account with an API token, written straight into the server's database (as
    `secondear user add` and `secondear token create` would). Servers that share one database
    (`database_url`) share the account: a second call only adds a token."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = open_engine(database_url or Settings(data_dir=data_dir).resolved_database_url())
    try:
        migrate(engine)
        accounts = Accounts(engine)
        user = accounts.user_by_email(email) or accounts.add_user(
            email=email,
            name=name or email.split("@")[0].title(),
            role=role,
            password_hash=hash_password(PASSWORD),
        )
        return Account(user.email, PASSWORD, accounts.create_api_token(user.id))
    finally:
        engine.dispose()


def member_client(base: str, token: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client signed in as the server's call owner (or with `token`)."""
    headers = {"Authorization": f"Bearer {token or OWNER_TOKENS[base]}"}
    return httpx.AsyncClient(base_url=base, headers=headers, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """Run `app` under uvicorn in a thread; yields its http base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws_ping_interval=None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class ServerProcess:
    """`secondear serve` as a subprocess, so a test can SIGKILL it like a crash would."""

    def __init__(self, data_dir: Path, port: int, env: dict[str, str] | None = None) -> None:
        self.data_dir, self.port = data_dir, port
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        self.owner: Account | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.owner is None:
            self.owner = add_account(self.data_dir, database_url=self.env.get("SECONDEAR_DATABASE_URL"))
            OWNER_TOKENS[self.url] = self.owner.token
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            cwd=REPO,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def ws_url(base: str, path: str, **query: str) -> str:
    return "ws" + base[4:] + path + ("?" + urlencode(query) if query else "")


async def create_call(base: str, *, token: str | None = None, **body: Any) -> dict[str, Any]:
    """A new call, created by the server's call owner (or the account of `token`)."""
    body = {"title": "Test call", "interviewer": "Ana", **body}
    async with member_client(base, token) as client:
        r = await client.post("/api/calls", json=body)
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result


class Events:
    """An events socket whose messages are collected in the background."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.closed: tuple[int | None, str] | None = None
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, base: str, call_id: str, token: str) -> Events:
        ws = await connect(ws_url(base, f"/ws/calls/{call_id}/events", token=token), max_size=1 << 24)
        return cls(ws)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.messages.append(json.loads(raw))
                self._changed.set()
        except Exception:
            pass
        finally:
            self.closed = (self.ws.close_code, self.ws.close_reason or "")
            self._changed.set()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 20.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for m in self.messages[seen:]:
                if predicate(m):
                    return m
            seen = len(self.messages)
            if self.closed is not None:
                raise AssertionError(f"socket closed {self.closed} while waiting; got {self.messages}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; got {[m['type'] for m in self.messages]}")
            self._changed.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def close(self) -> None:
        await self.ws.close()
        self._task.cancel()


async def audio_socket(
    base: str, call_id: str, token: str, track: str
) -> tuple[ClientConnection, dict[str, Any]]:
    ws = await connect(ws_url(base, f"/ws/calls/{call_id}/audio", track=track, token=token), max_size=1 << 20)
    first = json.loads(await ws.recv())
    return ws, first


async def refused(url: str, send: bytes | str | None = None) -> tuple[dict[str, Any], int | None]:
    """Open `url` (optionally send one message after the first reply) and return the error and close code."""
    async with connect(url) as ws:
        if send is not None:
            ready = json.loads(await ws.recv())
            assert ready["type"] in ("ready", "state"), ready
            await ws.send(send)
        error: dict[str, Any] = {}
        try:
            async for raw in ws:
                msg = json.loads(raw)
                if msg["type"] == "error":
                    error = msg
        except Exception:
            pass
        return error, ws.close_code
