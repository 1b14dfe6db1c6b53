"""Live calls with one track: each speech segment gets a speaker as the call goes."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.live_speakers import LiveSpeakers
from app.audio.voices import load_encoder

LINES = [
    "How do you handle the invoices at the end of the month?",
    "We export everything to a spreadsheet and check it by hand.",
    "What happens when a number does not match?",
    "Then I call the supplier, which takes most of a morning.",
    "Tell me about the last time that happened.",
    "Last week, two invoices were wrong and I lost a whole day on it.",
    "Who else is involved when that happens?",
    "My manager signs off, but only after I have fixed everything.",
    "What did you try before the spreadsheet?",
    "We had a shared folder with scanned paper, which was even slower.",
    "How long does the whole check take you?",
    "About six hours a month, sometimes more in December.",
    "What would you do with that time?",
    "I would finally look at the supplier contracts properly.",
]


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
