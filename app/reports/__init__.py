"""The post-call report: metrics, the listening score, and renderers (JSON, Markdown, HTML, WebVTT)."""

from app.reports.build import build_report
from app.reports.model import Moment, Report
from app.reports.render import render, render_transcript_jsonl, render_vtt

__all__ = ["Moment", "Report", "build_report", "render", "render_transcript_jsonl", "render_vtt"]
