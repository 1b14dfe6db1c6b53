"""The moments a coach reviews: the report's flagged moments (detector flags, timing, the buddy's
flags and notes, live nudges), each with a stable key, the transcript around it and its clip.

A moment has no row of its own (the report finds it again from the stored call), so its key is its
kind and time: the same stored call gives the same report, and so the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.reports.model import Line, Moment, Report
from app.reports.wording import label
from nlp.types import INTERVIEWER_FLAGS, Flag

# Transcript lines shown on each side of a moment.
AROUND = 2
# Seconds of audio played before and after a moment (the report page's clips pad the same way).
CLIP_PAD_S = 2.0
# A clip for a moment with no end time lasts this long.
CLIP_DEFAULT_S = 12.0
CUSTOMER_FLAGS: tuple[str, ...] = tuple(f.value for f in Flag if f not in INTERVIEWER_FLAGS)


def moment_key(m: Moment) -> str:
    at = "-" if m.time is None else f"{m.time:.2f}"
    return f"{m.kind}@{at}"


def keyed(report: Report) -> list[tuple[str, Moment]]:
    """The report's moments with their keys; a repeated key (two moments of one kind at one
    time) gets a counter, in the report's order."""
    seen: dict[str, int] = {}
    out: list[tuple[str, Moment]] = []
    for m in report.moments:
        key = moment_key(m)
        seen[key] = seen.get(key, 0) + 1
        out.append((key if seen[key] == 1 else f"{key}#{seen[key]}", m))
    return out


def _line_of(report: Report, m: Moment) -> int | None:
    """The transcript line the moment is on (its start time and speaker), or the nearest one."""
    if m.time is None or not report.transcript:
        return None
    best: tuple[float, int] | None = None
    for i, line in enumerate(report.transcript):
        if line.start is None:
            continue
        gap = abs(line.start - m.time) + (0 if m.speaker in (None, line.speaker) else 0.001)
        if best is None or gap < best[0]:
            best = (gap, i)
    return None if best is None else best[1]


def _line(line: Line) -> dict[str, Any]:
    return {"speaker": line.speaker, "time": line.start, "text": line.text}


@dataclass(frozen=True, slots=True)
class Detected:
    """What the detectors said about the moment's line (what an override corrects)."""

    speaker: str
    text: str
    question: str | None
    flags: tuple[str, ...]


def detected(report: Report, m: Moment) -> Detected | None:
    """The moment's line as the detectors tagged it, or None for moments that are not one line of
    speech (a buddy's flag, talk share)."""
    if m.speaker is None or not m.text.strip():
        return None
    i = _line_of(report, m)
    line = report.transcript[i] if i is not None else None
    if line is not None and line.text == m.text:
        return Detected(line.speaker, line.text, line.question, line.flags)
    return Detected(m.speaker, m.text, None, m.flags)


def clip_span(m: Moment) -> tuple[float, float] | None:
    if m.time is None:
        return None
    end = m.end if m.end is not None and m.end > m.time else m.time + CLIP_DEFAULT_S - 2 * CLIP_PAD_S
    return max(0.0, m.time - CLIP_PAD_S), end + CLIP_PAD_S


def moment_view(report: Report, key: str, m: Moment) -> dict[str, Any]:
    """One moment as the review page shows it."""
    i = _line_of(report, m)
    around: list[dict[str, Any]] = []
    if i is not None:
        lo, hi = max(0, i - AROUND), min(len(report.transcript), i + AROUND + 1)
        around = [{**_line(report.transcript[j]), "here": j == i} for j in range(lo, hi)]
    found = detected(report, m)
    return {
        "key": key,
        "time": m.time,
        "end": m.end,
        "kind": m.kind,
        "label": label(m.kind),
        "source": m.source,
        "speaker": m.speaker,
        "text": m.text,
        "flags": list(m.flags),
        "message": m.message,
        "suggestion": m.suggestion,
        "note": m.note,
        "around": around,
        "detected": None
        if found is None
        else {
            "speaker": found.speaker,
            "text": found.text,
            "question": found.question,
            "flags": list(found.flags),
        },
    }


def allowed_flags(speaker: str) -> tuple[str, ...]:
    """The flags a line of this speaker can carry (interview-lines' vocabulary)."""
    if speaker == "customer":
        return CUSTOMER_FLAGS
    return tuple(f.value for f in Flag if f in INTERVIEWER_FLAGS)
