"""Hallucination guards on scores and text, and the Whisper transcriber on real speech."""

from __future__ import annotations

import numpy as np
import pytest

from app.audio.asr import DecodeRequest, Guards, RecognizedSegment, compression_ratio, repeated_ngram


def seg(text: str, **scores: float) -> RecognizedSegment:
    return RecognizedSegment(text, 0.0, 1.0, **scores)


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        (seg("We export it to a spreadsheet.", avg_logprob=-0.3, no_speech_prob=0.1), None),
        (seg("Thank you.", avg_logprob=-1.2, no_speech_prob=0.8), "no speech"),
        # confident text with a high no-speech probability is kept, as Whisper does
        (seg("Okay.", avg_logprob=-0.2, no_speech_prob=0.8), None),
        (seg("so so so", avg_logprob=-1.9, no_speech_prob=0.1), "low confidence"),
        (seg("the the the the the", avg_logprob=-0.3), "repeats"),
        (seg("I mean I mean I mean I mean that", avg_logprob=-0.3), "repeats"),
        (seg("no no no, that's not it", avg_logprob=-0.3), None),
        (seg("la " * 60, avg_logprob=-0.3, compression_ratio=compression_ratio("la " * 60)), "loops"),
        (seg("   "), "empty"),
    ],
    ids=[
        "speech",
        "no-speech",
        "confident-no-speech",
        "low-logprob",
        "word-loop",
        "phrase-loop",
        "no-no-no",
        "compresses",
        "empty",
    ],
)
def test_asr_guards(segment: RecognizedSegment, reason: str | None) -> None:
    assert Guards().reason_to_drop(segment) == reason


@pytest.mark.parametrize(
    ("text", "times", "expected"),
    [
        ("a b a b a b", 3, True),
        ("a b a b", 3, False),
        ("x y z x y z x y z", 3, True),
        ("one two three", 2, False),
    ],
)
def test_asr_repeated_ngram(text: str, times: int, expected: bool) -> None:
    assert repeated_ngram(text, times) is expected


@pytest.mark.slow
def test_asr_whisper_final_has_words_and_partial_is_fast_path(whisper, speak) -> None:
    audio = np.concatenate([np.zeros(4800, np.float32), speak("How do you handle invoices today?")])
    final = whisper.transcribe(audio, DecodeRequest("final", beam_size=5, word_timestamps=True))
    text = " ".join(s.text for s in final).lower()
    assert "invoices" in text
    words = [w for s in final for w in s.words]
    assert words and all(0 <= w.start <= w.end <= len(audio) / 16000 + 0.1 for w in words)
    # Whisper's first word often starts at 0 whatever the silence before it: the stream clamps
    # word times to the VAD's speech, so only the order and the end are checked here.
    assert words[-1].end >= len(audio) / 16000 - 0.8
    partial = whisper.transcribe(audio, DecodeRequest("partial", window=15.0))
    assert "invoice" in " ".join(s.text for s in partial).lower()
    # with the call's earlier text as context, and on Whisper's usual 30 s window
    for window in (15.0, None):
        request = DecodeRequest(
            "final", beam_size=5, word_timestamps=True, window=window, prompt="We pay suppliers."
        )
        again = whisper.transcribe(audio, request)
        assert "invoices" in " ".join(s.text for s in again).lower()
        assert "suppliers" not in " ".join(s.text for s in again).lower()


@pytest.mark.slow
def test_asr_whisper_batch_matches_pieces(whisper, speak) -> None:
    a = speak("We export everything to a spreadsheet.", "en-gb+f3")
    b = speak("Then I fix the totals by hand every Friday.", "en-gb+f3")
    request = DecodeRequest("final", beam_size=1, word_timestamps=True)
    out = whisper.transcribe_batch([a, b], request)
    # Batching is an optimisation: each clip must come out as it does when decoded alone. (How well
    # tiny.en hears espeak's voice is not the point here, and varies with the espeak-ng build.)
    alone = [whisper.transcribe_batch([clip], request)[0] for clip in (a, b)]
    assert [[s.text for s in o] for o in out] == [[s.text for s in o] for o in alone]
    assert "spreadsheet" in " ".join(s.text for s in out[0]).lower()
    assert "hand" in " ".join(s.text for s in out[1]).lower()
    assert all(w.end <= len(b) / 16000 + 0.1 for s in out[1] for w in s.words)
