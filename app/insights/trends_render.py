"""Trends as JSON, Markdown or HTML. The HTML draws one inline SVG line chart per metric and
interviewer: the interviewer's calls as a line, the team's median as a dashed line, the goal band
shaded, with every number also written as text (colour is never the only signal). No scripts."""

from __future__ import annotations

import json
from html import escape
from typing import Literal

from app.insights.trends import Change, Interviewer, Metric, Trends, latest
from app.reports.fmt import number, percent
from app.reports.html import CSS

TrendsFormat = Literal["json", "md", "html"]
TRENDS_FORMATS: tuple[TrendsFormat, ...] = ("json", "md", "html")

# Chart size in SVG units (it scales to the card's width).
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 320, 150, 40, 10, 10, 22


def value_text(metric: Metric, value: float | None) -> str:
    if value is None:
        return "n/a"
    if metric.unit == "share":
        return percent(value)
    if metric.unit == "seconds":
        return f"{number(value)} s"
    if metric.unit == "score":
        return str(round(value))
    return number(value, 2)


def change_text(metric: Metric, ch: Change | None) -> str:
    if ch is None:
        return "not enough calls to compare"
    verdict = "no change" if ch.better is None else ("better" if ch.better else "worse")
    return (
        f"last 5 calls {value_text(metric, ch.recent)} vs {value_text(metric, ch.before)} before: {verdict}"
    )


def render_trends(trends: Trends, fmt: TrendsFormat) -> str:
    if fmt == "json":
        return json.dumps(trends.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return _markdown(trends)
    if fmt == "html":
        return _html(trends)
    raise ValueError(f"unknown trends format {fmt!r}; use one of {', '.join(TRENDS_FORMATS)}")


def _markdown(t: Trends) -> str:
    out = ["# Interviewer trends", "", "## Team: latest figures", ""]
    out.append("| Metric | Goal | Team median | " + " | ".join(iv.name for iv in t.interviewers) + " |")
    out.append("|---|---|---|" + "---|" * len(t.interviewers))
    lasts = [latest(iv) for iv in t.interviewers]
    for m in t.metrics:
        cells = [value_text(m, last.get(m.key)) for last in lasts]
        out.append(
            f"| {m.label} | {m.goal} | {value_text(m, t.team_median[m.key])} | " + " | ".join(cells) + " |"
        )
    for iv in t.interviewers:
        out += ["", f"## {iv.name} ({len(iv.calls)} calls)", ""]
        out.append("| Call | Date | " + " | ".join(m.label for m in t.metrics) + " |")
        out.append("|---|---|" + "---|" * len(t.metrics))
        for c in iv.calls:
            cells = [value_text(m, c.figures[m.key]) for m in t.metrics]
            out.append(f"| {c.name} | {c.date or ''} | " + " | ".join(cells) + " |")
        out += ["", "What changed:", ""]
        out += [f"- {m.label}: {change_text(m, iv.changes[m.key])}" for m in t.metrics]
    return "\n".join(out).rstrip() + "\n"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def line_chart(metric: Metric, iv: Interviewer, team: float | None) -> str:
    """One metric of one interviewer over their calls, with the team median and the goal band."""
    points = [(i, c.figures[metric.key]) for i, c in enumerate(iv.calls)]
    known = [v for _, v in points if v is not None]
    if not known:
        return '<p class="muted small">Not measured in these calls.</p>'
    edges = [*known, *(x for x in (team, metric.low, metric.high) if x is not None)]
    lo, hi = min(edges), max(edges)
    if metric.unit in ("share", "score"):
        lo, hi = 0.0, 1.0 if metric.unit == "share" else 100.0
    if metric.high is None and metric.low is not None:
        hi = max(hi, 2 * metric.low)  # show room above a band open at the top
    hi = hi if hi > lo else lo + 1.0
    n = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return PAD_L + (W - PAD_L - PAD_R) * (i / n if len(points) > 1 else 0.5)

    def y(v: float) -> float:
        v = min(max(v, lo), hi)
        return PAD_T + (H - PAD_T - PAD_B) * (1 - (v - lo) / (hi - lo))

    parts = []
    band_lo = lo if metric.low is None else metric.low
    band_hi = hi if metric.high is None else metric.high
    parts.append(
        f'<rect x="{PAD_L}" y="{y(band_hi):.1f}" width="{W - PAD_L - PAD_R}" '
        f'height="{max(y(band_lo) - y(band_hi), 0):.1f}" class="t-band">'
        f"<title>goal: {_e(metric.goal)}</title></rect>"
    )
    if team is not None:
        parts.append(
            f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(team):.1f}" y2="{y(team):.1f}" class="t-team">'
            f"<title>team median {_e(value_text(metric, team))}</title></line>"
        )
    for edge in (lo, hi):
        parts.append(
            f'<text x="{PAD_L - 4}" y="{y(edge) + 4:.1f}" class="t-axis">'
            f"{_e(value_text(metric, edge))}</text>"
        )
    parts.append(f'<text x="{PAD_L}" y="{H - 4}" class="t-axis t-left">call 1</text>')
    parts.append(f'<text x="{W - PAD_R}" y="{H - 4}" class="t-axis t-right">call {len(points)}</text>')
    path, pen = [], "M"
    for i, val in points:
        if val is None:
            pen = "M"  # a call that cannot tell breaks the line
            continue
        path.append(f"{pen}{x(i):.1f},{y(val):.1f}")
        pen = "L"
    parts.append(f'<path d="{" ".join(path)}" class="t-line"/>')
    for i, val in points:
        if val is not None:
            tip = f"{iv.calls[i].name}: {value_text(metric, val)}"
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(val):.1f}" r="3.5" class="t-dot">'
                f"<title>{_e(tip)}</title></circle>"
            )
    aria = (
        f"{metric.label} of {iv.name} over {len(points)} calls, latest {value_text(metric, known[-1])}; "
        f"team median {value_text(metric, team)}; goal {metric.goal}"
    )
    svg = f'<svg class="t-chart" viewBox="0 0 {W} {H}" role="img" aria-label="{_e(aria)}">'
    return f"{svg}{''.join(parts)}</svg>"


