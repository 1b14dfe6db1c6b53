"""Interviewer statements: hot tips, pitches and reflections."""

from __future__ import annotations

from collections.abc import Sequence

from nlp.detectors.base import Analysis, Finding
from nlp.rules import RuleHit
from nlp.types import Flag, Speaker


class StatementDetector:
    """Flags what the interviewer tells rather than asks.

    A hot tip or pitch cue inside a question counts only when it opens the question
    ("Did you know you can schedule it?"); elsewhere in a question ("What do you think you
    should do?") it is the customer's idea being asked about. A reflection is a statement,
    never a question.
    """

    speakers: frozenset[Speaker] = frozenset({"interviewer"})

    def detect(self, analysis: Analysis) -> Sequence[Finding]:
        findings: list[Finding] = []
        for flag in (Flag.HOT_TIP, Flag.PITCH):
            hit = next((h for h in analysis.labelled(flag.value) if self._tells(analysis, h)), None)
            if hit is not None:
                findings.append(Finding(flag, hit.rule.id, analysis.text(hit.start, hit.end)))
        for hit in analysis.labelled(Flag.REFLECTION.value):
            clause = analysis.clause_of(hit.start)
            if clause is None or not clause.asks:
                findings.append(Finding(Flag.REFLECTION, hit.rule.id, analysis.text(hit.start, hit.end)))
                break
        return findings

    @staticmethod
    def _tells(analysis: Analysis, hit: RuleHit) -> bool:
        clause = analysis.clause_of(hit.start)
        if clause is not None and clause.asks and hit.start > clause.head:
            return False
        if hit.rule.label != Flag.HOT_TIP.value:
            return True
        # Words in a sentence that paraphrases the customer are theirs, not advice ("It
        # sounds like you need to get some rest"); a sentence about what we will ship is a
        # pitch ("Our next release will fix that").
        sentence = analysis.doc[hit.start].sent
        return not any(
            sentence.start <= other.start < sentence.end
            for label in (Flag.REFLECTION.value, Flag.PITCH.value)
            for other in analysis.labelled(label)
        )
