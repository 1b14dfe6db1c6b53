"""The capture page's in-person choice: one microphone hears both people, one track streams, and
the server splits it by voice (the split itself is measured in tests/server/test_one_track.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx

from .conftest import CallAudio, ConsoleWatch, People
from .test_pages_live_call import shoot


def test_capture_in_person_streams_one_mixed_track(
    server: str,
    people: People,
    call_audio: CallAudio,
    launch: Any,
    console: ConsoleWatch,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    room = tmp_path / "room.wav"  # both voices as one microphone in the room hears them
    subprocess.run(
        ["sox", "-m", str(call_audio.interviewer), str(call_audio.customer), str(room)], check=True
    )
    body = {"title": "In person", "interviewer": "Dana"}
    call = httpx.post(server + "/api/calls", json=body, headers=people.owner.auth).json()
    browser = launch("in-person", fake_audio=room)
    capture = console.watch(browser.new_page(), "capture-in-person")
    capture.goto(server + call["links"]["capture"])
    capture.get_by_label("One microphone (in-person)").check()
    assert capture.locator("#room-source").is_visible()
    assert capture.locator("#tab-source").is_hidden() and capture.locator("#device-source").is_hidden()
    shoot(capture, screenshots, "capture-in-person")
    capture.get_by_label("I told the customer").check()
    capture.get_by_role("button", name="Start listening").click()
    capture.locator("#status[data-state='live']").wait_for()
    assert capture.locator("#start-error").is_hidden()
    assert capture.locator("#customer-track-status").inner_text() == "Heard through your microphone"
    # The fake microphone loops the 16 s recording: let it say everything once, then stop.
    capture.wait_for_timeout(18_000)
    capture.get_by_role("button", name="Stop and end call").click()
    capture.get_by_role("button", name="End call", exact=True).click()
    capture.locator("#ended:not([hidden])").wait_for(timeout=20_000)
    report = httpx.get(
        f"{server}/api/calls/{call['id']}/report", params={"format": "json"}, headers=people.owner.auth
    ).json()
    # The mixed track reached the speech engine: its words are in the report, each under a person.
    said = report["transcript"]
    assert said and {u["speaker"] for u in said} <= {"interviewer", "customer"}, said
