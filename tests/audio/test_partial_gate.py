"""Back-pressure for partials (`PartialGate`) on a scripted timeline: partials give way under load
(a share of the decoder, a hold once a final waited), finals never do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
from audio_fakes import ScriptedTranscriber

from app.audio.asr import DecodeRequest, Transcription
from app.audio.jobs import DecodeJob
from app.audio.scheduler import DecodeScheduler, PartialGate


def job(kind: str) -> DecodeJob:
    return DecodeJob(
        kind=kind,  # type: ignore[arg-type]
        request=DecodeRequest(kind=kind),  # type: ignore[arg-type]
        audio=np.zeros(16000, dtype=np.float32),
        offset=0.0,
        piece=1,
        start=0.0,
        end=1.0,
        end_chunk=0,
    )


# (time, seconds of a partial decode that ended then (0: none), does the gate let a partial through?)
SHARE_TIMELINE = [
    (0.0, 0.0, True),
    (1.0, 1.0, True),
    (2.0, 1.0, True),
    (2.5, 0.9, True),  # 2.9 s of the 3 s partials may take in 10 s
    (3.0, 0.2, False),  # 3.1 s: over 30 % of the decoder
    (10.5, 0.0, False),  # still 3.1 s in the last 10 s
    (11.5, 0.0, True),  # the decode that ended at t=1 left the window: 2.1 s
]


def test_partial_gate_partials_get_a_share_of_the_decoder_over_a_window() -> None:
    gate = PartialGate(share=0.3, window=10.0)
    for at, seconds, allowed in SHARE_TIMELINE:
        if seconds:
            gate.partial_decoded(at, seconds)
        assert gate.allows(at) is allowed, at


@pytest.mark.parametrize(
    ("waited", "at", "allowed"),
    [
        (0.1, 5.5, True),  # a final that did not wait: no hold
        (0.25, 5.5, True),  # at the limit: no hold
        (0.6, 5.0, False),  # it waited: no partials ...
        (0.6, 8.9, False),
        (0.6, 9.1, True),  # ... for `hold` seconds
    ],
)
def test_partial_gate_holds_partials_once_a_final_waited(waited: float, at: float, allowed: bool) -> None:
    gate = PartialGate(final_wait=0.25, hold=4.0)
    gate.final_started(5.0, waited)
    assert gate.allows(at) is allowed


async def test_scheduler_drops_a_waiting_partial_once_a_final_waited_and_never_a_final() -> None:
    now = [0.0]
    scheduler = DecodeScheduler(ScriptedTranscriber(delay=0.1), clock=lambda: now[0])
    await scheduler.start()
    results: dict[str, bool] = {}
    all_done = asyncio.Event()

    def done(name: str) -> Callable[[DecodeJob, Transcription | None], None]:
        def record(_job: DecodeJob, result: Transcription | None) -> None:
            results[name] = result is not None
            if len(results) == 5:
                all_done.set()

        return record

    scheduler.submit(("a", "customer"), job("final"), done("final a"))  # starts at once
    await asyncio.sleep(0.02)
    scheduler.submit(("b", "customer"), job("partial"), done("partial b"))  # queued: the gate is open
    scheduler.submit(("c", "customer"), job("final"), done("final c"))
    now[0] = 1.0  # final c starts one second after it was queued: load
    await asyncio.sleep(0.3)
    assert results == {"final a": True, "final c": True, "partial b": False}
    assert not scheduler.partial_gate.allows(now[0])
    scheduler.submit(("b", "customer"), job("partial"), done("partial b again"))
    assert results["partial b again"] is False  # refused at once while held
    now[0] = 6.0  # the hold (4 s from t=1) is over
    scheduler.submit(("b", "customer"), job("partial"), done("partial b later"))
    await asyncio.wait_for(all_done.wait(), 5)
    assert results["partial b later"] is True
    assert scheduler.stats.finals == 2 and scheduler.stats.dropped_partials == 2
    await scheduler.aclose()
