"""Fixing who is who after a call: rename the interviewer or the customer, or swap them (the
capture page was opened by the wrong person). The report is then built again from the fixed
inputs, with every turn tagged again for its new role (questions count for the interviewer,
pains and workarounds for the customer)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from nlp.types import Interval, Speaker, Tag, TaggedUtterance, Utterance

OTHER: dict[Speaker, Speaker] = {"interviewer": "customer", "customer": "interviewer"}


@dataclass(frozen=True)
class SpeakerFix:
    """What the user changed on the report page."""

    swap: bool = False
    """The interviewer's turns and speech were the customer's, and the other way round."""
    names: Mapping[Speaker, str] = field(default_factory=dict)
    """New display names by role (after the swap)."""

    @property
    def empty(self) -> bool:
        return not self.swap and not self.names


def fix_speakers(
    tagged: Sequence[TaggedUtterance],
    speech: Mapping[Speaker, Sequence[Interval]],
    fix: SpeakerFix,
    retag: Callable[[list[Utterance]], list[Tag]],
) -> tuple[list[TaggedUtterance], dict[Speaker, list[Interval]]]:
    """The report's inputs with the roles swapped when asked (turns tagged again by `retag`)."""
    if not fix.swap:
        return list(tagged), {role: list(spans) for role, spans in speech.items()}
    utterances = [
        Utterance(
            OTHER[t.utterance.speaker], t.utterance.text, t.utterance.start, t.utterance.end, t.utterance.id
        )
        for t in tagged
    ]
    tags = retag(utterances)
    swapped = {OTHER[role]: list(spans) for role, spans in speech.items()}
    return [TaggedUtterance(u, tag) for u, tag in zip(utterances, tags, strict=True)], swapped


def fixed_names(
    interviewer: str | None, customer: str | None, fix: SpeakerFix
) -> tuple[str | None, str | None]:
    """(interviewer name, customer name) after the fix: swapped with the roles, then renamed."""
    if fix.swap:
        interviewer, customer = customer, interviewer
    return fix.names.get("interviewer", interviewer), fix.names.get("customer", customer)
