"""Live calls with one track: each speech segment gets a speaker as the call goes."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import INTERVIEW_LINES as LINES

from app.audio.live_speakers import LiveSpeakers
from app.audio.voices import load_encoder


@pytest.mark.slow
def test_live_speakers_split_one_track_by_voice(speak):
    live = LiveSpeakers(load_encoder())
    voices = ["en-us+m3", "en-gb+f3"]
    clock, right = 0.0, 0
    labels = []
    for k, text in enumerate(LINES * 2):
        clip = speak(text, voices[k % 2])
        pause = np.zeros(int(0.5 * 16000), dtype=np.float32)
        live.feed(np.concatenate([clip, pause]))
        label = live.label(clock, clock + len(clip) / 16000)
        labels.append(label)
        right += label == k % 2
        clock += (len(clip) + len(pause)) / 16000
    assert labels[0] == 0
    print(f"segments to the right speaker: {right}/{len(labels)}")
    assert right / len(labels) >= 0.8, labels


def test_live_speakers_keeps_only_recent_audio():
    live = LiveSpeakers(load_encoder())
    for _ in range(13):
        live.feed(np.zeros(10 * 16000, dtype=np.float32))
    start, held = live.held_s
    assert start == pytest.approx(10.0)
    assert held == pytest.approx(120.0)


def test_live_speakers_cuts_speech_by_call_time():
    live = LiveSpeakers(load_encoder(), start_at=5.0)
    for k in range(4):
        live.feed(np.full(16000, k, dtype=np.float32))
    assert live.guess(6.0, 7.0) == 0  # the first voice heard is speaker 0
    cut = live._cut(6.5, 7.5)
    assert len(cut) == 16000 and cut[0] == 1 and cut[-1] == 2
