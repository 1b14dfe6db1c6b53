"""Who is the interviewer: the named speaker, the speaker who asks the most questions, or the
roles a JSONL file already gives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.transcripts.model import TranscriptError
from nlp.types import SPEAKERS, Speaker


def names_are_roles(names: Sequence[str]) -> bool:
    """True when the speakers are written as roles (`interviewer`, `customer`), as `secondear tag` reads."""
    return bool(names) and all(n.casefold() in SPEAKERS for n in names)


def find_speaker(names: Sequence[str], wanted: str, source: str) -> str:
    """The speaker `wanted` names: exactly (ignoring case), else the only one whose first name it is."""
    folded = wanted.casefold().strip()
    exact = [n for n in names if n.casefold() == folded]
    if exact:
        return exact[0]
    partial = [n for n in names if n.casefold().split()[:1] == [folded] or n.casefold().startswith(folded)]
    if len(partial) == 1:
        return partial[0]
    listed = ", ".join(names)
    raise TranscriptError(
        source, None, f"no single speaker matches --interviewer {wanted!r}; speakers: {listed}"
    )


def assign_roles(
    names: Sequence[str],
    questions: Mapping[str, int],
    *,
    interviewer: str | None = None,
    source: str = "transcript",
    one_voice: bool = False,
) -> dict[str, Speaker]:
    """Map each speaker name to a role.

    `interviewer` (the --interviewer option) wins; then roles written in the file; then the
    speaker who asked the most questions (the first to speak among equals). Everyone else
    is the customer.

    `one_voice`: a recording where only one voice was heard has one speaker, the interviewer if
    named so or if they ask a question, else the customer. A transcript with one speaker is
    still refused: its other person was not written down.
    """
    if one_voice and len(names) == 1:
        only = names[0]
        named = interviewer is not None and only.casefold() == interviewer.casefold()
        asks = named if interviewer is not None else questions.get(only, 0) > 0
        return {only: "interviewer" if asks else "customer"}
    if len(names) < 2:
        only = names[0] if names else "nobody"
        raise TranscriptError(
            source, None, f"only one speaker ({only}); a report needs the interviewer and the customer"
        )
    if interviewer is not None:
        chosen = find_speaker(names, interviewer, source)
    elif names_are_roles(names):
        return {n: "interviewer" if n.casefold() == "interviewer" else "customer" for n in names}
    else:
        chosen = max(names, key=lambda n: (questions.get(n, 0), -names.index(n)))
    return {n: "interviewer" if n == chosen else "customer" for n in names}
