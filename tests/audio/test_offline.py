"""Recordings: one stereo file or two files, mono refused, bleed removed; real model where marked slow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audio_fakes import LoudnessVad, ScriptedTranscriber, tone_track
from conftest import place, write_wav

from app.audio import offline
from app.audio.errors import RecordingError
from app.audio.events import Final
from app.audio.frames import float_to_pcm16
from app.audio.offline import transcribe_recording
from app.audio.stream import TrackProcessor
from app.settings import Settings
from nlp.timing import talk_share

QUESTION = "So how do you handle the invoices today?"
ANSWER = "We export everything to a spreadsheet every Friday and then fix the totals by hand."
FOLLOW_UP = "What happens when the totals do not match?"


@pytest.fixture(scope="module")
def call(speak, tmp_path_factory: pytest.TempPathFactory):
    """A 15 s two-track call with known speech times."""
    q, a, f = speak(QUESTION, "en-us+m3"), speak(ANSWER, "en-gb+f3"), speak(FOLLOW_UP, "en-us+m3")
    t_a = 0.5 + len(q) / 16000 + 0.7
    t_f = t_a + len(a) / 16000 + 0.8
    total = t_f + len(f) / 16000 + 1.0
    interviewer = place(total, [(0.5, q), (t_f, f)])
    customer = place(total, [(t_a, a)])
    truth = {
        "interviewer": [(0.5, 0.5 + len(q) / 16000), (t_f, t_f + len(f) / 16000)],
        "customer": [(t_a, t_a + len(a) / 16000)],
    }
    folder = tmp_path_factory.mktemp("call")
    return {"interviewer": interviewer, "customer": customer, "truth": truth, "folder": folder}


def test_offline_mono_file_alone_is_refused(tmp_path: Path) -> None:
    mono = write_wav(tmp_path / "mono.wav", np.zeros(16000, np.float32))
    with pytest.raises(RecordingError, match="two tracks are needed"):
        transcribe_recording(mono, settings=Settings(), transcriber=ScriptedTranscriber())


def test_offline_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    with pytest.raises(RecordingError, match=r"cannot read audio from .*bad\.wav"):
        transcribe_recording(
            bad, tmp_path / "bad.wav", settings=Settings(), transcriber=ScriptedTranscriber()
        )


def test_offline_channel_choice_and_two_files(tmp_path: Path) -> None:
    left, right = tone_track(2.0, [(0.5, 1.0)]), tone_track(2.0, [(1.2, 1.5)])
    stereo = write_wav(tmp_path / "call.wav", left, right)
    mine, theirs = offline.load_tracks(stereo)
    assert np.allclose(mine, left, atol=1e-4) and np.allclose(theirs, right, atol=1e-4)
    mine, theirs = offline.load_tracks(stereo, interviewer_channel="right")
    assert np.allclose(mine, right, atol=1e-4)
    a, b = write_wav(tmp_path / "a.wav", left), write_wav(tmp_path / "b.wav", right)
    mine, theirs = offline.load_tracks(a, b)
    assert np.allclose(theirs, right, atol=1e-4)


def test_offline_packs_pieces_and_maps_words_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many short pieces go into few decodes; each final keeps its own times."""
    monkeypatch.setattr(offline, "TrackProcessor", _fake_vad_processor)
    speech = [(1.0 + 3 * k, 2.5 + 3 * k) for k in range(12)]
    mine = tone_track(40.0, speech)
    transcriber = ScriptedTranscriber()
    rec = offline.transcribe_tracks(mine, np.zeros_like(mine), settings=Settings(), transcriber=transcriber)
    assert len(transcriber.calls) == 1  # 12 pieces of ~1.9 s (+0.2 s gaps) in one 29.5 s window
    assert len(rec.utterances) == 12
    for utterance, (start, end) in zip(rec.utterances, speech, strict=True):
        assert start - 0.05 <= utterance.start and utterance.end <= end + 0.25
    assert [round(i.start, 1) for i in rec.speech["interviewer"]] == [s for s, _ in speech]
    assert rec.speech["customer"] == []


def test_offline_progress_goes_from_zero_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "TrackProcessor", _fake_vad_processor)
    seen: list[float] = []
    audio = tone_track(12.0, [(1.0, 3.0), (6.0, 8.0)])
    offline.transcribe_tracks(
        audio, audio, settings=Settings(), transcriber=ScriptedTranscriber(), progress=seen.append
    )
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def _fake_vad_processor(*args, **kwargs) -> TrackProcessor:
    return TrackProcessor(*args, vad=LoudnessVad(), **kwargs)


# --- the real model -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_offline_stereo_call_transcript_and_talk_time(call, whisper) -> None:
    path = write_wav(call["folder"] / "call.wav", call["interviewer"], call["customer"])
    rec = transcribe_recording(path, settings=Settings(), transcriber=whisper)
    said = {
        s: " ".join(u.text for u in rec.utterances if u.speaker == s).lower()
        for s in ("interviewer", "customer")
    }
    assert "invoices" in said["interviewer"] and "match" in said["interviewer"]
    assert "by hand" in said["customer"] and "invoices" not in said["customer"]
    assert [u.speaker for u in rec.utterances] == ["interviewer", "customer", "interviewer"]
    for speaker, truth in call["truth"].items():
        found = rec.speech[speaker]
        assert len(found) == len(truth)
        for iv, (start, end) in zip(found, truth, strict=True):
            assert abs(iv.start - start) < 0.15 and abs(iv.end - end) < 0.25
    true_share = sum(e - s for s, e in call["truth"]["interviewer"]) / sum(
        e - s for spans in call["truth"].values() for s, e in spans
    )
    assert abs(talk_share(rec.speech["interviewer"], rec.speech["customer"]) - true_share) < 0.02  # type: ignore[operator]


@pytest.mark.slow
def test_offline_customer_leaking_into_the_mic_at_minus_20_db(call, whisper) -> None:
    leaky = call["interviewer"] + call["customer"] * 10 ** (-20 / 20)
    a = write_wav(call["folder"] / "mic.wav", leaky)
    b = write_wav(call["folder"] / "tab.wav", call["customer"])
    rec = transcribe_recording(a, b, settings=Settings(), transcriber=whisper)
    mine = " ".join(u.text for u in rec.utterances if u.speaker == "interviewer").lower()
    assert "export" not in mine and "by hand" not in mine
    assert "invoices" in mine
    assert len(rec.speech["interviewer"]) == 2
    # the leak alone, without the customer's track to compare, would be heard as the interviewer
    alone = TrackProcessor("interviewer", Settings(), transcriber=whisper, partials=False)
    events = alone.feed(float_to_pcm16(leaky)) + alone.finish()
    assert "export" in " ".join(e.text for e in events if isinstance(e, Final)).lower()


@pytest.mark.slow
def test_offline_silence_and_noise_give_no_finals(whisper) -> None:
    rng = np.random.default_rng(1)
    n = 16000 * 10
    t = np.arange(n) / 16000
    noise = np.concatenate(
        [
            np.zeros(n),
            rng.normal(0, 0.01, n),  # hiss at -40 dBFS
            rng.normal(0, 0.05, n),  # loud hiss
            0.03 * np.sin(2 * np.pi * 50 * t),  # mains hum
        ]
    ).astype(np.float32)
    processor = TrackProcessor("customer", Settings(), transcriber=whisper, partials=False)
    events = processor.feed(float_to_pcm16(noise)) + processor.finish()
    assert [e for e in events if isinstance(e, Final)] == []
