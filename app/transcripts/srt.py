"""SubRip (.srt) transcripts: numbered cues with "00:00:01,000 --> 00:00:03,500" timings and the
speaker as "Name: text" or a `<v Name>` tag, as meeting tools and subtitle editors write them.

SRT is WebVTT without the header and with comma decimals, so the WebVTT reader reads it; line
numbers in errors are the SRT file's own.
"""

from __future__ import annotations

from dataclasses import replace

from app.transcripts.model import Transcript, TranscriptError
from app.transcripts.vtt import parse_vtt

_HEADER = "WEBVTT\n\n"
_SHIFT = _HEADER.count("\n")


def parse_srt(text: str, source: str) -> Transcript:
    try:
        transcript = parse_vtt(_HEADER + text.lstrip("\ufeff"), source)
    except TranscriptError as exc:
        line = None if exc.line is None else max(1, exc.line - _SHIFT)
        raise TranscriptError(source, line, exc.problem) from None
    turns = tuple(replace(t, line=max(1, t.line - _SHIFT)) for t in transcript.turns)
    return replace(transcript, turns=turns)
