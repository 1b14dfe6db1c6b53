"""What the report says about moments no text rule raised: timing events. Kept in one place
so the wording can be reviewed (and changed) without reading the metrics."""

from __future__ import annotations

MONOLOGUE_MESSAGE = "A long monologue: the customer listened instead of telling."
MONOLOGUE_SUGGESTION = "Stop after a sentence or two and hand over with an open question."
INTERRUPTION_MESSAGE = "You started talking while the customer was still speaking."
INTERRUPTION_SUGGESTION = "Let them finish, then wait a beat: the best details come after a pause."

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
    "closed_question": "Closed question",
    "leading_question": "Leading question",
    "hypothetical_question": "Hypothetical question",
    "stacked_questions": "Stacked questions",
    "compliment_fishing": "Compliment fishing",
    "hot_tip": "Hot tip",
    "pitch": "Pitch",
    "reflection": "Reflection",
    "workaround": "Workaround",
    "pain": "Pain",
    "monologue": "Monologue",
    "interruption": "Interruption",
    "buddy_flag": "Flagged by the buddy",
    "note": "Buddy\u2019s note",
    "talk_share": "Talking too much",
    "no_patience": "No pause before replying",
    "rapid_fire": "Rapid back-and-forth",
}
# Moment kinds about timing rather than words (live timing nudges included).
TIMING_KINDS: frozenset[str] = frozenset(
    {"monologue", "interruption", "talk_share", "no_patience", "rapid_fire"}
)


def label(kind: str) -> str:
    """A reader's name for a flag or moment kind ("closed_question" -> "Closed question")."""
    return FLAG_LABELS.get(kind, kind.replace("_", " ").capitalize())
