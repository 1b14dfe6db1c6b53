"""Decode jobs alone: an immutable request, and the ledger that alone keeps what changes."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest

from app.audio.asr import DecodeRequest
from app.audio.jobs import DecodeJob, DecodeLedger, JobState


def planned(ledger: DecodeLedger, *, kind: str = "final", speculative: bool = False) -> DecodeJob:
    job = DecodeJob(
        kind=kind,  # type: ignore[arg-type]
        request=DecodeRequest(kind=kind),  # type: ignore[arg-type]
        audio=np.zeros(16000, dtype=np.float32),
        offset=0.0,
        piece=1,
        start=0.0,
        end=1.0,
        end_chunk=31,
        speculative=speculative,
        ledger=ledger,
    )
    return ledger.plan(job)


@pytest.mark.parametrize("field", ["kind", "audio", "end", "speculative", "trailing", "ledger"])
def test_jobs_a_job_cannot_be_changed_once_planned(field: str) -> None:
    job = planned(DecodeLedger())
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(job, field, None)


def test_jobs_cancelled_and_confirmed_are_views_of_the_ledger() -> None:
    ledger = DecodeLedger()
    spec = planned(ledger, speculative=True)
    assert (spec.confirmed, spec.cancelled, ledger.state(spec)) == (False, False, JobState.SPECULATIVE)
    ledger.confirm(spec)
    assert (spec.confirmed, spec.cancelled, ledger.state(spec)) == (True, False, JobState.WANTED)
    ledger.cancel(spec)
    assert (spec.confirmed, spec.cancelled) == (True, True)


def test_jobs_a_job_without_a_ledger_is_wanted_as_planned() -> None:
    bare = DecodeJob("final", DecodeRequest("final"), np.zeros(10, np.float32), 0.0, 1, 0.0, 1.0, 0)
    assert bare.confirmed and not bare.cancelled
    spec = dataclasses.replace(bare, speculative=True)
    assert not spec.confirmed and not spec.cancelled


@pytest.mark.parametrize(
    ("speculative", "moves", "refused"),
    [
        (True, ["cancel"], "confirm"),  # speech went on: the endpoint cannot bring it back
        (False, [], "confirm"),  # only a speculative final waits for confirmation
        (False, ["cancel"], "confirm"),
    ],
)
def test_jobs_the_ledger_refuses_illegal_moves(speculative: bool, moves: list[str], refused: str) -> None:
    ledger = DecodeLedger()
    job = planned(ledger, speculative=speculative)
    for move in moves:
        getattr(ledger, move)(job)
    with pytest.raises(ValueError, match="cannot become"):
        getattr(ledger, refused)(job)


def test_jobs_only_the_first_answer_to_a_wanted_job_counts() -> None:
    ledger = DecodeLedger()
    job, gone = planned(ledger), planned(ledger, kind="partial")
    ledger.cancel(gone)
    assert ledger.awaiting == 1
    assert ledger.answer(job, ()) and not ledger.answer(job, ())
    assert not ledger.answer(gone, ())
    assert ledger.awaiting == 0
    answer = ledger.answer_of(job)
    assert answer is not None and answer.result == () and not answer.packed
    assert ledger.answer_of(gone) is None


def test_jobs_cancel_all_withdraws_everything_wanted() -> None:
    ledger = DecodeLedger()
    jobs = [planned(ledger), planned(ledger, speculative=True), planned(ledger, kind="partial")]
    ledger.cancel_all()
    assert all(j.cancelled for j in jobs) and ledger.awaiting == 0


def test_jobs_a_ledger_keeps_only_its_own_jobs_and_forgets_them_with_the_job() -> None:
    ledger, other = DecodeLedger(), DecodeLedger()
    job = planned(other)
    with pytest.raises(ValueError, match="names"):
        ledger.plan(job)
    with pytest.raises(ValueError, match="already"):
        other.plan(job)
    with pytest.raises(KeyError):
        ledger.cancel(job)
    planned(ledger)  # held by nobody
    gc.collect()
    assert ledger.awaiting == 0 and other.awaiting == 1
