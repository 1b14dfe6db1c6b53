"""WebVTT transcripts: speakers as `<v Name>` voice tags (Teams, our own export) or as
"Name: text" at the start of a cue (Zoom)."""

from __future__ import annotations

import re

from app.transcripts.model import Transcript, TranscriptError, Turn, finish, merge_runs, parse_time
from app.transcripts.plain import split_speaker

_TIMING = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)(?:\s+.*)?$")
# <v Name>, <v.loud Name>; the closing </v> is optional in WebVTT.
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>(.*?)(?:</v>|(?=<v[\s.])|$)", re.DOTALL)
_TAG = re.compile(r"</?[^>]+>")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}


def _clean(text: str) -> str:
    text = _TAG.sub("", text)
    for entity, char in _ENTITIES.items():
        text = text.replace(entity, char)
    return " ".join(text.split())


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
        voices = _VOICE.findall(body)
        if voices:
            for raw_name, said in voices:
                name = _clean(raw_name)
                if _clean(said) and name:
                    turns.append(Turn(name, _clean(said), start, end, cue_line))
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
