"""The decode queue's policy, and the scheduler's one worker, with fake jobs and a fake recogniser."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest
from audio_fakes import ScriptedTranscriber

from app.audio.asr import DecodeRequest, Transcription
from app.audio.jobs import DecodeLedger
from app.audio.scheduler import DecodeScheduler, Entry, JobQueue
from app.audio.stream import DecodeJob


def job(
    kind: str = "final",
    seconds: float = 1.0,
    *,
    speculative: bool = False,
    ledger: DecodeLedger | None = None,
) -> DecodeJob:
    made = DecodeJob(
        kind=kind,  # type: ignore[arg-type]
        request=DecodeRequest(kind=kind),  # type: ignore[arg-type]
        audio=np.zeros(int(seconds * 16000), dtype=np.float32),
        offset=0.0,
        piece=1,
        start=0.0,
        end=seconds,
        end_chunk=0,
        speculative=speculative,
        ledger=ledger,
    )
    return made if ledger is None else ledger.plan(made)


def entry(call: str, track: str, kind: str = "final", at: float = 0.0, *, speculative: bool = False) -> Entry:
    return Entry((call, track), job(kind, speculative=speculative), lambda _j, _r: None, at)


def drain(queue: JobQueue) -> list[tuple[str, str, str]]:
    out = []
    while (e := queue.pop()) is not None:
        out.append((e.key[0], e.key[1], e.job.kind))
    return out


def test_queue_finals_before_partials() -> None:
    queue = JobQueue()
    queue.push(entry("a", "interviewer", "partial"))
    queue.push(entry("b", "customer", "final"))
    assert drain(queue) == [("b", "customer", "final"), ("a", "interviewer", "partial")]


def test_queue_calls_and_tracks_take_turns() -> None:
    queue = JobQueue()
    for _ in range(2):
        queue.push(entry("a", "interviewer"))
        queue.push(entry("a", "customer"))
    queue.push(entry("b", "interviewer"))
    order = drain(queue)
    # call b does not wait behind all of call a's finals
    assert [c for c, _, _ in order] == ["a", "b", "a", "a", "a"]
    assert [t for c, t, _ in order if c == "a"] == ["interviewer", "customer", "interviewer", "customer"]


def test_queue_keeps_only_the_newest_partial_of_a_track() -> None:
    queue = JobQueue()
    old = entry("a", "interviewer", "partial")
    new = entry("a", "interviewer", "partial")
    assert queue.push(old) == []
    assert queue.push(new) == [old]
    assert queue.pop() is new and queue.pop() is None


def test_queue_final_makes_the_tracks_waiting_partial_stale_never_the_reverse() -> None:
    queue = JobQueue()
    partial = entry("a", "interviewer", "partial")
    final = entry("a", "interviewer", "final")
    queue.push(partial)
    assert queue.push(final) == [partial]
    assert queue.push(entry("a", "interviewer", "partial")) == []
    assert [k for _, _, k in drain(queue)] == ["final", "partial"]


def test_queue_oldest_and_remove() -> None:
    queue = JobQueue()
    queue.push(entry("a", "interviewer", "final", at=5.0))
    queue.push(entry("b", "customer", "partial", at=3.0))
    assert queue.oldest() == 3.0 and len(queue) == 2
    assert len(queue.remove(("b", "customer"))) == 1
    assert queue.oldest() == 5.0
    assert drain(queue) == [("a", "interviewer", "final")]


async def test_scheduler_runs_jobs_on_one_thread_and_reports_back_in_the_loop() -> None:
    threads: set[int] = set()

    class Recorder(ScriptedTranscriber):
        def transcribe(self, audio: np.ndarray, request: DecodeRequest) -> Transcription:
            threads.add(threading.get_ident())
            return super().transcribe(audio, request)

    scheduler = DecodeScheduler(Recorder(delay=0.01))
    await scheduler.start()
    loop_thread = threading.get_ident()
    done: list[tuple[DecodeJob, bool]] = []
    finished = asyncio.Event()

    def on_done(j: DecodeJob, result: Transcription | None) -> None:
        assert threading.get_ident() == loop_thread
        done.append((j, result is not None))
        if len(done) == 6:
            finished.set()

    jobs = [job() for _ in range(6)]
    for k, j in enumerate(jobs):
        scheduler.submit((f"call{k % 3}", "customer"), j, on_done)
    await asyncio.wait_for(finished.wait(), 5)
    await scheduler.aclose()
    assert len(threads) == 1 and loop_thread not in threads
    assert {id(j) for j, ok in done if ok} == {id(j) for j in jobs}
    assert scheduler.stats.finals == 6


async def test_scheduler_skips_cancelled_and_reports_them_dropped() -> None:
    scheduler = DecodeScheduler(ScriptedTranscriber(delay=0.05))
    results: dict[int, bool] = {}
    ledger = DecodeLedger()
    blocker, cancelled = job(), job(ledger=ledger)
    ledger.cancel(cancelled)  # the processor withdrew it while it waited
    everything = asyncio.Event()

    def on_done(j: DecodeJob, result: Transcription | None) -> None:
        results[id(j)] = result is not None
        if len(results) == 2:
            everything.set()

    await scheduler.start()
    scheduler.submit(("a", "customer"), blocker, on_done)
    scheduler.submit(("a", "customer"), cancelled, on_done)
    await asyncio.wait_for(everything.wait(), 5)
    await scheduler.aclose()
    assert results == {id(blocker): True, id(cancelled): False}
    assert scheduler.stats.cancelled == 1 and scheduler.stats.finals == 1


async def test_scheduler_queue_lag_grows_while_the_worker_is_busy() -> None:
    now = [0.0]
    scheduler = DecodeScheduler(ScriptedTranscriber(delay=0.2), clock=lambda: now[0])
    await scheduler.start()
    scheduler.submit(("a", "customer"), job(), lambda _j, _r: None)
    await asyncio.sleep(0.02)  # the worker took the first job
    scheduler.submit(("a", "customer"), job(), lambda _j, _r: None)
    now[0] = 1.5
    assert scheduler.queue_lag == pytest.approx(1.5)
    await scheduler.aclose()


async def test_scheduler_survives_a_failing_recogniser() -> None:
    class Broken:
        def transcribe(self, audio: np.ndarray, request: DecodeRequest) -> Transcription:
            raise RuntimeError("boom")

    scheduler = DecodeScheduler(Broken())
    got: list[Transcription | None] = []
    flag = asyncio.Event()
    await scheduler.start()
    scheduler.submit(("a", "customer"), job(), lambda _j, r: (got.append(r), flag.set()))
    await asyncio.wait_for(flag.wait(), 5)
    await scheduler.aclose()
    assert got == [None]


def test_queue_confirmed_finals_before_speculative_ones() -> None:
    queue = JobQueue()
    spec = entry("a", "interviewer", "final", speculative=True)
    queue.push(spec)
    queue.push(entry("b", "customer", "partial"))
    queue.push(entry("c", "customer", "final"))
    assert drain(queue) == [
        ("c", "customer", "final"),
        ("a", "interviewer", "final"),
        ("b", "customer", "partial"),
    ]


async def test_scheduler_drops_partials_while_behind() -> None:
    now = [0.0]
    scheduler = DecodeScheduler(ScriptedTranscriber(delay=0.2), clock=lambda: now[0], partial_max_lag=1.0)
    await scheduler.start()
    dropped: list[bool] = []
    scheduler.submit(("a", "customer"), job(), lambda _j, _r: None)
    await asyncio.sleep(0.02)
    scheduler.submit(("a", "customer"), job(), lambda _j, _r: None)
    now[0] = 2.0
    scheduler.submit(("b", "customer"), job("partial"), lambda _j, r: dropped.append(r is None))
    assert dropped == [True] and scheduler.stats.dropped_partials == 1
    await scheduler.aclose()


async def test_scheduler_speculates_only_with_spare_time() -> None:
    scheduler = DecodeScheduler(ScriptedTranscriber(delay=0.1))
    await scheduler.start()
    outcome: list[bool] = []
    first = asyncio.Event()
    scheduler.submit(("a", "customer"), job(), lambda _j, _r: first.set())
    spec = job(speculative=True)
    scheduler.submit(("b", "customer"), spec, lambda _j, r: outcome.append(r is None))
    assert outcome == [True] and scheduler.stats.skipped_speculations == 1
    await asyncio.wait_for(first.wait(), 5)
    spec2 = job(speculative=True)
    second = asyncio.Event()
    scheduler.submit(("b", "customer"), spec2, lambda _j, r: (outcome.append(r is None), second.set()))
    await asyncio.wait_for(second.wait(), 5)
    assert outcome == [True, False]
    await scheduler.aclose()


async def test_scheduler_partials_get_at_most_a_share_of_the_worker() -> None:
    now = [0.0]
    scheduler = DecodeScheduler(ScriptedTranscriber(partial_delay=0.05), clock=lambda: now[0])
    await scheduler.start()
    scheduler._partial_cost = 0.5  # partials have been taking 0.5 s each
    got: list[bool] = []
    scheduler.submit(("a", "customer"), job("partial"), lambda _j, r: got.append(r is None))
    now[0] = 1.0  # 1 s later: under 4 x 0.5 s, too soon
    scheduler.submit(("a", "customer"), job("partial"), lambda _j, r: got.append(r is None))
    assert got == [True]
    await scheduler.aclose()


async def test_scheduler_with_two_slots_decodes_two_jobs_at_once_finals_first() -> None:
    running: list[int] = []
    most = [0]
    started: list[float] = []  # seconds of audio of each decode, in the order they started
    order: list[str] = []
    lock = threading.Lock()

    class Overlap(ScriptedTranscriber):
        def transcribe(self, audio: np.ndarray, request: DecodeRequest) -> Transcription:
            with lock:
                running.append(1)
                started.append(len(audio) / 16000)
                most[0] = max(most[0], len(running))
            try:
                return super().transcribe(audio, request)
            finally:
                with lock:
                    running.pop()

    scheduler = DecodeScheduler(Overlap(delay=0.2), slots=2)
    await scheduler.start()
    finished = asyncio.Event()
    jobs = [job(), job(), job("partial", 2.0), job()]

    def on_done(j: DecodeJob, result: Transcription | None) -> None:
        order.append(j.kind)
        if len(order) == len(jobs):
            finished.set()

    for k, j in enumerate(jobs):
        scheduler.submit((f"call{k}", "customer"), j, on_done)
    await asyncio.wait_for(finished.wait(), 5)
    await scheduler.aclose()
    assert most[0] == 2  # two decodes overlapped
    assert started == [1.0, 1.0, 1.0, 2.0]  # the finals still went first, the partial after them
    assert scheduler.stats.finals == 3 and scheduler.stats.partials == 1
