"""What the report calls things and says about timing moments. The names and suggestions
are the live cards' own, from `nlp/rules/messages.jsonl` (the one wording source); only the
report's own sentences about a finished monologue live here."""

from __future__ import annotations

from nlp.messages import load_wording

_WORDING = load_wording()

# The listening score of a call with no evidence for any part (nothing said, one voice heard).
NO_SCORE = "Not scored: too little of the conversation was heard"
MONOLOGUE_MESSAGE = "A long monologue: the customer listened instead of telling."
MONOLOGUE_SUGGESTION = _WORDING["monologue"].suggestion
INTERRUPTION_MESSAGE = _WORDING["interruption"].message
INTERRUPTION_SUGGESTION = _WORDING["interruption"].suggestion

# Flags that make an interviewer utterance a moment to review, most important first; the
# first one present names the moment's kind.
MOMENT_FLAGS: tuple[str, ...] = (
    "leading_question",
    "compliment_fishing",
    "hypothetical_question",
    "pitch",
    "hot_tip",
    "stacked_questions",
    "closed_question",
)
QUESTION_PROBLEM_FLAGS: frozenset[str] = frozenset(
    {"leading_question", "hypothetical_question", "stacked_questions", "compliment_fishing"}
)

FLAG_LABELS: dict[str, str] = {
    **{kind: w.title for kind, w in _WORDING.items()},
    "follow_up": "Follow up",
    "buddy_flag": "Flagged by the buddy",
    "note": "Buddy\u2019s note",
}
# Moment kinds about timing rather than words (live timing nudges included).
TIMING_KINDS: frozenset[str] = frozenset(
    {"monologue", "interruption", "talk_share", "no_patience", "rapid_fire"}
)


def label(kind: str) -> str:
    """A reader's name for a flag or moment kind ("closed_question" -> "Closed question")."""
    return FLAG_LABELS.get(kind, kind.replace("_", " ").capitalize())