TRENDS_CSS = """
.t-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
.t-card{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.t-card h3{margin:0 0 2px;text-transform:none;letter-spacing:0;font-size:14px;color:var(--ink)}
.t-now{font-size:22px;font-weight:700;margin:0}.t-chart{width:100%;height:auto;display:block}
.t-band{fill:#1f7a4d;fill-opacity:.12}.t-team{stroke:var(--muted);stroke-width:1.5;stroke-dasharray:5 4}
.t-line{fill:none;stroke:var(--i);stroke-width:2.5}.t-dot{fill:var(--i);stroke:#fff;stroke-width:1.5}
.t-axis{font-size:10.5px;fill:var(--muted);text-anchor:end}.t-left{text-anchor:start}.t-right{text-anchor:end}
.t-key{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;color:var(--muted);margin:0 0 10px}
.t-sw{display:inline-block;width:18px;height:10px;margin-right:5px;vertical-align:middle}
table.team{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
.team th,.team td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left}
.scroll{overflow-x:auto}
"""


def _html(t: Trends) -> str:
    lasts = [latest(iv) for iv in t.interviewers]
    head = "".join(f"<th>{_e(iv.name)}</th>" for iv in t.interviewers)
    rows = "".join(
        f"<tr><th>{_e(m.label)}</th><td>{_e(m.goal)}</td><td>{_e(value_text(m, t.team_median[m.key]))}</td>"
        + "".join(f"<td>{_e(value_text(m, last.get(m.key)))}</td>" for last in lasts)
        + "</tr>"
        for m in t.metrics
    )
    team = (
        '<section class="card wide"><h2>Team: latest figures</h2><div class="scroll"><table class="team">'
        f"<thead><tr><th>Metric</th><th>Goal</th><th>Team median</th>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )
    key = (
        '<p class="t-key"><span><span class="t-sw" style="background:var(--i)"></span>this interviewer</span>'
        '<span><span class="t-sw" style="border-top:2px dashed var(--muted);height:0"></span>'
        "team median</span>"
        '<span><span class="t-sw" style="background:rgba(31,122,77,.18)"></span>goal band</span></p>'
    )
    people = ""
    for iv in t.interviewers:
        last = latest(iv)
        cards = "".join(
            f'<div class="t-card"><h3>{_e(m.label)}</h3>'
            f'<p class="t-now">{_e(value_text(m, last.get(m.key)))}</p>'
            f'<p class="muted small">goal {_e(m.goal)} \u00b7 {_e(change_text(m, iv.changes[m.key]))}</p>'
            f"{line_chart(m, iv, t.team_median[m.key])}</div>"
            for m in t.metrics
        )
        people += (
            f'<section class="card wide"><h2>{_e(iv.name)} '
            f'<span class="count">{len(iv.calls)} calls</span></h2>'
            f'{key}<div class="t-cards">{cards}</div></section>'
        )
    body = (
        '<header class="top"><div><p class="brand">SecondEar \u00b7 trends</p>'
        "<h1>Is this interviewer listening better?</h1>"
        f'<p class="meta"><span>{len(t.interviewers)} interviewers</span></p></div></header>'
        f'<main class="grid">{team}{people}</main>'
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Trends \u00b7 SecondEar</title><style>{CSS}{TRENDS_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


# A sparkline's size in SVG units: small multiples on the team page.
SW, SH, SPAD = 120, 36, 3


def sparkline(metric: Metric, iv: Interviewer) -> str:
    """One metric of one interviewer as a small line with the goal band and the latest call as a
    dot; the numbers go beside it as text (the team page writes them)."""
    values = [v for c in iv.calls if (v := c.figures.get(metric.key)) is not None]
    if not values:
        return ""
    edges = [*values, *(x for x in (metric.low, metric.high) if x is not None)]
    lo, hi = min(edges), max(edges)
    if metric.unit in ("share", "score"):
        lo, hi = 0.0, 1.0 if metric.unit == "share" else 100.0
    hi = hi if hi > lo else lo + 1.0
    n = max(len(values) - 1, 1)

    def x(i: int) -> float:
        return SPAD + (SW - 2 * SPAD) * (i / n if len(values) > 1 else 0.5)

    def y(v: float) -> float:
        return SPAD + (SH - 2 * SPAD) * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    band_lo = lo if metric.low is None else metric.low
    band_hi = hi if metric.high is None else metric.high
    band = (
        f'<rect x="0" y="{y(band_hi):.1f}" width="{SW}" height="{max(y(band_lo) - y(band_hi), 0):.1f}" '
        'class="t-band"/>'
    )
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    last = f'<circle cx="{x(len(values) - 1):.1f}" cy="{y(values[-1]):.1f}" r="2.8" class="t-dot"/>'
    aria = f"{metric.label} of {iv.name} over {len(values)} calls, latest {value_text(metric, values[-1])}"
    return (
        f'<svg class="t-spark" viewBox="0 0 {SW} {SH}" role="img" aria-label="{_e(aria)}">'
        f'{band}<path d="{path}" class="t-line"/>{last}</svg>'
    )
