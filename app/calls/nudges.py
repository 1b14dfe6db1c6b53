"""Candidate nudges: what the detectors and timing rules found, worded for the buddy.

The wording lives in `nudge_texts.json` (title, message, suggestion per kind), not here.
A detector's own coaching message and open rephrase win over the file's generic ones.
Whether a candidate is sent is the policy's call (`policy.py`), not this module's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nlp.live_rules import Cue
from nlp.types import CUSTOMER_FLAGS, POSITIVE_FLAGS, Flag, Tag, Utterance

TEXTS_FILE = Path(__file__).with_name("nudge_texts.json")
EVIDENCE_CHARS = 240


@dataclass(frozen=True, slots=True)
class NudgeText:
    title: str
    message: str
    suggestion: str | None


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str
    at: float
    """Call time the nudge is about (the end of the utterance, or when a timing rule fired)."""
    start: float
    end: float
    title: str
    message: str
    evidence: str
    suggestion: str | None
    utterance_id: str | None
    key: str
    """What it is about, for de-duplication."""


@cache
def load_texts(path: Path = TEXTS_FILE) -> dict[str, NudgeText]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        kind: NudgeText(title=v["title"], message=v["message"], suggestion=v.get("suggestion"))
        for kind, v in raw.items()
    }


def _evidence(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1].rstrip() + "…"


def from_tag(utterance_id: str, utterance: Utterance, tag: Tag) -> list[Candidate]:
    """Candidates for one tagged final, the most important first.

    Interviewer: one per coaching flag (reflections are good behaviour: no nudge). Customer:
    one `follow_up` for a workaround (preferred) or a pain.
    """
    texts = load_texts()
    start = utterance.start or 0.0
    end = utterance.end or start
    evidence = _evidence(utterance.text)
    out: list[Candidate] = []
    if utterance.speaker == "customer":
        found = {hit.flag for hit in tag.live_hits if hit.flag in CUSTOMER_FLAGS}
        for flag in (Flag.WORKAROUND, Flag.PAIN):
            if flag in found:
                text = texts[f"follow_up_{flag.value}"]
                out.append(
                    Candidate(
                        "follow_up", end, start, end, text.title, text.message, evidence,
                        text.suggestion, utterance_id, utterance.text,
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
        generic = texts.get(kind, NudgeText(kind.replace("_", " ").capitalize(), hit.message, None))
        said = _evidence(hit.evidence) if hit.evidence else evidence
        suggestion = (
            tag.suggestion if hit.flag == Flag.CLOSED_QUESTION and tag.suggestion else generic.suggestion
        )
        out.append(
            Candidate(
                kind, end, start, end, generic.title, hit.message or generic.message,
                said, suggestion, utterance_id, utterance.text,
            )
        )  # fmt: skip
    return out


def clock(seconds: float) -> str:
    """Call time as m:ss, the way the buddy's pane shows it."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def from_cue(cue: Cue, *, target: float, window: float, patience: float = 1.0) -> Candidate:
    """The candidate for a timing cue, its evidence the measured fact behind it."""
    text = load_texts()[cue.kind]
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
    return Candidate(
        cue.kind, cue.at, cue.start, cue.end, text.title, message, evidence, text.suggestion, None, cue.key
    )
