"""A study as JSON, Markdown, HTML or CSV (cluster, quote, interview, time)."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Literal

from app.insights.study import Study, StudyQuote
from app.reports.fmt import clock
from app.reports.html import CSS

StudyFormat = Literal["json", "md", "html", "csv"]
STUDY_FORMATS: tuple[StudyFormat, ...] = ("json", "md", "html", "csv")
BASIS_LABELS = {"past": "what they did", "stated": "what they say they would do", "general": "general"}


def _at(q: StudyQuote) -> str:
    return f"{q.interview} {clock(q.start)}".strip()


def render_study(study: Study, fmt: StudyFormat) -> str:
    if fmt == "json":
        return json.dumps(study.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return _markdown(study)
    if fmt == "html":
        return _html(study)
    if fmt == "csv":
        return _csv(study)
    raise ValueError(f"unknown study format {fmt!r}; use one of {', '.join(STUDY_FORMATS)}")


def _csv(study: Study) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cluster", "kind", "quote", "interview", "time"])
    for c in study.clusters:
        for q in c.quotes:
            writer.writerow([c.label, c.kind, q.text, q.interview, "" if q.start is None else clock(q.start)])
    return out.getvalue()


def _md_quote(q: StudyQuote) -> str:
    return f"- \u201c{q.text}\u201d \u2014 *{_at(q)}*"


def _markdown(study: Study) -> str:
    n = len(study.interviews)
    out = ["# Study synthesis", "", f"{n} interviews: {', '.join(study.interviews)}", ""]
    ps = study.problem_statement
    out += ["## Problem statement (draft)", ""]
    if ps is None:
        out += ["No pain came up in two interviews or more.", ""]
    else:
        out += [f"> {ps.text}", "", "Supported by:", "", *(_md_quote(q) for q in ps.quotes), ""]
    out += ["## Pains and workarounds across interviews", ""]
    if not study.clusters:
        out += ["No pain or workaround came up in two interviews or more.", ""]
    for c in study.clusters:
        out += [
            f"### {c.kind.capitalize()}: {c.label}",
            "",
            f"In {len(c.interviews)} of {n} interviews: {', '.join(c.interviews)}",
            "",
            *(_md_quote(q) for q in c.quotes),
            "",
        ]
    out += ["## Repeated phrases", ""]
    out += [f"- **{p.text}** ({len(p.interviews)} interviews)" for p in study.phrases] or ["None."]
    out += ["", "## What they did (evidence)", ""]
    out += [_md_quote(q) for q in study.past] or ["None."]
    out += ["", "## What they say they would do (weak evidence)", ""]
    out += [_md_quote(q) for q in study.stated] or ["None."]
    return "\n".join(out).rstrip() + "\n"


def _h(text: object) -> str:
    return escape(str(text), quote=True)


def _html_quotes(quotes: tuple[StudyQuote, ...]) -> str:
    items = "".join(f'<li><span class="chip">{_h(_at(q))}</span><q>{_h(q.text)}</q></li>' for q in quotes)
    return f'<ul class="quotes">{items}</ul>'


def _html(study: Study) -> str:
    n = len(study.interviews)
    ps = study.problem_statement
    problem = (
        '<p class="muted">No pain came up in two interviews or more.</p>'
        if ps is None
        else f'<blockquote class="q-customer"><p>{_h(ps.text)}</p></blockquote>'
        f"<h3>Supported by</h3>{_html_quotes(ps.quotes)}"
    )
    clusters = (
        "".join(
            f'<section class="card wide"><h2>{_h(c.kind.capitalize())}: {_h(c.label)} '
            f'<span class="count">{len(c.interviews)} of {n} interviews</span></h2>'
            f'<p class="muted small">{_h(", ".join(c.interviews))}</p>{_html_quotes(c.quotes)}</section>'
            for c in study.clusters
        )
        or '<section class="card wide"><p class="muted">No pain or workaround came up in two interviews '
        "or more.</p></section>"
    )
    phrases = "".join(
        f'<li><strong>{_h(p.text)}</strong> <span class="muted">{len(p.interviews)} interviews</span></li>'
        for p in study.phrases
    )
    body = (
        '<header class="top"><div><p class="brand">SecondEar \u00b7 study</p><h1>Study synthesis</h1>'
        f'<p class="meta"><span>{n} interviews</span></p></div></header><main class="grid">'
        f'<section class="card wide"><h2>Problem statement (draft)</h2>{problem}</section>'
        f"{clusters}"
        f'<section class="card"><h2>Repeated phrases</h2><ul>{phrases}</ul></section>'
        f'<section class="card"><h2>What they did <span class="count">evidence</span></h2>'
        f"{_html_quotes(study.past)}"
        '<h2>What they say they would do <span class="count">weak</span></h2>'
        f"{_html_quotes(study.stated)}</section></main>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Study synthesis \u00b7 SecondEar</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )
