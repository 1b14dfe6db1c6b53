"""SpeechEngine and LiveTrack in the event loop, with a scripted VAD and a fake recogniser."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from audio_fakes import LoudnessVad, ScriptedTranscriber, pcm, tone_track

from app.audio.engine import LiveTrack, SpeechEngine
from app.audio.events import Event, Final, Partial, SpeechEnded, SpeechStarted, speech_intervals
from app.audio.jobs import DecodeJob
from app.audio.scheduler import Done, SchedulerStats, TrackKey
from app.audio.stream import TrackProcessor
from app.settings import Settings

FRAME = 640  # bytes: 20 ms


def settings(**overrides: object) -> Settings:
    base: dict[str, object] = {"partials": True, "partial_interval": 0.5}
    base.update(overrides)
    return Settings(**base)  # type: ignore[arg-type]


def engine(transcriber: ScriptedTranscriber | None = None, **overrides: object) -> SpeechEngine:
    return SpeechEngine(
        settings(**overrides), transcriber=transcriber or ScriptedTranscriber(), vad_factory=LoudnessVad
    )


async def stream(tracks: dict[object, bytes], *, realtime: float = 0.0) -> None:
    """Feed several LiveTracks frame by frame, interleaved, sleeping `realtime` x 20 ms a frame."""
    longest = max(len(data) for data in tracks.values())
    for lo in range(0, longest, FRAME):
        for live, data in tracks.items():
            if lo < len(data):
                live.feed(data[lo : lo + FRAME])  # type: ignore[attr-defined]
        await asyncio.sleep(0.02 * realtime)


def check_track_order(events: list[Event]) -> None:
    """Start/End alternate; no Partial of a segment after its Final."""
    open_ = False
    finalized_until = -1.0
    for e in events:
        if isinstance(e, SpeechStarted):
            assert not open_
            open_ = True
        elif isinstance(e, SpeechEnded):
            assert open_
            open_ = False
        elif isinstance(e, Final):
            finalized_until = max(finalized_until, e.end)
        elif isinstance(e, Partial):
            assert e.end > finalized_until


async def test_engine_delivers_a_tracks_events_in_order() -> None:
    got: list[Event] = []
    async with engine(ScriptedTranscriber(delay=0.01)) as eng:
        live = eng.open_track("c1", "customer", got.append)
        await stream({live: pcm(tone_track(6.0, [(0.5, 2.5), (3.5, 5.0)]))}, realtime=0.25)
        await live.finish()
    check_track_order(got)
    assert len([e for e in got if isinstance(e, Final)]) == 2
    assert [(round(i.start, 1), round(i.end, 1)) for i in speech_intervals(got)] == [(0.5, 2.5), (3.5, 5.0)]
    assert any(isinstance(e, Partial) for e in got)


async def test_engine_awaits_async_handlers_one_event_at_a_time() -> None:
    got: list[Event] = []
    busy = False

    async def slow(event: Event) -> None:
        nonlocal busy
        assert not busy
        busy = True
        await asyncio.sleep(0.005)
        got.append(event)
        busy = False

    async with engine() as eng:
        live = eng.open_track("c1", "interviewer", slow)
        await stream({live: pcm(tone_track(4.0, [(0.5, 1.5), (2.5, 3.5)]))})
        await live.finish()
    check_track_order(got)
    # a Final may come after the next SpeechStarted (decoding takes time), never before its SpeechEnded
    assert [type(e) for e in got if isinstance(e, SpeechStarted | SpeechEnded)] == [
        SpeechStarted,
        SpeechEnded,
    ] * 2
    first_end = next(k for k, e in enumerate(got) if isinstance(e, SpeechEnded))
    first_final = next(k for k, e in enumerate(got) if isinstance(e, Final))
    assert first_final > first_end
    assert len([e for e in got if isinstance(e, Final)]) == 2


async def test_engine_a_failing_handler_does_not_stop_the_track() -> None:
    got: list[Event] = []

    def flaky(event: Event) -> None:
        got.append(event)
        if isinstance(event, SpeechStarted):
            raise RuntimeError("handler bug")

    async with engine() as eng:
        live = eng.open_track("c1", "customer", flaky)
        await stream({live: pcm(tone_track(3.0, [(0.5, 1.5)]))})
        await live.finish()
    assert any(isinstance(e, Final) for e in got)


async def test_engine_two_calls_at_once_keep_their_events_apart() -> None:
    got: dict[str, list[Event]] = {"a": [], "b": []}
    async with engine(ScriptedTranscriber(delay=0.005)) as eng:
        a = eng.open_track("a", "customer", got["a"].append)
        b = eng.open_track("b", "customer", got["b"].append)
        await stream({a: pcm(tone_track(4.0, [(0.5, 1.5)])), b: pcm(tone_track(4.0, [(2.0, 3.5)]))})
        await asyncio.gather(a.finish(), b.finish())
    assert [round(i.start, 1) for i in speech_intervals(got["a"])] == [0.5]
    assert [round(i.start, 1) for i in speech_intervals(got["b"])] == [2.0]


async def test_engine_refuses_a_second_open_of_the_same_track_until_finished() -> None:
    async with engine() as eng:
        live = eng.open_track("a", "customer", lambda e: None)
        with pytest.raises(ValueError, match="already open"):
            eng.open_track("a", "customer", lambda e: None)
        await live.finish()
        resumed = eng.open_track("a", "customer", lambda e: None, start_at=live.clock)
        assert resumed.clock == live.clock
        resumed.abort()


async def test_engine_resume_offsets_times_by_start_at() -> None:
    got: list[Event] = []
    async with engine() as eng:
        live = eng.open_track("a", "customer", got.append, start_at=60.0)
        await stream({live: pcm(tone_track(3.0, [(1.0, 2.0)]))})
        await live.finish()
    assert [round(i.start, 1) for i in speech_intervals(got)] == [61.0]


async def test_engine_abort_delivers_nothing_more() -> None:
    got: list[Event] = []
    async with engine(ScriptedTranscriber(delay=0.3)) as eng:
        live = eng.open_track("a", "customer", got.append)
        live.feed(pcm(tone_track(3.0, [(0.5, 1.5)])))
        await asyncio.sleep(0.05)
        live.abort()
        await asyncio.sleep(0.4)
        with pytest.raises(RuntimeError, match="finished"):
            live.feed(b"\0\0")
    assert not any(isinstance(e, Final) for e in got)


async def test_engine_flush_ends_the_segment_on_pause() -> None:
    got: list[Event] = []
    async with engine() as eng:
        live = eng.open_track("a", "interviewer", got.append)
        live.feed(pcm(tone_track(2.0, [(0.5, 2.0)])))
        assert live.speaking
        live.flush()
        assert not live.speaking
        await live.finish()
    assert [type(e) for e in got if not isinstance(e, Partial)] == [SpeechStarted, SpeechEnded, Final]


async def test_engine_partials_under_load_are_dropped_not_finals() -> None:
    # decodes far slower than real time: partials thin out, every final still arrives
    slow = ScriptedTranscriber(delay=0.05, partial_delay=0.05)
    got: dict[str, list[Event]] = {f"c{k}": [] for k in range(4)}
    async with engine(slow, partial_interval=0.2) as eng:
        lives = {eng.open_track(call, "customer", got[call].append): call for call in got}
        audio = pcm(tone_track(8.0, [(0.5, 3.0), (4.0, 7.0)]))
        await stream(dict.fromkeys(lives, audio), realtime=0.1)
        await asyncio.gather(*(live.finish() for live in lives))
        stats = eng.stats
    for events in got.values():
        check_track_order(events)
        assert len([e for e in events if isinstance(e, Final)]) == 2
    assert stats.finals >= 8


async def test_engine_mic_bleed_is_not_interviewer_speech() -> None:
    customer = tone_track(8.0, [(1.0, 3.0), (5.0, 7.0)], hz=330.0)
    own = tone_track(8.0, [(3.6, 4.6)])
    interviewer = own + 0.1 * customer  # the customer leaks in at -20 dB
    got: dict[str, list[Event]] = {"interviewer": [], "customer": []}
    async with engine() as eng:
        mic = eng.open_track("a", "interviewer", got["interviewer"].append)
        tab = eng.open_track("a", "customer", got["customer"].append)
        await stream({mic: pcm(interviewer), tab: pcm(customer)})
        await asyncio.gather(mic.finish(), tab.finish())
    assert [(round(i.start, 1), round(i.end, 1)) for i in speech_intervals(got["interviewer"])] == [
        (3.6, 4.6)
    ]
    assert len(speech_intervals(got["customer"])) == 2
    # without the customer track the leak would have counted
    alone: list[Event] = []
    async with engine() as eng:
        mic = eng.open_track("b", "interviewer", alone.append)
        await stream({mic: pcm(interviewer)})
        await mic.finish()
    assert sum(i.duration for i in speech_intervals(alone)) > 4.0


async def test_engine_interviewer_waits_for_customer_audio_at_most_bleed_max_wait() -> None:
    got: list[Event] = []
    async with engine(bleed_max_wait=0.5) as eng:
        tab = eng.open_track("a", "customer", lambda e: None)
        mic = eng.open_track("a", "interviewer", got.append)
        mic.feed(pcm(tone_track(1.4, [(0.2, 1.0)])))  # the customer sent nothing yet
        await asyncio.sleep(0)
        # decided up to 0.5 s behind the audio fed: speech started, its end not yet seen
        assert [type(e) for e in got] == [SpeechStarted]
        tab.feed(pcm(np.zeros(48000, dtype=np.float32)))
        mic.feed(pcm(np.zeros(9600, dtype=np.float32)))
        await asyncio.sleep(0)
        assert [type(e) for e in got] == [SpeechStarted, SpeechEnded]
        await asyncio.gather(mic.finish(), tab.finish())


@pytest.mark.slow
async def test_engine_real_model_streams_a_short_call(speak, whisper) -> None:
    from conftest import place

    q = speak("So how do you handle the invoices today?", "en-us+m3")
    a = speak("We fix the totals by hand.", "en-gb+f3")
    t_a = 0.5 + len(q) / 16000 + 0.8
    total = t_a + len(a) / 16000 + 1.0
    tracks = {"interviewer": place(total, [(0.5, q)]), "customer": place(total, [(t_a, a)])}
    got: dict[str, list[Event]] = {"interviewer": [], "customer": []}
    async with SpeechEngine(Settings(), transcriber=whisper) as eng:
        lives = {eng.open_track("real", sp, got[sp].append): sp for sp in tracks}  # type: ignore[arg-type]
        await stream({live: pcm(tracks[sp]) for live, sp in lives.items()}, realtime=0.2)
        await asyncio.gather(*(live.finish() for live in lives))
    for speaker, words in (("interviewer", "invoices"), ("customer", "totals")):
        check_track_order(got[speaker])
        finals = [e for e in got[speaker] if isinstance(e, Final)]
        assert len(finals) == 1 and words in finals[0].text.lower()
        assert len(speech_intervals(got[speaker])) == 1


class HandScheduler:
    """A scheduler the test answers by hand: the engine's seam to decoding, alone."""

    def __init__(self) -> None:
        self.stats = SchedulerStats()
        self.queue_lag = 0.0
        self.waiting: list[tuple[DecodeJob, Done]] = []
        self.removed: list[TrackKey] = []

    async def start(self) -> None: ...
    async def aclose(self) -> None: ...

    def submit(self, key: TrackKey, job: DecodeJob, done: Done) -> None:
        self.waiting.append((job, done))

    def remove_track(self, key: TrackKey) -> None:
        self.removed.append(key)

    def answer_all(self) -> None:
        waiting, self.waiting = self.waiting, []
        for job, done in waiting:
            done(job, ScriptedTranscriber().transcribe(job.audio, job.request))


