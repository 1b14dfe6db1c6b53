"""The tagger: text in, question form and flags out, for one utterance or a batch.

    tagger = Tagger.load()
    tag = tagger.tag(Utterance("interviewer", "Do you use Excel for this?"))
    tag.question, tag.flags, tag.message, tag.suggestion

Each utterance is normalised (stutters, dashes), parsed by spaCy, matched against every rule
file at once, split into clauses, and read by the detectors. The Tagger holds only read-only
state after construction, so one instance may serve every call of a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from models.spacy_model import load_spacy
from nlp.detectors.base import Analysis, Detector, Finding
from nlp.detectors.clauses import split_clauses, turn_form
from nlp.detectors.customer import CustomerDetector
from nlp.detectors.questions import QuestionDetector
from nlp.detectors.statements import StatementDetector
from nlp.messages import Coaching, load_messages
from nlp.normalize import normalize
from nlp.rules import RULES_DIR, Rule, RuleMatcher, load_rule_files
from nlp.suggest import Suggester
from nlp.types import Flag, FlagHit, Speaker, Tag, Utterance

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

RULE_FILES: tuple[str, ...] = (
    "question_form.jsonl",
    "question_flags.jsonl",
    "hot_tip.jsonl",
    "pitch.jsonl",
    "reflection.jsonl",
    "customer.jsonl",
)


def default_rule_paths() -> list[Path]:
    return [RULES_DIR / name for name in RULE_FILES]


class Tagger:
    """Runs the rules and detectors over utterances."""

    def __init__(
        self,
        nlp: Language,
        rules: Sequence[Rule] | None = None,
        messages: dict[Flag, Coaching] | None = None,
    ) -> None:
        self.nlp = nlp
        self.rules: tuple[Rule, ...] = tuple(
            rules if rules is not None else load_rule_files(default_rule_paths())
        )
        self.matcher = RuleMatcher(nlp, self.rules)
        self.messages = messages if messages is not None else load_messages()
        self.suggester = Suggester()
        self.detectors: tuple[Detector, ...] = (QuestionDetector(), StatementDetector(), CustomerDetector())

    @classmethod
    def load(cls, spacy_model: str | None = None) -> Tagger:
        """Load the spaCy pipeline (the override, else the default) and every rule file."""
        return cls(load_spacy(spacy_model))

    def tag(self, utterance: Utterance) -> Tag:
        return self._tag(self.analyze_doc(self.nlp(normalize(utterance.text)), utterance.speaker))

    def tag_many(self, utterances: Sequence[Utterance], batch_size: int = 256) -> list[Tag]:
        """Tag many utterances, parsing them in batches with nlp.pipe."""
        texts: Iterable[str] = (normalize(u.text) for u in utterances)
        docs = self.nlp.pipe(texts, batch_size=batch_size)
        return [self._tag(self.analyze_doc(doc, u.speaker)) for doc, u in zip(docs, utterances, strict=True)]

    def analyze(self, utterance: Utterance) -> Analysis:
        """The intermediate reading of one utterance (clauses, rule hits), for tests and tools."""
        return self.analyze_doc(self.nlp(normalize(utterance.text)), utterance.speaker)

    def analyze_doc(self, doc: Doc, speaker: Speaker) -> Analysis:
        hits = tuple(self.matcher(doc))
        clauses = tuple(split_clauses(doc, hits))
        return Analysis(doc=doc, speaker=speaker, hits=hits, clauses=clauses, question=turn_form(clauses))

    def _tag(self, analysis: Analysis) -> Tag:
        findings: list[Finding] = []
        for detector in self.detectors:
            if analysis.speaker in detector.speakers:
                findings.extend(detector.detect(analysis))
        hits = tuple(FlagHit(f.flag, f.rule_id, f.evidence, self.messages[f.flag].message) for f in findings)
        top = min(findings, key=lambda f: self.messages[f.flag].rank, default=None)
        return Tag(
            question=analysis.question,
            hits=hits,
            message=self.messages[top.flag].message if top else None,
            suggestion=self.suggester.suggest(analysis, [f.flag for f in findings], self.messages),
        )
