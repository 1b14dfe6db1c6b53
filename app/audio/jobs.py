"""Decode jobs and the one place their state changes.

A `DecodeJob` is a request, fixed when the stream processor plans it: which audio, which decode
settings, where the piece sits on the call clock. It never changes, so the scheduler (this
process's or `app.scale.remote`'s) and the engine can hold and pass it around freely.

What does change (a speculative final confirmed at its endpoint; a job withdrawn because speech
went on, its piece closed or its track stopped; the result once it came back) lives in the
planning processor's `DecodeLedger`, and only the processor writes it. The job's `cancelled` and
`confirmed` are read-only views of that ledger, for the scheduler's pick policy.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from enum import Enum

from app.audio.asr import DecodeKind, DecodeRequest, Transcription
from app.audio.frames import SAMPLE_RATE, Samples


@dataclass(frozen=True, eq=False)
class DecodeJob:
    """One piece of a track's audio to decode. Immutable; compared and hashed by identity."""

    kind: DecodeKind
    request: DecodeRequest
    audio: Samples
    offset: float
    """Call time of audio[0]."""
    piece: int
    """Which piece of the track (segments and forced splits are numbered in order)."""
    start: float
    """Call time the piece's speech starts."""
    end: float
    """Call time the piece's speech ends (for partials: the last audio heard)."""
    end_chunk: int
    speculative: bool = False
    """A final planned before its endpoint: its text counts only once the endpoint confirms it."""
    trailing: bool = True
    """The piece ends where speech stopped (not at a forced split): its audio has a silent tail."""
    ledger: DecodeLedger | None = field(default=None, repr=False)
    """Where the job's state is kept (its planner's); None for a job nobody withdraws (tests, tools)."""

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    @property
    def cancelled(self) -> bool:
        """Its result is no longer wanted: the scheduler skips it."""
        return self.ledger is not None and self.ledger.state(self) is JobState.CANCELLED

    @property
    def confirmed(self) -> bool:
        """False for a speculative final until its endpoint comes (the scheduler puts it last)."""
        return not self.speculative if self.ledger is None else self.ledger.confirmed(self)


class JobState(Enum):
    SPECULATIVE = "speculative"
    """A final planned before its endpoint: decoded if there is spare time, said only if confirmed."""
    WANTED = "wanted"
    """Its text is awaited."""
    CANCELLED = "cancelled"
    """Withdrawn: speech went on, its piece closed, the scheduler had no time for it, or the track
    stopped. Final: nothing brings a job back."""


# The changes the ledger accepts; anything else is a bug in the planner and raises.
_MOVES: dict[JobState, frozenset[JobState]] = {
    JobState.SPECULATIVE: frozenset({JobState.WANTED, JobState.CANCELLED}),
    JobState.WANTED: frozenset({JobState.CANCELLED}),
    JobState.CANCELLED: frozenset({JobState.CANCELLED}),
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A job's result as it came back."""

    result: Transcription
    """What Whisper heard (empty when the decode was dropped or failed)."""
    packed: bool = False
    """Decoded in one window with the pieces that follow it (offline): a word running past the
    piece's end is real speech, not Whisper filling a silent tail."""


@dataclass
class _Entry:
    state: JobState
    confirmed: bool
    """Not (or no longer) waiting for an endpoint; stays as it was when the job is withdrawn."""
    answer: Answer | None = None


class DecodeLedger:
    """The state of one planner's jobs. Entries live as long as their job (weak keys): a job the
    scheduler still holds keeps its state, one nobody holds any more takes it along."""

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[DecodeJob, _Entry] = weakref.WeakKeyDictionary()

    def plan(self, job: DecodeJob) -> DecodeJob:
        """Start keeping `job` (planned by this ledger's owner); returns it."""
        if job.ledger is not self:
            raise ValueError("a job is kept by the ledger it names")
        if job in self._entries:
            raise ValueError("the job is planned already")
        if job.speculative:
            self._entries[job] = _Entry(JobState.SPECULATIVE, confirmed=False)
        else:
            self._entries[job] = _Entry(JobState.WANTED, confirmed=True)
        return job

    def state(self, job: DecodeJob) -> JobState:
        return self._entry(job).state

    def confirmed(self, job: DecodeJob) -> bool:
        return self._entry(job).confirmed

    def confirm(self, job: DecodeJob) -> None:
        """A speculative final's endpoint came where it was planned: its text is wanted."""
        self._move(job, JobState.WANTED)
        self._entry(job).confirmed = True

    def cancel(self, job: DecodeJob) -> None:
        """Its result is no longer wanted (a result already in is forgotten with it)."""
        self._move(job, JobState.CANCELLED)

    def cancel_all(self) -> None:
        """The track stops: nothing it planned is wanted any more."""
        for entry in self._entries.values():
            entry.state = JobState.CANCELLED

    def answer(self, job: DecodeJob, result: Transcription, *, packed: bool = False) -> bool:
        """Keep `job`'s result; False when it does not count (withdrawn, or answered already: a
        second answer comes when a slow decode worker was taken over)."""
        entry = self._entry(job)
        if entry.state is JobState.CANCELLED or entry.answer is not None:
            return False
        entry.answer = Answer(result, packed)
        return True

    def answer_of(self, job: DecodeJob) -> Answer | None:
        """The answer if it is in and still wanted, else None."""
        entry = self._entry(job)
        return None if entry.state is JobState.CANCELLED else entry.answer

    @property
    def awaiting(self) -> int:
        """Jobs whose result is wanted and not in yet: while any, the track has text to come."""
        return sum(
            1 for e in self._entries.values() if e.state is not JobState.CANCELLED and e.answer is None
        )

    def _entry(self, job: DecodeJob) -> _Entry:
        entry = self._entries.get(job)
        if entry is None:
            raise KeyError("a job this ledger did not plan")
        return entry

    def _move(self, job: DecodeJob, to: JobState) -> None:
        entry = self._entry(job)
        if to not in _MOVES[entry.state]:
            raise ValueError(f"a {entry.state.value} job cannot become {to.value}")
        entry.state = to