def hand_track(got: list[Event]) -> tuple[LiveTrack, HandScheduler]:
    s = settings(partials=False, final_speculate_after=0)
    scheduler = HandScheduler()
    processor = TrackProcessor("customer", s, vad=LoudnessVad())
    return LiveTrack(SpeechEngine(s), scheduler, "c1", processor, got.append), scheduler


async def test_engine_submits_what_the_processor_plans_and_hands_each_answer_back() -> None:
    got: list[Event] = []
    live, scheduler = hand_track(got)
    live.feed(pcm(tone_track(5.0, [(0.5, 1.5), (2.5, 3.5)])))
    assert [j.kind for j, _ in scheduler.waiting] == ["final", "final"]
    finishing = asyncio.create_task(live.finish())
    await asyncio.sleep(0.01)
    assert not finishing.done()  # two finals still to come
    scheduler.answer_all()
    await asyncio.wait_for(finishing, 5)
    assert [type(e) for e in got] == [SpeechStarted, SpeechEnded, SpeechStarted, SpeechEnded, Final, Final]
    assert scheduler.waiting == []  # an answer plans no new decode


async def test_engine_abort_withdraws_the_tracks_decodes_through_its_processor() -> None:
    got: list[Event] = []
    live, scheduler = hand_track(got)
    live.feed(pcm(tone_track(3.0, [(0.5, 1.5)])))
    [(job, done)] = scheduler.waiting
    live.abort()
    assert job.cancelled and scheduler.removed == [("c1", "customer")]
    done(job, ScriptedTranscriber().transcribe(job.audio, job.request))  # a late answer
    await asyncio.sleep(0.01)
    assert not any(isinstance(e, Final) for e in got)
