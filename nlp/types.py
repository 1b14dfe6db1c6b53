"""The vocabulary every part of SecondEar shares: speakers, utterances, flags and tags.

Plain frozen dataclasses with no behaviour, so the detectors, the speech engine, the
server and the reports can pass them around without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Speaker = Literal["interviewer", "customer"]
SPEAKERS: tuple[Speaker, ...] = ("interviewer", "customer")

QuestionForm = Literal["open", "closed"]


class Flag(StrEnum):
    """What a detector can say about one utterance. The values are the public names."""

    # interviewer
    CLOSED_QUESTION = "closed_question"
    LEADING_QUESTION = "leading_question"
    HYPOTHETICAL_QUESTION = "hypothetical_question"
    STACKED_QUESTIONS = "stacked_questions"
    COMPLIMENT_FISHING = "compliment_fishing"
    HOT_TIP = "hot_tip"
    PITCH = "pitch"
    REFLECTION = "reflection"
    # customer
    WORKAROUND = "workaround"
    PAIN = "pain"


INTERVIEWER_FLAGS: frozenset[Flag] = frozenset(
    {
        Flag.CLOSED_QUESTION,
        Flag.LEADING_QUESTION,
        Flag.HYPOTHETICAL_QUESTION,
        Flag.STACKED_QUESTIONS,
        Flag.COMPLIMENT_FISHING,
        Flag.HOT_TIP,
        Flag.PITCH,
        Flag.REFLECTION,
    }
)
CUSTOMER_FLAGS: frozenset[Flag] = frozenset({Flag.WORKAROUND, Flag.PAIN})
# Flags that describe a good behaviour or an opportunity, not a mistake to coach.
POSITIVE_FLAGS: frozenset[Flag] = frozenset({Flag.REFLECTION, Flag.WORKAROUND, Flag.PAIN})


@dataclass(frozen=True, slots=True)
class Utterance:
    """One turn of speech as text.

    `start`/`end` are seconds from the start of the call when known (audio, timed
    transcripts), else None; reports fall back to word counts then.
    """

    speaker: Speaker
    text: str
    start: float | None = None
    end: float | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class FlagHit:
    """One flag on one utterance, with the rule that fired and the words that made it fire.

    `rule_id` is the rule whose words are the evidence, or `model.<flag>` when the learned model
    found the flag without a rule; `evidence` quotes the words as they were said. `confidence`
    is the model's probability (1.0 when the rules alone decided); `live` is whether the flag
    is sure enough to reach the buddy during the call (else it is for the report only).
    """

    flag: Flag
    rule_id: str
    evidence: str
    message: str
    live: bool = True
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class Tag:
    """What the detectors found in one utterance.

    `question` is the MITI form of the question the customer is left to answer (None: no
    question). `message` is the coaching line of the most important flag; `suggestion` an
    open rephrase, set for closed questions.
    """

    question: QuestionForm | None = None
    hits: tuple[FlagHit, ...] = field(default_factory=tuple)
    message: str | None = None
    suggestion: str | None = None

    @property
    def flags(self) -> list[str]:
        """Flag names in a stable order, without repeats."""
        seen: dict[str, None] = {}
        for hit in self.hits:
            seen.setdefault(hit.flag.value, None)
        return list(seen)

    @property
    def live_hits(self) -> tuple[FlagHit, ...]:
        """The hits confident enough to be sent to the buddy during a call."""
        return tuple(hit for hit in self.hits if hit.live)

    @property
    def live_flags(self) -> list[str]:
        """Names of the live hits' flags, in the order of `flags`."""
        live = {hit.flag.value for hit in self.hits if hit.live}
        return [name for name in self.flags if name in live]


@dataclass(frozen=True, slots=True)
class TaggedUtterance:
    utterance: Utterance
    tag: Tag


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of speech on one track, in seconds of call time (end > start)."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start
