"""`secondear replay`: a stereo recording streamed into a live call like the capture page does."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.cli import main
from app.commands.replay import target

from .conftest import FakeServer
from .fakes import silence, tone
from .harness import REPO, Events, create_call, member_client


def stereo(path: Path, left: bytes, right: bytes) -> Path:
    a, b = np.frombuffer(left, "<i2"), np.frombuffer(right, "<i2")
    n = max(len(a), len(b))
    data = np.zeros((n, 2), dtype=np.int16)
    data[: len(a), 0], data[: len(b), 1] = a, b
    sf.write(path, data, 16000, subtype="PCM_16")
    return path


def test_replay_target_from_a_capture_link() -> None:
    assert target(None, "http://h:8000/capture/c1?token=abc", None) == ("http://h:8000", "c1", "abc")
    assert target("h:9", "c2", "t") == ("http://h:9", "c2", "t")


def test_replay_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = stereo(tmp_path / "a.wav", silence(0.1), silence(0.1))
    assert main(["replay", str(wav), "--server", "http://x", "--call", "c1"]) == 2
    assert "--token" in capsys.readouterr().err
    mono = tmp_path / "mono.wav"
    sf.write(mono, np.zeros(1600, dtype=np.int16), 16000)
    assert main(["replay", str(mono), "--server", "http://x", "--call", "c1", "--token", "t"]) == 2
    assert "two tracks" in capsys.readouterr().err
    assert (
        main(["replay", str(tmp_path / "none.wav"), "--server", "http://x", "--call", "c", "--token", "t"])
        == 2
    )


@pytest.mark.slow
async def test_replay_streams_both_tracks_and_ends_the_call(fake_server: FakeServer, tmp_path: Path) -> None:
    call = await create_call(fake_server.url)
    cid = call["id"]
    fake_server.engine.script(cid, "interviewer", ["Could you show me?"])
    fake_server.engine.script(cid, "customer", ["Sure, here."])
    wav = stereo(tmp_path / "call.wav", silence(0.3) + tone(1.0), silence(1.6) + tone(0.8) + silence(0.4))
    buddy = await Events.open(fake_server.url, cid, call["tokens"]["buddy"])
    link = fake_server.url + call["links"]["capture"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "replay", str(wav), "--call", link, "--speed", "4", "--end", "--quiet",
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert "0 reconnects, 0.0 s unacknowledged" in err.decode()
    finals = [m for m in buddy.messages if m["type"] == "transcript.final"]
    assert {(m["speaker"], m["text"]) for m in finals} == {
        ("interviewer", "Could you show me?"),
        ("customer", "Sure, here."),
    }
    assert finals[0]["start"] == pytest.approx(0.3, abs=0.02)
    await buddy.wait_for(lambda m: m["type"] == "call.ended")
    async with member_client(fake_server.url) as client:
        assert (await client.get(f"/api/calls/{cid}")).json()["status"] == "ended"
    await buddy.close()
