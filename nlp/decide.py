"""How the rules and the learned model combine into the flags of one utterance.

- Question form: the model's question head decides (none, open or closed); the rules' reading
  of the turn is one of its features. `closed_question` is raised exactly when the form is closed.
- Every other flag: the model's head for that flag decides whether it holds (probability at or
  above the `report` threshold), reading the rules' hits and the rule detectors' findings among
  its features. The evidence of a question flag is the question asked (all of them for a stack);
  of a statement, the words of the rule that found it, or when no rule did, the sentence whose
  words weigh most towards the flag.
- `live`: a flag reaches the buddy during the call only at the `live` threshold or above;
  below it, it is kept for the report.
- `hot_tip` is never raised in a turn about the call's own logistics (`VETOED_BY`), and
  `reflection` never in a statement that pitches (`VETOED_BY_FINDING`).
- Customer pains and workarounds (`rule_reports` in the thresholds): a rule hit alone also
  reports one, as a quote for the report; it still goes live only by the model's confidence.

Without a model (training, rule tests) the rules alone decide and every flag they raise is live.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nlp.detectors.base import Analysis, Finding
from nlp.linear import Head, LinearModel
from nlp.types import CUSTOMER_FLAGS, INTERVIEWER_FLAGS, Flag, QuestionForm

if TYPE_CHECKING:
    from nlp.pipeline import Prepared

QUESTION_HEAD = "question"
# Flags about how a question is asked: without a rule's words, the question is the evidence.
QUESTION_FLAGS = frozenset(
    {Flag.LEADING_QUESTION, Flag.HYPOTHETICAL_QUESTION, Flag.STACKED_QUESTIONS, Flag.COMPLIMENT_FISHING}
)
# A turn that names the call's own logistics (sharing a screen, the recording, the chat, the link
# sent: `call_logistics` in hot_tip.jsonl) is the moderator running the session, which the codebook
# says is not a hot tip, however much it sounds like one ("click the chat button at the top").
VETOED_BY: Mapping[Flag, str] = {Flag.HOT_TIP: "call_logistics"}
# A turn that asks nothing and describes what we are building ("Our next release will fix that")
# is a pitch, which the codebook keeps apart from a reflection (restating what the customer said),
# however much it sounds like one. In a turn that asks, a summary of the customer's requirements
# can be both (a requirements interview: "So we could allow the users to filter ... Would that
# work?"), so the veto holds only where nothing is asked.
VETOED_BY_FINDING: Mapping[Flag, Flag] = {Flag.REFLECTION: Flag.PITCH}


@dataclass(frozen=True, slots=True)
class Decided:
    flag: Flag
    rule_id: str
    evidence: str
    live: bool
    confidence: float


def _threshold_row(model: LinearModel, flag: Flag) -> dict[str, float]:
    table: Mapping[str, Mapping[str, float]] = model.meta.get("thresholds", {})
    return {**table.get("default", {}), **table.get(flag.value, {})}


def thresholds(model: LinearModel, flag: Flag) -> tuple[float, float]:
    """(report, live) thresholds for a flag, from the model file's meta."""
    row = _threshold_row(model, flag)
    return float(row.get("report", 0.5)), float(row.get("live", 0.8))


def _quote(prepared: Prepared, evidence: str) -> str:
    """The evidence as it was said: the original words behind the cleaned ones."""
    text = prepared.cleaned.text
    pos = text.find(evidence) if evidence else -1
    return prepared.cleaned.original_span(pos, pos + len(evidence)) if pos >= 0 else evidence


def _vetoed(prepared: Prepared, flag: Flag) -> bool:
    analysis = prepared.analysis
    veto = VETOED_BY.get(flag)
    if veto is not None and any(h.rule.label == veto for h in analysis.hits):
        return True
    by_finding = VETOED_BY_FINDING.get(flag)
    return (
        by_finding is not None
        and not analysis.questions
        and any(f.flag == by_finding for f in prepared.findings)
    )


def _question_evidence(analysis: Analysis, flag: Flag) -> str | None:
    finished = [c for c in analysis.questions if not c.abandoned] or analysis.questions
    if not finished:
        return None
    first = finished[0] if flag == Flag.STACKED_QUESTIONS else finished[-1]
    return analysis.text(first.head, finished[-1].end)


def _sentence_evidence(analysis: Analysis, model: LinearModel, head: Head) -> str:
    """The sentence whose words push hardest towards the flag."""
    prefix = f"{analysis.speaker[0]}:w="
    best, best_score = "", float("-inf")
    for sent in analysis.doc.sents:
        indices = [model.index[prefix + t.lower_] for t in sent if prefix + t.lower_ in model.index]
        score = float(head.contributions(indices, 1).sum()) if indices else 0.0
        if score > best_score and sent.text.strip():
            best, best_score = sent.text.strip(), score
    return best


def decide(prepared: Prepared, model: LinearModel | None) -> tuple[QuestionForm | None, list[Decided]]:
    """The question form and the flags of one prepared utterance (see the module docstring)."""
    analysis = prepared.analysis
    if model is None:
        return analysis.question, [
            Decided(f.flag, f.rule_id, _quote(prepared, f.evidence), True, 1.0)
            for f in prepared.findings
            if not _vetoed(prepared, f.flag)
        ]
    found: dict[Flag, Finding] = {}
    for finding in prepared.findings:
        found.setdefault(finding.flag, finding)
    indices = model.indices(prepared.features)
    # Every head at once (the same numbers as head by head, in a fraction of the time).
    by_head = model.probabilities(indices)
    decided: list[Decided] = []
    question: QuestionForm | None = None
    head = model.heads.get(QUESTION_HEAD)
    if analysis.speaker == "interviewer" and head is not None:
        probs = by_head[QUESTION_HEAD]
        best = int(probs.argmax())
        label = head.classes[best]
        if label == "closed":
            question = "closed"
            closed = found.get(Flag.CLOSED_QUESTION)
            evidence = closed.evidence if closed else _question_evidence(analysis, Flag.CLOSED_QUESTION)
            confidence = float(probs[best])
            decided.append(
                Decided(
                    Flag.CLOSED_QUESTION,
                    closed.rule_id if closed else "model.closed_question",
                    _quote(prepared, evidence or analysis.doc.text),
                    confidence >= thresholds(model, Flag.CLOSED_QUESTION)[1],
                    round(confidence, 4),
                )
            )
        elif label == "open":
            question = "open"
    own = INTERVIEWER_FLAGS if analysis.speaker == "interviewer" else CUSTOMER_FLAGS
    for flag in Flag:
        flag_head = model.heads.get(flag.value)
        if flag not in own or flag_head is None:
            continue
        if _vetoed(prepared, flag):
            continue
        p = float(by_head[flag.value][1])
        report, live = thresholds(model, flag)
        by_rule = found.get(flag)
        rule_reports = bool(_threshold_row(model, flag).get("rule_reports")) and by_rule is not None
        if p < report and not rule_reports:
            continue
        rule_id = by_rule.rule_id if by_rule is not None else f"model.{flag.value}"
        # A question flag's evidence is the question asked, which a buddy can read at a glance,
        # rather than the cue alone ("imagine", "would you").
        asked = _question_evidence(analysis, flag) if flag in QUESTION_FLAGS else None
        if asked:
            evidence = asked
        elif by_rule is not None:
            evidence = by_rule.evidence
        else:
            evidence = _sentence_evidence(analysis, model, flag_head)
        decided.append(Decided(flag, rule_id, _quote(prepared, evidence), p >= live, round(p, 4)))
    return question, decided
