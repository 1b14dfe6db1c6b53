"""WebVTT transcripts: speakers as `<v Name>` voice tags (Teams, our own export) or as
"Name: text" at the start of a cue (Zoom)."""

from __future__ import annotations

import re

from app.transcripts.model import Transcript, TranscriptError, Turn, finish, merge_runs, parse_time
from app.transcripts.plain import split_speaker

_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
# <v Name>, <v.loud Name>; the closing </v> is optional in WebVTT. The tags are found with a
# fixed-width pattern and str.find, bounded by the next tag: one regular expression with a lazy
# body and a look-ahead was quadratic in the line length.
_VOICE_START = re.compile(r"<v[\s.]")
_VOICE_END = "</v>"
# No "<" inside a tag, so a run of "<" without ">" is scanned once, not once per "<".
_TAG = re.compile(r"</?[^<>]+>")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}


def _clean(text: str) -> str:
    if "<" in text and ">" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        for entity, char in _ENTITIES.items():
            text = text.replace(entity, char)
    return " ".join(text.split())


def _voices(body: str, source: str, first_line: int) -> list[tuple[str, str]]:
    """(name, what they said) for each voice tag in a cue's text; `first_line` is the text's line."""
    out: list[tuple[str, str]] = []
    tag_at = _VOICE_START.search(body)
    while tag_at is not None:
        start = tag_at.start()
        tag_at = _VOICE_START.search(body, start + 2)
        stop = tag_at.start() if tag_at is not None else len(body)
        close = body.find(">", start, stop)
        newline = body.find("\n", start, stop)
        if close < 0 or 0 <= newline < close:
            raise TranscriptError(
                source,
                first_line + body.count("\n", 0, start),
                "this voice tag is not closed: write it as <v Name> with the closing '>'",
            )
        tag = body[start + 2 : close]
        if tag.startswith("."):  # classes, as in <v.loud Name>
            parts = tag.split(None, 1)
            tag = parts[1] if len(parts) > 1 else ""
        end = body.find(_VOICE_END, close + 1, stop)
        out.append((tag, body[close + 1 : end if end >= 0 else stop]))
    return out


def parse_vtt(text: str, source: str) -> Transcript:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].startswith("WEBVTT"):
        raise TranscriptError(source, 1, 'a WebVTT file must start with "WEBVTT"')
    turns: list[Turn] = []
    last_name: str | None = None
    i = 1
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.startswith(("NOTE", "STYLE", "REGION")):
            while i < len(lines) and lines[i].strip():
                i += 1
            continue
        # An optional cue identifier comes before the timing line.
        if "-->" not in line and i + 1 < len(lines) and "-->" in lines[i + 1]:
            i += 1
            line = lines[i]
        cue_line = i + 1
        m = _TIMING.match(line)
        if not m:
            raise TranscriptError(
                source, cue_line, "expected a cue timing like 00:00:01.000 --> 00:00:04.000"
            )
        start, end = parse_time(m.group(1)), parse_time(m.group(2))
        if start is None or end is None:
            raise TranscriptError(source, cue_line, f"cannot read the cue times {line.strip()!r}")
        i += 1
        payload: list[str] = []
        while i < len(lines) and lines[i].strip():
            payload.append(lines[i])
            i += 1
        body = "\n".join(payload)
        voices = _voices(body, source, cue_line + 1)
        if voices:
            for raw_name, said in voices:
                name, said = _clean(raw_name), _clean(said)
                if said and name:
                    turns.append(Turn(name, said, start, end, cue_line))
                    last_name = name
            continue
        said = _clean(body)
        if not said:
            continue
        named = split_speaker(said)
        if named:
            last_name = named[0]
            turns.append(Turn(named[0], named[1], start, end, cue_line))
        elif last_name is not None:
            # A cue with no name goes on with the previous speaker (some exports name only the first).
            turns.append(Turn(last_name, said, start, end, cue_line))
        else:
            raise TranscriptError(
                source, cue_line, "this cue names no speaker: use <v Name> voice tags or 'Name: text'"
            )
    return finish(merge_runs(turns), source)
