"""`secondear user …` and `secondear token create`, as scripts call them; tokens kept out of logs."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from app.auth.passwords import verify_password
from app.auth.redact import RedactTokens, redact
from app.cli import main
from app.db.accounts import Accounts
from app.db.engine import open_engine
from app.main import create_app
from app.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def secondear(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The command as a script runs it: another process, standard input a pipe."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )


def in_process(data_dir: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """The same command in this process (standard input a pipe too): (status, out, err)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.object(sys, "stdin", io.StringIO(stdin)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        status = main([*args, "--data-dir", str(data_dir)])
    return status, out.getvalue(), err.getvalue()


def accounts(data_dir: Path) -> Accounts:
    return Accounts(open_engine(Settings(data_dir=data_dir).resolved_database_url()))


@pytest.mark.slow  # several interpreters
def test_commands_user_add_list_token_remove(tmp_path: Path) -> None:
    added = secondear(tmp_path, "user", "add", "Ana@Example.com", "--role", "admin", stdin="s3cret-pass\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added admin ana@example.com (ana)\n"
    user = accounts(tmp_path).user_by_email("ana@example.com")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "s3cret-pass")
    confirmed = secondear(
        tmp_path,
        "user",
        "add",
        "bo@example.com",
        "--role",
        "member",
        "--name",
        "Bo B",
        stdin="pw-of-bo!\npw-of-bo!\n",
    )
    assert confirmed.returncode == 0, confirmed.stderr
    listing = secondear(tmp_path, "user", "list").stdout.splitlines()
    assert listing == [
        "email\trole\tname\tcoaches",
        "ana@example.com\tadmin\tana\t",
        "bo@example.com\tmember\tBo B\t",
    ]
    token = secondear(tmp_path, "token", "create", "bo@example.com")
    assert token.returncode == 0
    last = token.stdout.splitlines()[-1]
    assert last.startswith("se_") and len(last) > 40
    bo = accounts(tmp_path).token_user(last)
    assert bo is not None and bo.email == "bo@example.com"
    assert in_process(tmp_path, "user", "remove", "bo@example.com")[0] == 0
    assert accounts(tmp_path).token_user(last) is None


@pytest.mark.parametrize(
    ("args", "stdin", "error"),
    [
        (["user", "add", "a@example.com", "--role", "member"], "", "no password on standard input"),
        (["user", "add", "a@example.com", "--role", "member"], "short\n", "at least 8 characters"),
        (["user", "add", "a@example.com", "--role", "member"], "long-enough\nsomething-else\n", "differ"),
        (["user", "add", "not-an-email", "--role", "member"], "long-enough\n", "not an email address"),
        (["user", "remove", "nobody@example.com"], "", "no account with the email nobody@example.com"),
        (["token", "create", "nobody@example.com"], "", "no account with the email nobody@example.com"),
        (["user", "coach", "a@example.com", "b@example.com"], "", "no account with the email"),
    ],
)
def test_commands_refuse_bad_input_with_one_line(
    tmp_path: Path, args: list[str], stdin: str, error: str
) -> None:
    done = secondear(tmp_path, *args, stdin=stdin)
    assert done.returncode == 2
    assert error in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('"GET /buddy/c1?token=abcDEF-_123 HTTP/1.1"', '"GET /buddy/c1?token=… HTTP/1.1"'),
        ("/ws/calls/c1/audio?track=customer&token=xyz", "/ws/calls/c1/audio?track=customer&token=…"),
        ("/shared/Zm9vYmFy?x=1", "/shared/…?x=1"),
        ("/api/calls?title=token", "/api/calls?title=token"),
    ],
)
def test_commands_redact_hides_tokens(line: str, shown: str) -> None:
    assert redact(line) == shown


def test_commands_access_log_filter_is_installed_and_redacts() -> None:
    create_app(Settings())
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, RedactTokens) for f in access.filters)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/capture/c1?token=secret", "1.1", 200), None,
    )  # fmt: skip
    assert access.filters[0].filter(record)
    assert "secret" not in record.getMessage()


@pytest.mark.slow  # starts a server
async def test_commands_server_log_never_shows_a_token(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """uvicorn configures its loggers after the app is built, as `secondear serve` does: the
    filter must survive that, on the access lines and the socket lines."""
    import httpx
    import uvicorn
    from server.conftest import fake_settings
    from server.fakes import FakeEngine, FakeTagger
    from server.harness import free_port
    from websockets.asyncio.client import connect

    app = create_app(fake_settings(tmp_path), engine=FakeEngine(), tagger=FakeTagger())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    secret = "sekrit" + "Q" * 30
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await client.get("/buddy/c1", params={"token": secret})).status_code == 404
        assert (await client.get(f"/shared/{secret}")).status_code == 404
    async with connect(f"ws://127.0.0.1:{port}/ws/calls/c1/events?token={secret}") as ws:
        await ws.recv()
    server.should_exit = True
    await task
    out, err = capfd.readouterr()
    logged = out + err
    assert "/buddy/c1?token=…" in logged and "/ws/calls/c1/events?token=…" in logged, logged
    assert secret not in logged
