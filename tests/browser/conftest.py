"""Fixtures for the browser tests: the real server in a subprocess, speech made with espeak-ng and sox,
Debian's Chromium through Playwright, and a screenshot folder.

Chromium is never downloaded (`playwright install` is not used): the tests drive /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from server.harness import Account, add_account

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SECONDEAR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]

# The interviewer asks a known closed question, waits for the answer, then asks an open one.
INTERVIEWER_LINES = [
    (0.5, "Do you use Excel for this?"),
    (12.0, "Tell me more about how that works for your team."),
]
# The customer answers with a workaround and a pain, after the first question.
CUSTOMER_LINES = [
    (
        3.5,
        "Yes. Every Monday I export the report and fix the numbers by hand in a spreadsheet. "
        "It is really painful.",
    )
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _say(text: str, out: Path, voice: str) -> None:
    raw = out.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out)], check=True)
    raw.unlink()


def _track(lines: list[tuple[float, str]], total: float, out: Path, voice: str) -> Path:
    """A 16 kHz mono WAV of `total` seconds with each line spoken at its start time."""
    parts: list[str] = []
    cursor = 0.0
    for i, (start, text) in enumerate(lines):
        speech = out.parent / f"{out.stem}-{i}.wav"
        _say(text, speech, voice)
        gap = max(0.0, start - cursor)
        silence = out.parent / f"{out.stem}-gap{i}.wav"
        subprocess.run(
            ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(silence), "trim", "0", f"{gap:.3f}"],
            check=True,
        )
        parts += [str(silence), str(speech)]
        length = float(
            subprocess.run(["soxi", "-D", str(speech)], check=True, capture_output=True, text=True).stdout
        )
        cursor = start + length
    tail = out.parent / f"{out.stem}-tail.wav"
    subprocess.run(
        [
            "sox",
            "-n",
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            str(tail),
            "trim",
            "0",
            f"{max(0.5, total - cursor):.3f}",
        ],
        check=True,
    )
    subprocess.run(["sox", *parts, str(tail), str(out)], check=True)
    return out


@dataclass
class CallAudio:
    interviewer: Path
    customer: Path


@pytest.fixture(scope="session")
def call_audio(tmp_path_factory: pytest.TempPathFactory) -> CallAudio:
    for tool in ("espeak-ng", "sox", "soxi"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (the README's set-up installs it)")
    folder = tmp_path_factory.mktemp("audio")
    return CallAudio(
        interviewer=_track(INTERVIEWER_LINES, 16.0, folder / "interviewer.wav", "en-us"),
        customer=_track(CUSTOMER_LINES, 12.0, folder / "customer.wav", "en-gb"),
    )


@dataclass(frozen=True)
class People:
    """The accounts of the browser tests' server: the interviewer who owns the calls, a colleague
    invited as buddy, a member with no access to them, and an admin."""

    owner: Account
    buddy: Account
    stranger: Account
    admin: Account


@pytest.fixture(scope="session")
def people(server: str) -> People:
    return PEOPLE[server]


PEOPLE: dict[str, People] = {}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`secondear serve` with the real speech engine and detectors, on a free loopback port, with
    the accounts of `People` in its database."""
    data_dir = tmp_path_factory.mktemp("data")
    accounts = People(
        owner=add_account(data_dir, "dana@example.com", "member", "Dana"),
        buddy=add_account(data_dir, "bo@example.com", "member", "Bo"),
        stranger=add_account(data_dir, "sam@example.com", "member", "Sam"),
        admin=add_account(data_dir, "ada@example.com", "admin", "Ada"),
    )
    port = _free_port()
    log = (data_dir / "server.log").open("wb")
    env = {**os.environ, "SECONDEAR_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited: {(data_dir / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start: {(data_dir / 'server.log').read_text()[-3000:]}"
                )
            time.sleep(0.25)
        PEOPLE[url] = accounts
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = Path(os.environ.get("SECONDEAR_SCREENSHOTS", REPO / "tests" / "browser" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class ConsoleWatch:
    """Every console error and uncaught exception of the pages it watches."""

    problems: list[str] = field(default_factory=list)

    def watch(self, page: Any, name: str) -> Any:
        def on_console(message: Any) -> None:
            if message.type == "error":
                where = (message.location or {}).get("url", "")
                self.problems.append(f"{name}: console error: {message.text} ({where})")

        page.on("console", on_console)
        page.on("pageerror", lambda e: self.problems.append(f"{name}: uncaught: {e}"))
        return page


@pytest.fixture
def console() -> Iterator[ConsoleWatch]:
    watch = ConsoleWatch()
    yield watch
    assert watch.problems == [], "\n".join(watch.problems)


# Package scope, not session: the sync driver runs an event loop in this thread until it stops,
# and the asyncio tests that run after the browser package need the thread's loop free.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (Debian package chromium; make test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Remember each phase's outcome on the test item, so fixtures can tell a failed test at teardown.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def launch(
    playwright_driver: Any, tmp_path: Path, request: pytest.FixtureRequest, screenshots: Path
) -> Iterator[Any]:
    """Start a Chromium profile (a separate 'person'); closed at the end of the test. When the test
    fails, every open page is saved as failure-*.png and failure-*.txt first, to show what it showed."""
    contexts: list[Any] = []

    def _launch(name: str, fake_audio: Path | None = None) -> Any:
        args = list(CHROMIUM_ARGS)
        if fake_audio is not None:
            args.append(f"--use-file-for-fake-audio-capture={fake_audio}")
        context = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{name}"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=args,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _launch
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                stem = screenshots / f"failure-{request.node.name}-{c}-{p}"
                try:
                    page.screenshot(path=f"{stem}.png", full_page=True)
                    stem.with_suffix(".txt").write_text(page.url + "\n\n" + page.inner_text("body"))
                except Exception as error:  # a crashed page: keep closing the others
                    stem.with_suffix(".txt").write_text(f"{page.url}: {error}")
    for context in contexts:
        context.close()
