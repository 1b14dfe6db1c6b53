"""What every transcript reader returns: named turns with optional times."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, replace
from typing import Literal

# How much the times in a transcript say about speech:
#   "spans"  every turn has a start and an end (VTT cues, timed JSONL): gaps are real silence;
#   "starts" only turn starts are known; a turn is taken to last until the next one starts,
#            so talk share and stretch lengths hold, but gaps, overlaps and interruptions do not;
#   "none"   no times: metrics fall back to word counts.
TimingKind = Literal["spans", "starts", "none"]

# Speaking rate used only to guess how long the last turn of a starts-only transcript lasts.
WORDS_PER_SECOND = 2.5


class TranscriptError(ValueError):
    """A transcript that cannot be read; the message names the file and the line."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source, self.line, self.problem = source, line, problem
        where = f"{source} line {line}" if line is not None else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker's turn as the file gives it. `line` is where it starts in the file (1-based)."""

    name: str
    text: str
    start: float | None = None
    end: float | None = None
    line: int = 0
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Transcript:
    turns: tuple[Turn, ...]
    timing: TimingKind
    source: str = "transcript"

    @property
    def names(self) -> list[str]:
        """Speaker names in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.turns:
            seen.setdefault(t.name, None)
        return list(seen)

    @property
    def duration(self) -> float | None:
        ends = [t.end for t in self.turns if t.end is not None]
        return max(ends) if ends else None


# A stray leading zero ("00:09:025") is a typo seen in hand-made transcripts; read it as 25.
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(0?\d{1,2}(?:[.,]\d+)?)$")


def parse_time(value: object) -> float | None:
    """Seconds from a number or from "hh:mm:ss[.mmm]" / "mm:ss" (comma decimals too); None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:  # an int beyond any float
            return None
        return seconds if 0 <= seconds < math.inf else None
    if isinstance(value, str):
        s = value.strip()
        m = _TIME.match(s)
        if m:
            hours = int(m.group(1) or 0)
            return hours * 3600 + int(m.group(2)) * 60 + float(m.group(3).replace(",", "."))
        try:
            seconds = float(s)
        except ValueError:
            return None
        return seconds if 0 <= seconds < math.inf else None
    return None


def finish(turns: list[Turn], source: str, *, lenient: bool = False) -> Transcript:
    """Check the times and fill missing ends, deciding the transcript's `TimingKind`.

    Some turns timed and others not is an error, or with `lenient` (loose text exports
    where a time is decoration) a transcript without times.
    """
    if not turns:
        raise TranscriptError(source, None, "no utterances found")
    timed = [t for t in turns if t.start is not None]
    if not timed or (lenient and len(timed) != len(turns)):
        return Transcript(tuple(replace(t, start=None, end=None) for t in turns), "none", source)
    if len(timed) != len(turns):
        missing = next(t for t in turns if t.start is None)
        raise TranscriptError(source, missing.line, "this utterance has no start time, but others do")
    for t in turns:
        if t.end is not None and t.start is not None and t.end < t.start:
            raise TranscriptError(source, t.line, "end time is before the start time")
    # Hand-typed times sometimes step back ("00:23:41" after "00:23:50"): keep the file's
    # order, which is the order things were said, and hold such a start at the one before.
    ordered: list[Turn] = []
    for t in turns:
        assert t.start is not None
        if ordered and ordered[-1].start is not None and t.start < ordered[-1].start:
            start = ordered[-1].start
            t = replace(t, start=start, end=None if t.end is None else max(t.end, start))
        ordered.append(t)
    turns = ordered
    if all(t.end is not None for t in turns):
        return Transcript(tuple(turns), "spans" if _gaps_are_real(turns) else "starts", source)
    # Only starts: a turn lasts until the next one starts (the last one: by its word count).
    filled: list[Turn] = []
    for i, t in enumerate(turns):
        assert t.start is not None
        if t.end is not None:
            filled.append(t)
            continue
        nxt = turns[i + 1].start if i + 1 < len(turns) else None
        guess = t.start + max(1.0, len(t.text.split()) / WORDS_PER_SECOND)
        end = nxt if nxt is not None and nxt > t.start else guess
        filled.append(replace(t, end=end))
    return Transcript(tuple(filled), "starts", source)


def _gaps_are_real(turns: list[Turn]) -> bool:
    """False when most hand-overs butt end to start: the tool cut cues back to back, so the
    gaps between speakers (patience, interruptions) are not in the file."""
    handovers = [(prev, cur) for prev, cur in itertools.pairwise(turns) if prev.name != cur.name]
    butted = sum(
        1
        for prev, cur in handovers
        if prev.end is not None and cur.start is not None and abs(cur.start - prev.end) < 0.01
    )
    return not handovers or butted <= len(handovers) / 2


def merge_runs(turns: list[Turn], *, max_gap: float = 2.0) -> list[Turn]:
    """Join consecutive turns of one speaker (caption cues cut a turn into pieces).

    The detectors judge a whole turn ("the question the customer is left to answer"), so
    pieces of one turn must be one utterance. Pieces farther apart than `max_gap` s stay apart.
    """
    out: list[Turn] = []
    texts: list[list[str]] = []  # joined once at the end: joining piece by piece is quadratic
    for t in turns:
        if out and out[-1].name == t.name:
            prev = out[-1]
            close = prev.end is None or t.start is None or t.start - prev.end <= max_gap
            if close:
                end = t.end if prev.end is None or (t.end is not None and t.end > prev.end) else prev.end
                out[-1] = replace(prev, end=end)
                texts[-1].append(t.text)
                continue
        out.append(t)
        texts.append([t.text])
    return [replace(t, text=" ".join(p for p in parts if p)) for t, parts in zip(out, texts, strict=True)]
