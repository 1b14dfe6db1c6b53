"""Candidate nudges: what the detectors and timing rules found, worded for the buddy.

Each candidate is a `protocol.Nudge`, the one nudge type from here to the buddy's pane; the
policy (`policy.py`) then sets its severity and whether it is sent. The wording lives in
`nlp/rules/messages.jsonl` (title, message, suggestion per kind), the one source the report
and the pages read too. The tagger's coaching line and open rephrase win over a kind's
generic suggestion.
"""

from __future__ import annotations

from app.db.repository import new_id
from app.protocol import Nudge
from nlp.live_rules import Cue
from nlp.messages import Wording, load_wording
from nlp.types import CUSTOMER_FLAGS, POSITIVE_FLAGS, Flag, Tag, Utterance

EVIDENCE_CHARS = 240


def _evidence(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1].rstrip() + "…"


def _nudge(
    kind: str,
    at: float,
    start: float,
    end: float,
    text: Wording,
    message: str,
    evidence: str,
    suggestion: str | None,
    utterance_id: str | None,
    key: str,
) -> Nudge:
    return Nudge.model_validate(
        {
            "id": new_id("n"),
            "kind": kind,
            "title": text.title,
            "message": message,
            "evidence": evidence,
            "suggestion": suggestion,
            "utterance_id": utterance_id,
            "at": at,
            "start": start,
            "end": end,
            "key": key,
        }
    )


def from_tag(utterance_id: str, utterance: Utterance, tag: Tag) -> list[Nudge]:
    """Candidates for one tagged final, the most important first.

    Interviewer: one per coaching flag (reflections are good behaviour: no nudge). Customer:
    one `follow_up` for a workaround (preferred) or a pain.
    """
    texts = load_wording()
    start = utterance.start or 0.0
    end = utterance.end or start
    evidence = _evidence(utterance.text)
    out: list[Nudge] = []
    if utterance.speaker == "customer":
        found = {hit.flag for hit in tag.live_hits if hit.flag in CUSTOMER_FLAGS}
        for flag in (Flag.WORKAROUND, Flag.PAIN):
            if flag in found:
                text = texts[f"follow_up_{flag.value}"]
                out.append(
                    _nudge(
                        "follow_up", end, start, end, text, text.message, evidence,
                        text.card_suggestion, utterance_id, utterance.text,
                    )
                )  # fmt: skip
                break
        return out
    # The flag whose message the detectors chose as the most important goes first.
    # Only confident flags become live nudges; the rest stay in the report (Tag.live_hits).
    hits = [h for h in tag.live_hits if h.flag not in POSITIVE_FLAGS and h.flag not in CUSTOMER_FLAGS]
    hits.sort(key=lambda h: h.message != tag.message)
    seen: set[str] = set()
    for hit in hits:
        kind = hit.flag.value
        if kind in seen:
            continue
        seen.add(kind)
        generic = texts[kind]
        said = _evidence(hit.evidence) if hit.evidence else evidence
        # The tagger's rephrase answers its most important flag (the one whose message it chose),
        # as the report shows it; other flags get the generic line of their kind.
        own = hit.message == tag.message or hit.flag == Flag.CLOSED_QUESTION
        suggestion = tag.suggestion if own and tag.suggestion else generic.card_suggestion
        out.append(
            _nudge(
                kind, end, start, end, generic, hit.message or generic.message, said,
                suggestion, utterance_id, utterance.text,
            )
        )  # fmt: skip
    return out


def clock(seconds: float) -> str:
    """Call time as m:ss, the way the buddy's pane shows it."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def from_cue(cue: Cue, *, target: float, window: float, patience: float = 1.0) -> Nudge:
    """The candidate for a timing cue, its evidence the measured fact behind it."""
    text = load_wording()[cue.kind]
    values = {
        "percent": round(cue.value * 100),
        "minutes": f"{window / 60:g}",
        "target": round(target * 100),
        "seconds": round(cue.value),
        "count": int(cue.value),
        "rate": round(cue.value),
    }
    message = text.message.format(**values)
    if cue.kind == "talk_share":
        evidence = f"You: {values['percent']}% of the talk in the last {values['minutes']} min"
    elif cue.kind == "monologue":
        evidence = f"Talking for {values['seconds']} s"
    elif cue.kind == "rapid_fire":
        evidence = f"{values['rate']} speaker switches in the last minute"
    elif cue.kind == "interruption":
        evidence = f"At {clock(cue.start)} you started while the customer was talking"
    else:
        evidence = f"{values['count']} quick replies (under {patience:g} s), the last at {clock(cue.end)}"
    return _nudge(
        cue.kind, cue.at, cue.start, cue.end, text, message, evidence, text.suggestion, None, cue.key
    )
