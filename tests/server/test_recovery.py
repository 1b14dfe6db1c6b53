"""A server stopped mid-segment (killed, or shut down: either way the open segment is not
transcribed) hears the recorded audio of that segment again when the call is loaded, so
acknowledged speech reaches the transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.main import create_app

from .conftest import fake_settings
from .fakes import FakeEngine, FakeTagger, frames, silence, tone
from .harness import OWNER_TOKENS, Events, add_account, audio_socket, create_call, serve_in_thread

pytestmark = pytest.mark.slow  # starts a server


async def _wait_ack(ws, samples: int) -> None:  # type: ignore[no-untyped-def]
    while True:
        msg = json.loads(await ws.recv())
        if msg["type"] == "ack" and msg["received_samples"] >= samples:
            return


@pytest.mark.parametrize("recorded", [True, False])
async def test_recovery_open_segment_is_heard_again_after_a_restart(tmp_path: Path, recorded: bool) -> None:
    settings = fake_settings(tmp_path / "data")
    first = FakeEngine()
    owner = add_account(settings.data_dir)
    with serve_in_thread(create_app(settings, engine=first, tagger=FakeTagger())) as url:
        OWNER_TOKENS[url] = owner.token
        call = await create_call(url, recording_consent=recorded)
        cid, tokens = call["id"], call["tokens"]
        first.script(cid, "customer", ["Said before the crash."])
        mic, _ = await audio_socket(url, cid, tokens["interviewer"], "customer")
        for frame in frames(silence(0.5) + tone(1.5)):  # mid-sentence when the server goes
            await mic.send(frame)
        await _wait_ack(mic, 32000)  # stored and acknowledged: the client drops it
    with pytest.raises(Exception):  # noqa: B017 - the server is gone
        await mic.recv()

    second = FakeEngine()
    second.script(cid, "customer", ["Said before the crash.", "After."])
    with serve_in_thread(create_app(settings, engine=second, tagger=FakeTagger())) as url:
        buddy = await Events.open(url, cid, tokens["buddy"])
        mic, ready = await audio_socket(url, cid, tokens["interviewer"], "customer")
        assert ready["received_samples"] == 32000
        for frame in frames(tone(0.3) + silence(1.0) + tone(0.5) + silence(1.0)):
            await mic.send(frame)
        after = await buddy.wait_for(lambda m: m["type"] == "transcript.final" and m["text"] == "After.")
        finals = buddy.of("transcript.final")
        if recorded:
            # One segment across the crash: from its first word before it to its end after it.
            assert [f["text"] for f in finals] == ["Said before the crash.", "After."]
            assert finals[0]["start"] == pytest.approx(0.5, abs=0.05)
            assert finals[0]["end"] == pytest.approx(2.3, abs=0.05)
        else:
            # Nothing recorded, nothing to hear again: only what came after the restart.
            assert [f["text"] for f in finals] == ["Said before the crash.", "After."]
            assert finals[0]["start"] == pytest.approx(2.0, abs=0.05)
        assert after["start"] == pytest.approx(3.3, abs=0.05)
        await mic.close()
        await buddy.close()
