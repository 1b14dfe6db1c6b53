"""Transcript exports: WebVTT with voice tags, and JSONL in the format `secondear analyze` reads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from nlp.types import Interval, Speaker, Utterance

ROLE_NAMES: dict[Speaker, str] = {"interviewer": "Interviewer", "customer": "Customer"}


def _stamp(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def render_vtt(
    utterances: Sequence[Utterance],
    names: Mapping[Speaker, str] | None = None,
    *,
    turn_names: Sequence[str] | None = None,
) -> str:
    """WebVTT with one cue an utterance and `<v Name>` voice tags.

    Utterances without times are laid end to end at an estimated reading pace, so the file
    is still valid WebVTT. `turn_names` (one per utterance) name each speaker when a role
    holds several people (a recording split by speaker).
    """
    who = {**ROLE_NAMES, **(names or {})}
    out = ["WEBVTT", ""]
    clock = 0.0
    for n, u in enumerate(utterances, start=1):
        start = u.start if u.start is not None else clock
        end = u.end if u.end is not None and u.end > start else start + max(1.0, len(u.text.split()) / 2.5)
        clock = end
        # One line each: a newline in a name or a text would end the cue (a blank line) or
        # split its voice tag.
        said_by = turn_names[n - 1] if turn_names is not None else who[u.speaker]
        name = _escape(" ".join(said_by.split())).replace(">", "") or ROLE_NAMES[u.speaker]
        text = _escape(" ".join(u.text.split()))
        out += [str(n), f"{_stamp(start)} --> {_stamp(end)}", f"<v {name}>{text}</v>", ""]
    return "\n".join(out)


def render_transcript_jsonl(
    utterances: Sequence[Utterance],
    names: Mapping[Speaker, str] | None = None,
    *,
    turn_names: Sequence[str] | None = None,
    overlaps: Sequence[Interval] = (),
) -> str:
    """One JSON object a line: speaker role, name, start, end (seconds), text.

    A turn during which someone else talked too (`overlaps`, found in one mixed channel) has
    `"overlap"`: the [start, end] stretches, in seconds, where both people talk.
    """
    who = {**ROLE_NAMES, **(names or {})}
    lines = []
    for k, u in enumerate(utterances):
        name = turn_names[k] if turn_names is not None else who[u.speaker]
        row: dict[str, object] = {"speaker": u.speaker, "name": name, "text": u.text}
        if u.start is not None:
            row["start"] = round(u.start, 3)
        if u.end is not None:
            row["end"] = round(u.end, 3)
        if u.id is not None:
            row["id"] = u.id
        if u.start is not None and u.end is not None:
            both = [
                [round(max(o.start, u.start), 3), round(min(o.end, u.end), 3)]
                for o in overlaps
                if o.start < u.end and o.end > u.start
            ]
            if both:
                row["overlap"] = both
        lines.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(lines) + ("\n" if lines else "")
