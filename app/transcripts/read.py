"""Pick the reader for a transcript file by its extension, else by its first lines."""

from __future__ import annotations

import re
from pathlib import Path

from app.transcripts.docx import parse_docx
from app.transcripts.jsonl import parse_jsonl
from app.transcripts.model import Transcript, TranscriptError
from app.transcripts.plain import parse_plain
from app.transcripts.srt import parse_srt
from app.transcripts.vtt import parse_vtt

# Said whenever a file is in none of them, so the user knows what to export instead.
FORMATS_READ = (
    "WebVTT (.vtt), SubRip (.srt), JSONL, Teams Word transcripts (.docx), "
    "and text exports with 'Name: text' lines or 'Name  0:05' headings (Zoom, Teams, Otter)"
)
_SRT_TIMING = re.compile(r"^\d+:\d{2}:\d{2},\d+\s+-->\s+")


def read_transcript_text(text: str, source: str = "transcript", *, suffix: str = "") -> Transcript:
    """Parse transcript text; `suffix` (".jsonl", ".vtt", ".srt", ".txt") picks the format, else
    the content does."""
    lines = [ln.strip() for ln in text.lstrip("\ufeff").splitlines() if ln.strip()]
    first = lines[0] if lines else ""
    suffix = suffix.lower()
    if suffix == ".vtt" or first.startswith("WEBVTT"):
        return parse_vtt(text, source)
    if suffix in (".jsonl", ".json", ".ndjson") or first.startswith("{"):
        return parse_jsonl(text, source)
    if suffix == ".srt" or any(_SRT_TIMING.match(ln) for ln in lines[:2]):
        return parse_srt(text, source)
    try:
        return parse_plain(text, source)
    except TranscriptError as exc:
        if exc.line is not None and "expected 'Name: text'" in exc.problem:
            raise TranscriptError(
                source, exc.line, f"{exc.problem}; this is none of the formats read: {FORMATS_READ}"
            ) from None
        raise


def read_transcript(path: Path) -> Transcript:
    """Read a transcript file; raises TranscriptError naming the line of the first problem."""
    if path.suffix.lower() == ".docx":
        if not path.is_file():
            raise TranscriptError(path.name, None, "cannot read the file (no such file)")
        return parse_docx(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(path.name, None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TranscriptError(
            path.name, line, f"not UTF-8 text, so not a transcript SecondEar reads ({FORMATS_READ})"
        ) from None
    return read_transcript_text(text, path.name, suffix=path.suffix)
