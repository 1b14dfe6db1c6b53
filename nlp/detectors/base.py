"""What every detector reads (an Analysis of one utterance) and returns (Findings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from spacy.tokens import Doc

from nlp.detectors.clauses import Clause
from nlp.rules import RuleHit
from nlp.types import Flag, QuestionForm, Speaker

NOT_PREFIX = "not_"


@dataclass(frozen=True, slots=True)
class Finding:
    """A flag a detector raised, before the pipeline adds its coaching line."""

    flag: Flag
    rule_id: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Analysis:
    """One utterance parsed, matched against every rule and split into clauses."""

    doc: Doc
    speaker: Speaker
    hits: tuple[RuleHit, ...]
    clauses: tuple[Clause, ...]
    question: QuestionForm | None
    """The form of the last question asked (see clauses.turn_form)."""

    def labelled(self, label: str) -> list[RuleHit]:
        """Hits of rules with this label that sit where their rule's anchor says.

        A rule labelled `not_<label>` vetoes the hits it overlaps, as medspacy's pseudo
        modifiers do ("would it be okay" is permission, not a hypothetical).
        """
        vetoes = [h for h in self.hits if h.rule.label == NOT_PREFIX + label]
        return [
            hit
            for hit in self.hits
            if hit.rule.label == label
            and self.anchored(hit)
            and not any(v.start < hit.end and hit.start < v.end for v in vetoes)
        ]

    def anchored(self, hit: RuleHit) -> bool:
        """`start` rules must begin a clause (after fillers), `end` rules must close one."""
        if hit.rule.anchor == "any":
            return True
        clause = self.clause_of(hit.start)
        if clause is None:
            return False
        if hit.rule.anchor == "start":
            # Only fillers may come before it; the rule may match them ("so you ...").
            return hit.start <= clause.head < hit.end
        last = clause.end
        while last > clause.head + 1 and self.doc[last - 1].is_punct and self.doc[last - 1].text != "?":
            last -= 1
        return hit.end == last

    def text(self, start: int, end: int) -> str:
        return self.doc[start:end].text.strip()

    def clause_of(self, token: int) -> Clause | None:
        for clause in self.clauses:
            if clause.start <= token < clause.end:
                return clause
        return None

    @property
    def questions(self) -> list[Clause]:
        return [c for c in self.clauses if c.asks]


class Detector(Protocol):
    """Reads an Analysis and returns findings; keeps no state between calls."""

    speakers: frozenset[Speaker]

    def detect(self, analysis: Analysis) -> Sequence[Finding]: ...
