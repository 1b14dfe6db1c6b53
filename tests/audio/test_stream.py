"""TrackProcessor on scripted timelines: segmentation, pre-roll, splits, partials, speculation."""

from __future__ import annotations

import numpy as np
import pytest
from audio_fakes import LoudnessVad, ScriptedTranscriber, pcm, tone_track

from app.audio.events import Event, Final, Partial, SpeechEnded, SpeechStarted, speech_intervals
from app.audio.stream import DecodeJob, TrackProcessor
from app.settings import Settings
from nlp.types import Interval

CHUNK_S = 0.032


def settings(**overrides: object) -> Settings:
    base: dict[str, object] = {"partials": False, "final_speculate_after": 0.2}
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


def run(processor: TrackProcessor, audio: np.ndarray, frame_ms: float = 20.0) -> list[Event]:
    data = pcm(audio)
    step = int(frame_ms * 32)  # bytes: 16 samples per ms, 2 bytes each
    events: list[Event] = []
    for lo in range(0, len(data), step):
        events += processor.feed(data[lo : lo + step])
    return events + processor.finish()


def inline(s: Settings, **kw: object) -> TrackProcessor:
    return TrackProcessor("customer", s, transcriber=ScriptedTranscriber(), vad=LoudnessVad(), **kw)  # type: ignore[arg-type]


def test_stream_speech_start_end_and_final_follow_the_timeline() -> None:
    audio = tone_track(8.0, [(1.0, 3.0), (5.0, 6.5)])
    events = run(inline(settings()), audio)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["SpeechStarted", "SpeechEnded", "Final", "SpeechStarted", "SpeechEnded", "Final"]
    starts = [e.at for e in events if isinstance(e, SpeechStarted)]
    ends = [e.at for e in events if isinstance(e, SpeechEnded)]
    assert starts == pytest.approx([1.0, 5.0], abs=CHUNK_S)
    assert ends == pytest.approx([3.0, 6.5], abs=CHUNK_S)
    finals = [e for e in events if isinstance(e, Final)]
    assert finals[0].start >= starts[0] and finals[0].end <= ends[0] + 0.25
    assert finals[0].text.split()[0] == finals[0].words[0].text
    assert speech_intervals(events) == [Interval(e.start, e.at) for e in events if isinstance(e, SpeechEnded)]


@pytest.mark.parametrize("frame_ms", [10.0, 32.0, 333.0, 1000.0])
def test_stream_frame_size_does_not_change_events(frame_ms: float) -> None:
    audio = tone_track(6.0, [(0.7, 2.2), (3.1, 4.9)])
    reference = run(inline(settings()), audio, frame_ms=20.0)
    assert run(inline(settings()), audio, frame_ms=frame_ms) == reference


def test_stream_odd_byte_waits_for_the_next_feed() -> None:
    audio = tone_track(4.0, [(1.0, 2.5)])
    data = pcm(audio)
    processor = inline(settings())
    events: list[Event] = []
    for lo in range(0, len(data), 321):  # odd frame sizes split samples in two
        events += processor.feed(data[lo : lo + 321])
    events += processor.finish()
    assert processor.clock == pytest.approx(4.0)
    assert events == run(inline(settings()), audio)


def test_stream_pause_shorter_than_endpoint_stays_one_segment() -> None:
    audio = tone_track(6.0, [(1.0, 2.0), (2.3, 3.5)])
    events = run(inline(settings(vad_endpoint=0.5)), audio)
    assert len([e for e in events if isinstance(e, SpeechEnded)]) == 1
    events = run(inline(settings(vad_endpoint=0.25)), audio)
    assert len([e for e in events if isinstance(e, SpeechEnded)]) == 2


def test_stream_blip_shorter_than_min_speech_is_ignored() -> None:
    audio = tone_track(4.0, [(1.0, 1.08), (2.5, 2.56)])
    assert run(inline(settings(vad_min_speech=0.15)), audio) == []


def test_stream_final_audio_has_preroll_and_tail() -> None:
    transcriber = ScriptedTranscriber()
    processor = TrackProcessor(
        "customer", settings(vad_preroll=0.3, vad_tail=0.2), transcriber=transcriber, vad=LoudnessVad()
    )
    run(processor, tone_track(5.0, [(2.0, 3.0)]))
    [(kind, seconds)] = transcriber.calls
    assert kind == "final"
    # 0.3 s pre-roll + 1 s speech + 0.2 s tail, on the 32 ms grid
    assert seconds == pytest.approx(1.5, abs=2 * CHUNK_S)


