"""Interviewer questions: closed, stacked, leading, hypothetical, fishing for compliments."""

from __future__ import annotations

from collections.abc import Sequence

from nlp.detectors.base import Analysis, Finding
from nlp.types import Flag, Speaker

# Rule id given to a closed question that no cue decided: a bare '?' on a statement.
DECLARATIVE_RULE = "form.declarative"
# Flags whose rules fire on the wording of a question, wherever it sits in the turn's asking part.
WORDING_FLAGS = (Flag.LEADING_QUESTION, Flag.HYPOTHETICAL_QUESTION, Flag.COMPLIMENT_FISHING)
# Asking for a verdict on what we showed needs no question mark: Whisper drops it, and the ask is
# often a request ("and then a one to 5 score would be great", "any thoughts on ways to improve
# this"). Its cues count in a turn the clause splitter reads as asking nothing.
ASKS_WITHOUT_QUESTION = (Flag.COMPLIMENT_FISHING,)


class QuestionDetector:
    """Flags the questions of an interviewer turn."""

    speakers: frozenset[Speaker] = frozenset({"interviewer"})

    def detect(self, analysis: Analysis) -> Sequence[Finding]:
        asked = analysis.questions
        if not asked:
            return self._unasked(analysis)
        findings: list[Finding] = []
        last = next((c for c in reversed(asked) if not c.abandoned), asked[-1])
        if analysis.question == "closed":
            findings.append(
                Finding(
                    Flag.CLOSED_QUESTION, last.rule_id or DECLARATIVE_RULE, analysis.text(last.head, last.end)
                )
            )
        finished = [c for c in asked if not c.abandoned]
        if len(finished) >= 2:
            findings.append(
                Finding(
                    Flag.STACKED_QUESTIONS,
                    "form.stacked",
                    analysis.text(finished[0].head, finished[-1].end),
                )
            )
        # A wording cue counts in a question, or in the set-up before it ("Imagine you had a
        # magic wand. What would you change?"); after the last question it is a statement.
        for flag in WORDING_FLAGS:
            for hit in analysis.labelled(flag.value):
                if hit.start < last.end:
                    findings.append(Finding(flag, hit.rule.id, analysis.text(hit.start, hit.end)))
                    break
        return findings

    @staticmethod
    def _unasked(analysis: Analysis) -> list[Finding]:
        findings: list[Finding] = []
        for flag in ASKS_WITHOUT_QUESTION:
            hit = next(iter(analysis.labelled(flag.value)), None)
            if hit is not None:
                findings.append(Finding(flag, hit.rule.id, analysis.text(hit.start, hit.end)))
        return findings
