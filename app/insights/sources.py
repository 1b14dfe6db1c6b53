"""The calls a trend or a study is made of: report JSON files (what `secondear analyze --format json`
writes) and transcripts, which are analysed here the same way. Folders are read file by file.

Everything becomes a report as plain data (`Report.to_dict()`), so report files written by older
or newer versions are read by the keys they have, and a missing key is a clear error, not a crash.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nlp.pipeline import Tagger

TRANSCRIPT_SUFFIXES = frozenset({".jsonl", ".vtt", ".txt"})
REPORT_SUFFIX = ".json"
# Keys a report file must have to be read (docs/report.md).
REPORT_KEYS = ("schema", "talk", "questions", "behaviours", "pains", "workarounds", "transcript")


class SourceError(ValueError):
    """An input that cannot be read; the message names the file."""


@dataclass(frozen=True, slots=True)
class Source:
    """One call: a name unique within the run (the file name without its suffix) and its report."""

    name: str
    path: Path
    report: Mapping[str, Any]


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files given, and the report and transcript files in folders given (sorted, not recursive)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.suffix.lower() in TRANSCRIPT_SUFFIXES | {".json"}
            )
            if not found:
                raise SourceError(f"{p}: no report (.json) or transcript (.jsonl, .vtt, .txt) files")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise SourceError(f"{p}: no such file or folder")
    return out


def read_report_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: not a report (a JSON object from 'secondear analyze --format json')")
    missing = [k for k in REPORT_KEYS if k not in data]
    if missing:
        raise SourceError(
            f"{path}: not a report from 'secondear analyze --format json' (no {', '.join(missing)})"
        )
    return data


def analyze_transcript(path: Path, tagger: Tagger) -> dict[str, Any]:
    """The report of a transcript, as `secondear analyze --format json` would write it."""
    from app.commands.analyze import tag_transcript
    from app.reports import build_report
    from app.transcripts import TranscriptError, read_transcript

    try:
        transcript = read_transcript(path)
        tagged, names = tag_transcript(transcript, tagger)
    except TranscriptError as exc:
        raise SourceError(str(exc)) from None
    report = build_report(
        tagged,
        duration=transcript.duration,
        title=path.stem,
        interviewer_name=names.get("interviewer"),
        customer_name=names.get("customer"),
        date=dt.datetime.fromtimestamp(path.stat().st_mtime).date().isoformat(),
        timing_source=transcript.timing,
    )
    return report.to_dict()


def read_sources(paths: Iterable[Path], *, spacy_model: str | None = None) -> list[Source]:
    """Every call in `paths`, in the order given (folders sorted). The spaCy pipeline is loaded only
    when there is a transcript to analyse."""
    files = expand(paths)
    if not files:
        raise SourceError("no reports or transcripts given")
    tagger: Tagger | None = None
    sources: list[Source] = []
    names: set[str] = set()
    for f in files:
        if f.suffix.lower() == REPORT_SUFFIX:
            report = read_report_file(f)
        elif f.suffix.lower() in TRANSCRIPT_SUFFIXES:
            if tagger is None:
                from nlp.pipeline import Tagger

                tagger = Tagger.load(spacy_model)
            report = analyze_transcript(f, tagger)
        else:
            raise SourceError(f"{f}: neither a report (.json) nor a transcript (.jsonl, .vtt, .txt)")
        name = f.stem.removesuffix(".report")
        if name in names:
            name = f"{f.parent.name}/{name}"
        if name in names:
            raise SourceError(f"{f}: given twice")
        names.add(name)
        sources.append(Source(name, f, report))
    return sources