def test_stream_long_speech_is_split_but_stays_one_speech_interval() -> None:
    # 20 s of speech with a 0.2 s pause at 12 s: split there, not at the 15 s limit
    audio = tone_track(24.0, [(1.0, 12.0), (12.2, 21.0)])
    transcriber = ScriptedTranscriber()
    processor = TrackProcessor(
        "customer", settings(vad_max_segment=15.0), transcriber=transcriber, vad=LoudnessVad()
    )
    events = run(processor, audio)
    assert len([e for e in events if isinstance(e, SpeechStarted)]) == 1
    assert speech_intervals(events) == [
        Interval(pytest.approx(1.0, abs=CHUNK_S), pytest.approx(21.0, abs=CHUNK_S))
    ]  # type: ignore[arg-type]
    finals = [e for e in events if isinstance(e, Final)]
    assert len(finals) == 2
    assert max(seconds for _, seconds in transcriber.calls) <= 15.0 + CHUNK_S
    # the cut is in the pause: no word is in both finals
    assert finals[0].end <= 12.2 + 0.05 and finals[1].start >= 12.0
    assert finals[0].words[-1].end <= finals[1].words[0].start


def test_stream_hard_split_without_pause_at_max_segment() -> None:
    audio = tone_track(40.0, [(1.0, 38.0)])
    transcriber = ScriptedTranscriber()
    processor = TrackProcessor(
        "customer", settings(vad_max_segment=15.0), transcriber=transcriber, vad=LoudnessVad()
    )
    events = run(processor, audio)
    assert len([e for e in events if isinstance(e, Final)]) == 3
    assert all(seconds <= 15.0 + CHUNK_S for _, seconds in transcriber.calls)


def test_stream_start_at_offsets_every_time() -> None:
    audio = tone_track(4.0, [(1.0, 2.0)])
    events = run(inline(settings(), start_at=100.0), audio)
    assert events[0] == SpeechStarted("customer", pytest.approx(101.0, abs=CHUNK_S))  # type: ignore[arg-type]
    assert all(e.start >= 100.9 for e in events if isinstance(e, Final))


# --- with jobs handed out (the live engine's way) ---------------------------------------------------


def deferred(s: Settings) -> TrackProcessor:
    return TrackProcessor("interviewer", s, vad=LoudnessVad())


def test_stream_partials_at_their_interval_one_at_a_time() -> None:
    processor = deferred(settings(partials=True, partial_interval=0.5, final_speculate_after=0))
    processor.feed(pcm(tone_track(3.0, [(0.5, 3.0)])))
    jobs = processor.take_jobs()
    # one partial, after 0.5 s of speech; the next waits until this one is resolved
    assert [j.kind for j in jobs] == ["partial"]
    assert jobs[0].end == pytest.approx(1.0, abs=CHUNK_S)
    events = processor.resolve(jobs[0], ScriptedTranscriber().transcribe(jobs[0].audio, jobs[0].request))
    assert isinstance(events[0], Partial) and events[0].start == pytest.approx(0.5, abs=CHUNK_S)
    processor.feed(pcm(tone_track(0.6, [(0.0, 0.6)])))
    assert [j.kind for j in processor.take_jobs()] == ["partial"]


def test_stream_no_partial_after_its_final() -> None:
    processor = deferred(settings(partials=True, partial_interval=0.5, final_speculate_after=0))
    processor.feed(pcm(tone_track(3.0, [(0.5, 2.0)])))
    [partial, final] = processor.take_jobs()
    assert (partial.kind, final.kind) == ("partial", "final")
    assert partial.cancelled
    fake = ScriptedTranscriber()
    assert [type(e) for e in processor.resolve(final, fake.transcribe(final.audio, final.request))] == [Final]
    assert processor.resolve(partial, fake.transcribe(partial.audio, partial.request)) == []


