"""The debrief as a section of the report, in Markdown and in HTML (JSON: `Report.to_dict`)."""

from __future__ import annotations

from html import escape

from app.reports.debrief import Debrief, DebriefPoint
from app.reports.fmt import clock
from app.reports.wording import label

NOT_WRITTEN = "(not written yet)"


def _point_md(p: DebriefPoint) -> str:
    at = f"**[{clock(p.time)}]** " if p.time is not None else ""
    text = " ".join(p.text.split())
    return f"- {at}\u201c{text}\u201d" if p.quote else f"- {at}{text}"


def render_debrief_markdown(d: Debrief) -> list[str]:
    out = ["## Debrief", "", "### Three pains", ""]
    pains = [p for p in d.pains if p.text.strip()]
    out += [_point_md(p) for p in pains] or [NOT_WRITTEN]
    t = d.next_test
    out += [
        "",
        "### What we assumed",
        "",
        d.assumed.strip() or NOT_WRITTEN,
        "",
        "### What surprised us",
        "",
        d.surprised.strip() or NOT_WRITTEN,
        "",
        "### Next test",
        "",
        f"- Change: {t.change.strip() or NOT_WRITTEN}",
        f"- Metric: {t.metric.strip() or NOT_WRITTEN}",
        f"- By when: {t.by_when.strip() or NOT_WRITTEN}",
        "",
        "### The problem in one sentence",
        "",
        f"> {' '.join(d.problem.split())}" if d.problem.strip() else NOT_WRITTEN,
        "",
    ]
    if d.workarounds:
        out += ["### Workarounds heard", "", *(_point_md(p) for p in d.workarounds), ""]
    if d.questions:
        out += ["### Questions asked most", ""]
        out += [f"- \u201c{q.opening} \u2026\u201d {q.count} times, e.g. {q.example}" for q in d.questions]
        out.append("")
    return out


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _point_html(p: DebriefPoint) -> str:
    at = f'<span class="chip">{_e(clock(p.time))}</span>' if p.time is not None else ""
    words = f"<q>{_e(p.text)}</q>" if p.quote else _e(p.text)
    return f"<li>{at}{words}</li>"


def _text_html(text: str) -> str:
    return f"<p>{_e(text)}</p>" if text.strip() else f'<p class="muted">{NOT_WRITTEN}</p>'


def render_debrief_html(d: Debrief) -> str:
    pains = [p for p in d.pains if p.text.strip()]
    pain_html = (
        f'<ul class="quotes">{"".join(_point_html(p) for p in pains)}</ul>' if pains else _text_html("")
    )
    t = d.next_test
    test = (
        '<dl class="stats">'
        + "".join(
            f'<div><dt>{name}</dt><dd class="small">{_e(v.strip() or NOT_WRITTEN)}</dd></div>'
            for name, v in (("Change", t.change), ("Metric", t.metric), ("By when", t.by_when))
        )
        + "</dl>"
    )
    problem = (
        f'<blockquote class="q-customer"><p>{_e(d.problem)}</p></blockquote>'
        if d.problem.strip()
        else _text_html("")
    )
    extra = ""
    if d.workarounds:
        extra += (
            f'<h3>Workarounds heard</h3><ul class="quotes">{"".join(map(_point_html, d.workarounds))}</ul>'
        )
    if d.questions:
        items = "".join(
            f"<li><strong>\u201c{_e(q.opening)} \u2026\u201d</strong> {q.count} times, "
            f"e.g. {_e(q.example)}</li>"
            for q in d.questions
        )
        extra += f"<h3>Questions asked most</h3><ul>{items}</ul>"
    if d.flagged:
        items = "".join(
            f"<li>{_e(clock(m.time))} {_e(label(m.kind))}{': ' + _e(m.text) if m.text else ''}</li>"
            for m in d.flagged
        )
        extra += f"<h3>Flagged moments</h3><ul>{items}</ul>"
    return (
        '<section class="card wide" aria-labelledby="h-debrief"><h2 id="h-debrief">Debrief</h2>'
        f'<div class="voc-cols"><div><h3>Three pains</h3>{pain_html}'
        f"<h3>The problem in one sentence</h3>{problem}</div>"
        f"<div><h3>What we assumed</h3>{_text_html(d.assumed)}"
        f"<h3>What surprised us</h3>{_text_html(d.surprised)}"
        f"<h3>Next test</h3>{test}</div></div>{extra}</section>"
    )
