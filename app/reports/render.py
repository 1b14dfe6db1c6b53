"""One call to turn a report into JSON, Markdown or HTML; and the transcript exports."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Literal

from app.reports.html import render_html
from app.reports.markdown import render_markdown
from app.reports.model import Report
from app.reports.speakers import SpeakerFix
from app.reports.vtt import render_transcript_jsonl, render_vtt

__all__ = ["FORMATS", "ReportFormat", "render", "render_transcript_jsonl", "render_vtt"]

ReportFormat = Literal["json", "md", "html"]
FORMATS: tuple[ReportFormat, ...] = ("json", "md", "html")


def render(
    report: Report,
    fmt: ReportFormat,
    *,
    clip_url: Callable[[float, float], str | None] | None = None,
    exports: Mapping[str, str] | None = None,
    fix_form: SpeakerFix | None = None,
    actions: Mapping[str, str] | None = None,
) -> str:
    """The report as text. For html, `clip_url(start, end)` gives an audio URL for a moment's
    clip (None: no clip), `exports` label -> href links for the page header, `actions` links to
    the pages after the call (the debrief, the review), and `fix_form` (the fix in force) shows
    the form that renames or swaps the speakers."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report, clip_url=clip_url, exports=exports, fix_form=fix_form, actions=actions)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
