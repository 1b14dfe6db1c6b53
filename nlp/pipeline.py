"""The tagger: text in, question form and flags out, for one utterance or a batch.

    tagger = Tagger.load()
    tag = tagger.tag(Utterance("interviewer", "Do you use Excel for this?"))
    tag.question, tag.flags, tag.message, tag.suggestion

Each utterance is cleaned of fillers, stutters and repeated phrases (speech.py, which keeps the
original words for evidence), parsed by spaCy, matched against every rule file at once, split
into clauses, and read by the rule detectors. The learned model (linear.py, trained by
training.py) then reads the words and what the rules found, and decides (decide.py) which flags
hold, how confident each is, and which are confident enough to be sent live. The Tagger holds
only read-only state after construction, so one instance may serve every call of a server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import ModelError
from models.spacy_model import load_spacy
from nlp.decide import decide
from nlp.detectors.base import Analysis, Detector, Finding
from nlp.detectors.clauses import split_clauses, turn_form
from nlp.detectors.customer import CustomerDetector
from nlp.detectors.questions import QuestionDetector
from nlp.detectors.statements import StatementDetector
from nlp.features import features
from nlp.linear import LinearModel
from nlp.messages import Coaching, load_messages
from nlp.rules import RULES_DIR, Rule, RuleMatcher, load_rule_files
from nlp.speech import Cleaned, clean
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


MODEL_FILE = Path(__file__).parent / "models" / "detectors.json"


def load_model(path: Path = MODEL_FILE) -> LinearModel:
    """The trained model shipped in the package; a missing or broken file is one clear ModelError."""
    try:
        return LinearModel.load(path)
    except OSError as exc:
        raise ModelError(
            f"the detectors' model {path} cannot be read ({exc.strerror or exc}); run make train"
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"the detectors' model {path} is not a model file ({exc}); run make train") from exc


def default_rule_paths() -> list[Path]:
    return [RULES_DIR / name for name in RULE_FILES]


@dataclass(frozen=True, slots=True)
class Prepared:
    """One utterance cleaned, parsed and read by the rules: everything but the model's say."""

    cleaned: Cleaned
    analysis: Analysis
    findings: tuple[Finding, ...]
    features: tuple[str, ...]


class Tagger:
    """Runs the rules, the detectors and the learned model over utterances."""

    def __init__(
        self,
        nlp: Language,
        rules: Sequence[Rule] | None = None,
        messages: dict[Flag, Coaching] | None = None,
        model: LinearModel | None = None,
    ) -> None:
        self.nlp = nlp
        self.rules: tuple[Rule, ...] = tuple(
            rules if rules is not None else load_rule_files(default_rule_paths())
        )
        self.matcher = RuleMatcher(nlp, self.rules)
        self.messages = messages if messages is not None else load_messages()
        self.suggester = Suggester()
        self.detectors: tuple[Detector, ...] = (QuestionDetector(), StatementDetector(), CustomerDetector())
        self.model = model
        """None: the rules alone decide, and every flag they raise is live (for training, tests)."""

    @classmethod
    def load(cls, spacy_model: str | None = None, *, use_model: bool = True) -> Tagger:
        """Load the spaCy pipeline (the override, else the default), every rule file and the model."""
        return cls(load_spacy(spacy_model), model=load_model() if use_model else None)

    def tag(self, utterance: Utterance) -> Tag:
        return self.tag_prepared(self._prepare(self.nlp, clean(utterance.text), utterance.speaker))

    def tag_many(self, utterances: Sequence[Utterance], batch_size: int = 256) -> list[Tag]:
        """Tag many utterances, parsing them in batches with nlp.pipe."""
        return [self.tag_prepared(p) for p in self.prepare_many(utterances, batch_size)]

    def prepare_many(self, utterances: Sequence[Utterance], batch_size: int = 256) -> list[Prepared]:
        cleaned = [clean(u.text) for u in utterances]
        docs = self.nlp.pipe((c.text for c in cleaned), batch_size=batch_size)
        return [
            self._prepared(c, self.analyze_doc(doc, u.speaker))
            for c, doc, u in zip(cleaned, docs, utterances, strict=True)
        ]

    def features_many(self, utterances: Sequence[Utterance]) -> list[tuple[str, ...]]:
        """The learned model's features of each utterance (for training)."""
        return [p.features for p in self.prepare_many(utterances)]

    def analyze(self, utterance: Utterance) -> Analysis:
        """The intermediate reading of one utterance (clauses, rule hits), for tests and tools."""
        return self.analyze_doc(self.nlp(clean(utterance.text).text), utterance.speaker)

    def analyze_doc(self, doc: Doc, speaker: Speaker) -> Analysis:
        hits = tuple(self.matcher(doc))
        clauses = tuple(split_clauses(doc, hits))
        return Analysis(doc=doc, speaker=speaker, hits=hits, clauses=clauses, question=turn_form(clauses))

    def _prepare(self, nlp: Language, cleaned: Cleaned, speaker: Speaker) -> Prepared:
        return self._prepared(cleaned, self.analyze_doc(nlp(cleaned.text), speaker))

    def _prepared(self, cleaned: Cleaned, analysis: Analysis) -> Prepared:
        findings: list[Finding] = []
        for detector in self.detectors:
            if analysis.speaker in detector.speakers:
                findings.extend(detector.detect(analysis))
        return Prepared(cleaned, analysis, tuple(findings), tuple(features(analysis, findings)))

    def tag_prepared(self, prepared: Prepared, model: LinearModel | None = None) -> Tag:
        """The tag of a prepared utterance, by `model` (else the tagger's own; None: rules only)."""
        model = model or self.model
        question, decided = decide(prepared, model)
        hits = tuple(
            FlagHit(d.flag, d.rule_id, d.evidence, self.messages[d.flag].message, d.live, d.confidence)
            for d in decided
        )
        top = min(decided, key=lambda d: self.messages[d.flag].rank, default=None)
        return Tag(
            question=question,
            hits=hits,
            message=self.messages[top.flag].message if top else None,
            suggestion=self.suggester.suggest(prepared.analysis, [d.flag for d in decided], self.messages),
        )