def test_stream_speculative_final_is_confirmed_at_the_endpoint() -> None:
    processor = deferred(settings(final_speculate_after=0.2, vad_endpoint=0.5))
    events = processor.feed(pcm(tone_track(1.8, [(0.5, 1.5)])))  # 0.3 s of silence so far
    [job] = processor.take_jobs()
    assert job.speculative and not job.confirmed
    fake = ScriptedTranscriber()
    # the result is in before the endpoint: nothing is said yet
    assert processor.resolve(job, fake.transcribe(job.audio, job.request)) == []
    events = processor.feed(pcm(np.zeros(8000, dtype=np.float32)))
    assert [type(e) for e in events] == [SpeechEnded, Final]
    assert processor.take_jobs() == []  # no second decode


def test_stream_speculative_final_is_cancelled_when_speech_resumes() -> None:
    processor = deferred(settings(final_speculate_after=0.2, vad_endpoint=0.5))
    processor.feed(pcm(tone_track(1.8, [(0.5, 1.5)])))
    [spec] = processor.take_jobs()
    processor.feed(pcm(tone_track(2.0, [(0.0, 1.0)])))  # speech again, then 1 s of silence
    jobs = processor.take_jobs()
    assert spec.cancelled
    finals = [j for j in jobs if j.kind == "final" and not j.cancelled]
    assert len(finals) == 1 and finals[0].end == pytest.approx(2.8, abs=CHUNK_S)
    fake = ScriptedTranscriber()
    assert processor.resolve(spec, fake.transcribe(spec.audio, spec.request)) == []
    events = processor.resolve(finals[0], fake.transcribe(finals[0].audio, finals[0].request))
    assert [type(e) for e in events] == [Final]


def test_stream_finals_come_out_in_order_whatever_order_results_arrive() -> None:
    processor = deferred(settings(final_speculate_after=0))
    processor.feed(pcm(tone_track(6.0, [(0.5, 1.5), (3.0, 4.0)])))
    first, second = processor.take_jobs()
    fake = ScriptedTranscriber()
    assert processor.resolve(second, fake.transcribe(second.audio, second.request)) == []
    events = processor.resolve(first, fake.transcribe(first.audio, first.request))
    assert [e.start < 2 for e in events if isinstance(e, Final)] == [True, False]


def test_stream_dropped_final_result_gives_no_final_but_releases_the_next() -> None:
    processor = deferred(settings(final_speculate_after=0))
    processor.feed(pcm(tone_track(6.0, [(0.5, 1.5), (3.0, 4.0)])))
    first, second = processor.take_jobs()
    fake = ScriptedTranscriber()
    processor.resolve(second, fake.transcribe(second.audio, second.request))
    events = processor.resolve(first, None)
    assert len(events) == 1 and isinstance(events[0], Final) and events[0].start >= 3.0 - CHUNK_S


def test_stream_guards_drop_invented_text() -> None:
    transcriber = ScriptedTranscriber(text="Thank you.", scores={"no_speech_prob": 0.9, "avg_logprob": -1.2})
    processor = TrackProcessor("customer", settings(), transcriber=transcriber, vad=LoudnessVad())
    events = run(processor, tone_track(4.0, [(1.0, 2.0)]))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]


def test_stream_job_is_a_plain_record() -> None:
    # the scheduler relies on identity and reads the cancelled flag (the processor alone sets it)
    processor = deferred(settings(final_speculate_after=0))
    processor.feed(pcm(tone_track(3.0, [(0.5, 1.5)])))
    [job] = processor.take_jobs()
    assert isinstance(job, DecodeJob) and job.confirmed and not job.cancelled
    assert job.audio.dtype == np.float32


def test_stream_speculation_the_scheduler_skipped_is_decoded_at_the_endpoint() -> None:
    processor = deferred(settings(final_speculate_after=0.2, vad_endpoint=0.5))
    processor.feed(pcm(tone_track(1.8, [(0.5, 1.5)])))
    [spec] = processor.take_jobs()
    assert processor.resolve(spec, None) == []  # no spare time for it
    events = processor.feed(pcm(np.zeros(8000, dtype=np.float32)))
    assert [type(e) for e in events] == [SpeechEnded]
    [final] = processor.take_jobs()
    assert final.confirmed and final.end == spec.end
    fake = ScriptedTranscriber()
    assert [type(e) for e in processor.resolve(final, fake.transcribe(final.audio, final.request))] == [Final]


