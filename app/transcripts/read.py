"""Pick the reader for a transcript file by its extension, else by its first line."""

from __future__ import annotations

from pathlib import Path

from app.transcripts.jsonl import parse_jsonl
from app.transcripts.model import Transcript, TranscriptError
from app.transcripts.plain import parse_plain
from app.transcripts.vtt import parse_vtt


def read_transcript_text(text: str, source: str = "transcript", *, suffix: str = "") -> Transcript:
    """Parse transcript text; `suffix` (".jsonl", ".vtt", ".txt") picks the format, else the content does."""
    first = next((ln.strip() for ln in text.lstrip("\ufeff").splitlines() if ln.strip()), "")
    suffix = suffix.lower()
    if suffix == ".vtt" or first.startswith("WEBVTT"):
        return parse_vtt(text, source)
    if suffix in (".jsonl", ".json", ".ndjson") or first.startswith("{"):
        return parse_jsonl(text, source)
    return parse_plain(text, source)


def read_transcript(path: Path) -> Transcript:
    """Read a transcript file; raises TranscriptError naming the line of the first problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(path.name, None, f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TranscriptError(path.name, line, "not UTF-8 text (is this an audio or Word file?)") from None
    return read_transcript_text(text, path.name, suffix=path.suffix)
