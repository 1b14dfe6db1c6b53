"""Teams transcripts downloaded as Word (.docx).

Teams writes each turn as a timing, the speaker's name, then what they said, either as
"0:0:1.230 --> 0:0:4.560" / "Name" / "text" (older exports) or as "Name   0:03" / "text"
(newer ones, like a copy from the Teams window). The paragraphs become lines and the
plain-text or WebVTT reader reads them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from app.transcripts.model import Transcript, TranscriptError
from app.transcripts.plain import parse_plain
from app.transcripts.vtt import parse_vtt

_TIMING = re.compile(r"^\s*\d+:\d+:\d+(?:[.,]\d+)?\s+-->\s+\d+:\d+:\d+(?:[.,]\d+)?\s*$")


def docx_lines(path: Path) -> list[str]:
    """The document's paragraphs (and table cells) as lines of text."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(path):
        raise TranscriptError(path.name, None, "not a Word .docx file (cannot open it as one)")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TranscriptError(path.name, None, f"not a Word .docx file ({exc})") from None
    lines: list[str] = []
    for paragraph in document.paragraphs:
        lines += paragraph.text.splitlines() or [""]
    for table in document.tables:
        for row in table.rows:
            lines.append(": ".join(cell.text.strip() for cell in row.cells if cell.text.strip()))
    return lines


def parse_docx(path: Path) -> Transcript:
    return parse_teams_lines(docx_lines(path), path.name)


def parse_teams_lines(lines: list[str], source: str) -> Transcript:
    """Read the lines of a Teams export: timing blocks become WebVTT cues, the rest plain text."""
    if not any(_TIMING.match(line) for line in lines):
        return parse_plain("\n".join(lines), source)
    cues: list[str] = ["WEBVTT", ""]
    i = 0
    while i < len(lines):
        if not _TIMING.match(lines[i]):
            i += 1
            continue
        timing = lines[i].strip()
        body = [ln.strip() for ln in _until_next_timing(lines, i + 1)]
        body = [ln for ln in body if ln]
        i += 1 + len(_until_next_timing(lines, i + 1))
        if len(body) >= 2 and ":" not in body[0]:
            # The name on its own line, then the words.
            cues += [timing, f"<v {body[0]}>{' '.join(body[1:])}", ""]
        elif body:
            cues += [timing, " ".join(body), ""]
    return parse_vtt("\n".join(cues), source)


def _until_next_timing(lines: list[str], start: int) -> list[str]:
    end = start
    while end < len(lines) and not _TIMING.match(lines[end]):
        end += 1
    return lines[start:end]