def test_stream_finals_are_decoded_with_the_calls_recent_text() -> None:
    from app.audio.stream import TextContext

    context = TextContext(max_words=3)
    seen: list[str] = []

    class Recorder(ScriptedTranscriber):
        def transcribe(self, audio, request):  # type: ignore[no-untyped-def]
            seen.append(request.prompt)
            return super().transcribe(audio, request)

    customer = TrackProcessor(
        "customer", settings(), transcriber=Recorder(), vad=LoudnessVad(), context=context
    )
    interviewer = TrackProcessor(
        "interviewer", settings(), transcriber=Recorder(), vad=LoudnessVad(), context=context
    )
    said = run(customer, tone_track(3.0, [(0.5, 2.5)]))
    run(interviewer, tone_track(2.0, [(0.5, 1.5)]))
    [final] = [e for e in said if isinstance(e, Final)]
    assert len(final.words) > 3
    assert seen == ["", " ".join(final.text.split()[-3:])]  # the other track's last three words
    assert TextContext(max_words=0).recent() == ""


def test_stream_long_speech_is_finalised_at_pauses_while_it_goes_on() -> None:
    # 4 sentences of 3 s with 0.3 s pauses: after 6 s, the next pause closes a piece
    sentences = [(1.0 + 3.3 * k, 4.0 + 3.3 * k) for k in range(4)]
    transcriber = ScriptedTranscriber()
    processor = TrackProcessor(
        "customer", settings(vad_split_after=6.0), transcriber=transcriber, vad=LoudnessVad()
    )
    events = run(processor, tone_track(16.0, sentences))
    kinds = [type(e).__name__ for e in events]
    # one speech interval, two finals: each piece of >= 6 s ends at the next pause, 0.25 s into
    # it, before the 0.5 s endpoint (so the last Final may come before SpeechEnded)
    assert kinds == ["SpeechStarted", "Final", "Final", "SpeechEnded"]
    finals = [e for e in events if isinstance(e, Final)]
    assert finals[0].end == pytest.approx(7.3, abs=0.15) and finals[1].start >= 7.5
    assert all(seconds < 8.0 for _, seconds in transcriber.calls)


def test_stream_pause_split_then_silence_gives_no_empty_final() -> None:
    transcriber = ScriptedTranscriber()
    processor = TrackProcessor(
        "customer", settings(vad_split_after=2.0), transcriber=transcriber, vad=LoudnessVad()
    )
    events = run(processor, tone_track(6.0, [(1.0, 3.5)]))  # the pause after 3.5 s is the endpoint
    assert [type(e).__name__ for e in events] == ["SpeechStarted", "Final", "SpeechEnded"]
    assert len(transcriber.calls) == 1


def test_stream_abort_withdraws_every_planned_decode() -> None:
    processor = deferred(settings(partials=True, partial_interval=0.5, final_speculate_after=0.2))
    processor.feed(pcm(tone_track(2.0, [(0.5, 1.7)])))  # a partial, then a speculative final
    jobs = processor.take_jobs()
    assert {j.kind for j in jobs} == {"partial", "final"} and processor.awaiting == len(jobs)
    processor.abort()
    assert all(j.cancelled for j in jobs) and processor.awaiting == 0
    fake = ScriptedTranscriber()
    assert all(processor.resolve(j, fake.transcribe(j.audio, j.request)) == [] for j in jobs)


@pytest.mark.parametrize(("packed", "kept"), [(False, ["w0", "w1"]), (True, ["w0", "w1", "tail"])])
def test_stream_a_packed_answer_keeps_words_past_the_pieces_end(packed: bool, kept: list[str]) -> None:
    # Decoded alone, a word starting in the silent tail is Whisper's invention; decoded in one window
    # with the next piece (offline), it is a real word that drifted.
    from app.audio.asr import RecognizedSegment
    from app.audio.events import Word

    processor = deferred(settings(final_speculate_after=0))
    processor.feed(pcm(tone_track(3.0, [(0.5, 1.5)])))
    [job] = processor.take_jobs()
    tail = job.end - job.offset + 0.05
    words = (Word("w0", 0.2, 0.5, 0.9), Word("w1", 0.6, 0.9, 0.9), Word("tail", tail, tail + 0.1, 0.9))
    result = (RecognizedSegment("w0 w1 tail", 0.2, tail + 0.1, words),)
    [final] = processor.resolve(job, result, packed=packed)
    assert isinstance(final, Final) and [w.text for w in final.words] == kept
