"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no external assets.

The server serves it as the call report page; `secondear analyze --format html` writes the
same page. Colour is never the only signal: every chart has text labels, the customer's
speech is striped as well as coloured, and flag markers carry a glyph and a title.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from html import escape

from app.reports.debrief_render import render_debrief_html
from app.reports.fmt import clock, length, number, percent
from app.reports.model import ContextLine, Moment, Quote, Report, ScoreComponent, Stretch
from app.reports.speakers import SpeakerFix
from app.reports.wording import MOMENT_FLAGS, NO_SCORE, QUESTION_PROBLEM_FLAGS, TIMING_KINDS, label

ClipUrl = Callable[[float, float], str | None]

# Seconds of audio played before and after a moment's utterance.
CLIP_PAD_S = 2.0
# A clip for a moment with no end time lasts this long.
CLIP_DEFAULT_S = 12.0
# Utterances shown around a moment are cut to this many characters; the moment itself is not.
CONTEXT_CHARS = 280


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _verdict(score: int | None) -> str:
    if score is None:
        return NO_SCORE
    if score >= 70:
        return "Listening well"
    if score >= 45:
        return "Room to listen more"
    return "Mostly telling, little listening"


_CLOCK_ICON = (
    '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><circle cx="8" cy="8" r="6" '
    'fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 4.6V8l2.4 1.7" fill="none" '
    'stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>'
)
_STAR_ICON = (
    '<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><path d="M8 1.3l2 4.2 4.6.6-3.4 '
    '3.1.9 4.6L8 11.5l-4.1 2.3.9-4.6L1.4 6.1 6 5.5z" fill="currentColor"/></svg>'
)


def _marker(kind: str) -> tuple[str, str]:
    """(glyph, css class) of a flag marker: the glyph tells the kind without colour."""
    if kind in QUESTION_PROBLEM_FLAGS or kind == "closed_question":
        return "?", "m-question"
    if kind in ("hot_tip", "pitch"):
        return "!", "m-telling"
    if kind in TIMING_KINDS:
        return _CLOCK_ICON, "m-timing"
    return _STAR_ICON, "m-buddy"


def _component_value(c: ScoreComponent) -> str:
    if c.value is None:
        return "not measured"
    if c.key in ("talk_share", "open_questions", "question_craft", "telling"):
        return percent(c.value)
    if c.key in ("monologue", "patience"):
        return f"{number(c.value)} s"
    return f"{number(c.value, 2)} per question"


def _role(name: str, role: str, shape: str, css: str = "muted") -> str:
    """The role after a person's name ("Sam (interviewer)"); nothing when the name is the role."""
    if name.casefold() == role:
        return ""
    return f'<span class="{css}">{_e(shape.format(role))}</span>'


def _score(report: Report) -> str:
    s = report.listening_score
    rows = []
    for c in s.components:
        if c.points is None:
            bar = '<span class="bar bar-none" aria-hidden="true"></span>'
            pts = '<span class="pts muted">not measured</span>'
        else:
            width = 100 * c.points / c.weight if c.weight else 0
            bar = (
                f'<span class="bar" aria-hidden="true"><span class="fill" style="width:{width:.1f}%">'
                "</span></span>"
            )
            of = f'<span class="muted"> / {_e(number(c.weight))}</span>'
            pts = f'<span class="pts">{_e(number(c.points))}{of}</span>'
        value = "" if c.value is None else f"{_e(_component_value(c))} \u00b7 "
        rows.append(
            f'<li class="comp"><div class="comp-head">'
            f'<span class="comp-label">{_e(c.label)}</span>{pts}</div>'
            f"{bar}"
            f'<div class="comp-note">{value}target: {_e(c.target)}</div></li>'
        )
    dash = 2 * math.pi * 52
    # No score draws no arc: a zero-length round-capped stroke would still show as a dot.
    arc = (
        ""
        if s.score is None
        else f'<circle cx="60" cy="60" r="52" class="gauge-fill" '
        f'stroke-dasharray="{dash * s.score / 100:.1f} {dash:.1f}" transform="rotate(-90 60 60)"/>'
    )
    shown = "\u2013" if s.score is None else str(s.score)
    aria = NO_SCORE if s.score is None else f"Listening score {s.score} out of 100"
    gauge = (
        '<svg class="gauge" viewBox="0 0 120 120" role="img" '
        f'aria-label="{_e(aria)}">'
        '<circle cx="60" cy="60" r="52" class="gauge-track"/>'
        f"{arc}"
        f'<text x="60" y="62" class="gauge-num">{shown}</text>'
        '<text x="60" y="82" class="gauge-of">of 100</text></svg>'
    )
    return (
        '<section class="card score" aria-labelledby="h-score">'
        '<h2 id="h-score">Listening score</h2>'
        f'<div class="score-top">{gauge}<div><p class="verdict">{_e(_verdict(s.score))}</p>'
        '<p class="muted small">How much room the interviewer gave the customer to tell their story. '
        "Each part earns points between a poor and a good value; parts with no evidence in this "
        "call are left out.</p></div></div>"
        f'<ul class="comps">{"".join(rows)}</ul></section>'
    )


def _donut(report: Report) -> str:
    t = report.talk
    names = report.names
    share = t.interviewer_share
    if share is None:
        return (
            '<section class="card talk" aria-labelledby="h-talk"><h2 id="h-talk">Talk share</h2>'
            '<p class="muted">Nobody spoke.</p></section>'
        )
    r, width = 48, 22
    circ = 2 * math.pi * r
    mine = circ * share
    svg = (
        '<svg class="donut" viewBox="0 0 140 140" role="img" '
        f'aria-label="{_e(names["interviewer"])} {_e(percent(share))}, '
        f'{_e(names["customer"])} {_e(percent(1 - share))}">'
        '<defs><pattern id="stripes" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="c-fill"/>'
        '<rect width="2.5" height="6" class="c-stripe"/></pattern></defs>'
        f'<circle cx="70" cy="70" r="{r}" fill="none" stroke="url(#stripes)" stroke-width="{width}"/>'
        f'<circle cx="70" cy="70" r="{r}" fill="none" class="i-stroke" stroke-width="{width}" '
        f'stroke-dasharray="{mine:.2f} {circ:.2f}" transform="rotate(-90 70 70)"/>'
        f'<text x="70" y="70" class="donut-num">{_e(percent(share))}</text>'
        '<text x="70" y="88" class="donut-sub">interviewer</text></svg>'
    )
    basis = "by speaking time" if t.basis == "time" else "by words: the transcript has no times"

    def row(role: str, swatch: str, part: float, seconds: float | None, words: int) -> str:
        amount = length(seconds) if seconds is not None else f"{words} words"
        return (
            f'<li><span class="swatch {swatch}" aria-hidden="true"></span>'
            f'<span class="who">{_e(names[role])}{_role(names[role], role, " ({})")}</span>'
            f'<span class="amt">{_e(percent(part))} \u00b7 {_e(amount)}</span></li>'
        )

    legend = (
        '<ul class="legend">'
        + row("interviewer", "sw-i", share, t.interviewer_seconds, t.interviewer_words)
        + row("customer", "sw-c", 1 - share, t.customer_seconds, t.customer_words)
        + "</ul>"
    )
    facts = []
    if t.interruptions is not None:
        facts.append(("Interruptions", str(t.interruptions)))
    if t.median_patience_seconds is not None:
        facts.append(("Median pause before replying", f"{number(t.median_patience_seconds)} s"))
    if t.quick_fills is not None:
        facts.append(("Replies within 1 s", str(t.quick_fills)))
    if t.overlap_seconds is not None:
        facts.append(("Both talking at once", length(t.overlap_seconds)))
    if t.switches_per_minute is not None:
        facts.append(("Speaker switches per minute", number(t.switches_per_minute)))
    stats = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts)
    return (
        '<section class="card talk" aria-labelledby="h-talk"><h2 id="h-talk">Talk share</h2>'
        f'<div class="donut-wrap">{svg}<div>{legend}<p class="muted small">{_e(basis)}. '
        "Aim for the customer doing most of the talking.</p></div></div>"
        + (f'<dl class="stats">{stats}</dl>' if stats else "")
        + "</section>"
    )


def _timeline(report: Report) -> str:
    lanes = report.timeline
    spans = [iv for ivs in lanes.values() for iv in ivs]
    if not spans:
        return ""
    lo = min(s for s, _ in spans)
    # Start the axis at zero unless the times are wall-clock (a chat export at 10:02).
    lo = 0.0 if lo < 600 else lo
    hi = max(e for _, e in spans)
    if report.duration is not None and report.duration > hi and report.duration - hi < 600:
        hi = report.duration
    span = max(hi - lo, 1e-6)

    def pos(t: float) -> float:
        return 100 * (min(max(t, lo), hi) - lo) / span

    lane_html = []
    for role, css in (("interviewer", "seg-i"), ("customer", "seg-c")):
        segs = "".join(
            f'<span class="seg {css}" style="left:{pos(s):.3f}%;'
            f'width:{max(pos(e) - pos(s), 0.15):.3f}%"></span>'
            for s, e in lanes.get(role, ())
        )
        total = sum(e - s for s, e in lanes.get(role, ()))
        lane_html.append(
            f'<div class="lane"><div class="lane-label"><span class="name">{_e(report.names[role])}</span>'
            f"{_role(report.names[role], role, '{}', 'role muted')}</div>"
            f'<div class="lane-track" role="img" aria-label="{_e(report.names[role])} spoke '
            f'{_e(length(total))} in {len(lanes.get(role, ()))} stretches">{segs}</div></div>'
        )
    markers = []
    # Markers closer than this (in % of the call) go on separate rows so none hides another.
    min_gap, rows_end = 5.5, [-100.0, -100.0, -100.0]
    for n, m in enumerate(report.moments):
        if m.time is None:
            continue
        glyph, css = _marker(m.kind)
        x = pos(m.time)
        row = next((r for r, last in enumerate(rows_end) if x - last >= min_gap), None)
        if row is None:
            row = min(range(len(rows_end)), key=lambda r: rows_end[r])
        rows_end[row] = x
        tip = f"{clock(m.time)} {label(m.kind)}" + (f": {m.text}" if m.text else "")
        tip = tip if len(tip) < 160 else tip[:157] + "..."
        markers.append(
            f'<a class="marker {css}" href="#moment-{n}" style="left:{x:.3f}%;top:{3 + 25 * row}px" '
            f'title="{_e(tip)}" aria-label="{_e(tip)}">{glyph}</a>'
        )
    used_rows = sum(1 for last in rows_end if last > -100.0) or 1
    ticks = []
    step = _tick_step(span)
    t = math.ceil(lo / step) * step
    k = 0
    while t <= hi + 1e-6:
        # Every other tick is hidden on narrow screens, where the labels would touch.
        odd = " odd" if k % 2 else ""
        ticks.append(f'<span class="tick{odd}" style="left:{pos(t):.3f}%">{_e(clock(t))}</span>')
        t += step
        k += 1
    key = (
        '<ul class="key" aria-label="Marker key">'
        '<li><span class="marker m-question static">?</span> question to rephrase</li>'
        '<li><span class="marker m-telling static">!</span> hot tip or pitch</li>'
        f'<li><span class="marker m-timing static">{_CLOCK_ICON}</span> talk timing</li>'
        f'<li><span class="marker m-buddy static">{_STAR_ICON}</span> flagged live</li></ul>'
    )
    return (
        '<section class="card wide" aria-labelledby="h-timeline"><h2 id="h-timeline">Who spoke when</h2>'
        '<div class="timeline">'
        f'<div class="lane markers-lane"><div class="lane-label">Moments</div>'
        f'<div class="lane-track markers" style="height:{6 + 25 * used_rows}px">'
        f"{''.join(markers)}</div></div>"
        f"{''.join(lane_html)}"
        f'<div class="lane"><div class="lane-label"></div><div class="axis">{"".join(ticks)}</div></div>'
        f"</div>{key}</section>"
    )


def _tick_step(span: float) -> float:
    for step in (10, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if span / step <= 8:
            return float(step)
    return 7200.0


def _bars(rows: list[tuple[str, int, str]], aria: str) -> str:
    """A horizontal bar chart; each row (label, count, css class). Labels and counts are text."""
    if not rows:
        return ""
    top = max(1, *(n for _, n, _ in rows))
    # label_w fits the longest label, "Several questions at once", at the labels' 15 px.
    row_h, label_w, width = 32, 220, 460
    bar_w = width - label_w - 44
    parts = []
    for i, (text, n, css) in enumerate(rows):
        y = i * row_h
        w = bar_w * n / top
        parts.append(
            f'<text x="{label_w - 10}" y="{y + 21}" class="bar-label">{_e(text)}</text>'
            f'<rect x="{label_w}" y="{y + 7}" width="{max(w, 2):.1f}" height="19" rx="3" class="{css}"/>'
            f'<text x="{label_w + max(w, 2) + 6:.1f}" y="{y + 21}" class="bar-num">{n}</text>'
        )
    h = row_h * len(rows)
    return (
        f'<svg class="bars" viewBox="0 0 {width} {h}" role="img" aria-label="{_e(aria)}">'
        f"{''.join(parts)}</svg>"
    )


def _questions(report: Report) -> str:
    q, b = report.questions, report.behaviours
    form = _bars([("Open", q.open, "b-good"), ("Closed", q.closed, "b-warn")], "Questions by form")
    flags = _bars(
        [(label(f), n, "b-warn") for f, n in q.by_flag.items() if f != "closed_question"]
        + [("Hot tips", b.hot_tips, "b-bad"), ("Pitches", b.pitches, "b-bad")],
        "Question problems, hot tips and pitches",
    )
    ratio = number(b.reflection_to_question, 2) if b.reflection_to_question is not None else "n/a"
    tiles = (
        '<dl class="stats">'
        f"<div><dt>Questions</dt><dd>{q.total}</dd></div>"
        f"<div><dt>Open share</dt><dd>{_e(percent(q.open_share) or 'n/a')}</dd></div>"
        f"<div><dt>Reflections</dt><dd>{b.reflections}</dd></div>"
        f"<div><dt>Reflections per question</dt><dd>{_e(ratio)}</dd></div></dl>"
    )
    return (
        '<section class="card" aria-labelledby="h-questions"><h2 id="h-questions">Questions</h2>'
        f"{tiles}<h3>By form</h3>{form}<h3>To work on</h3>{flags}</section>"
    )


def _stretch(title: str, hid: str, s: Stretch | None, who: str, role: str) -> str:
    if s is None:
        return ""
    if s.start is not None:
        when = f"{clock(s.start)}\u2013{clock(s.end)} \u00b7 {length(s.seconds)} \u00b7 {s.words} words"
    else:
        when = f"{s.words} words"
    text = s.text if len(s.text) <= 900 else s.text[:900].rsplit(" ", 1)[0] + " \u2026"
    return (
        f'<section class="card" aria-labelledby="{hid}"><h2 id="{hid}">{_e(title)}</h2>'
        f'<p class="meta">{_e(when)}</p>'
        f'<blockquote class="q-{role}"><p>{_e(text)}</p><footer>{_e(who)}</footer></blockquote></section>'
    )


def _quotes(title: str, hid: str, quotes: tuple[Quote, ...], empty: str) -> str:
    if quotes:
        items = "".join(
            "<li>"
            + (f'<span class="chip">{_e(clock(q.time))}</span>' if q.time is not None else "")
            + f"<q>{_e(q.text)}</q></li>"
            for q in quotes
        )
        body = f'<ul class="quotes">{items}</ul>'
    else:
        body = f'<p class="muted">{_e(empty)}</p>'
    return f'<div class="voc" aria-labelledby="{hid}"><h3 id="{hid}">{_e(title)}</h3>{body}</div>'


def _voice_of_customer(report: Report) -> str:
    return (
        '<section class="card wide" aria-labelledby="h-voc"><h2 id="h-voc">In the customer\u2019s words</h2>'
        '<p class="muted small">Pains and workarounds are where the follow-up questions are.</p>'
        '<div class="voc-cols">'
        + _quotes(f"Pains ({len(report.pains)})", "h-pains", report.pains, "No pains spotted.")
        + _quotes(
            f"Workarounds ({len(report.workarounds)})",
            "h-work",
            report.workarounds,
            "No workarounds spotted.",
        )
        + "</div></section>"
    )


def _context(c: ContextLine | None, names: Mapping[str, str]) -> str:
    if c is None:
        return ""
    text = c.text if len(c.text) <= CONTEXT_CHARS else c.text[:CONTEXT_CHARS].rsplit(" ", 1)[0] + " \u2026"
    at = f'<span class="chip">{_e(clock(c.time))}</span>' if c.time is not None else ""
    return (
        f'<p class="ctx ctx-{c.speaker}">{at}<span class="who">{_e(names.get(c.speaker, c.speaker))}:</span> '
        f"{_e(text)}</p>"
    )


def _also(m: Moment) -> list[str]:
    """The moment's other problems, named beside its kind ("Closed question" + "Interruption")."""
    shown = {*MOMENT_FLAGS, *TIMING_KINDS}
    return [f for f in dict.fromkeys(m.flags) if f != m.kind and f in shown]


def _moments(report: Report, clip_url: ClipUrl | None) -> str:
    names = report.names
    if not report.moments:
        return (
            '<section class="card wide" aria-labelledby="h-moments"><h2 id="h-moments">Flagged moments</h2>'
            '<p class="muted">Nothing flagged in this call.</p></section>'
        )
    items = []
    for n, m in enumerate(report.moments):
        glyph, css = _marker(m.kind)
        at = clock(m.time) if m.time is not None else ""
        who = names.get(m.speaker, m.speaker) if m.speaker else ""
        source = ""
        if m.source == "nudge":
            source = "live nudge"
        elif m.source == "buddy" and m.kind != "buddy_flag":
            source = "flagged by the buddy"
        head = (
            f'<header><span class="marker static {css}" aria-hidden="true">{glyph}</span>'
            f'<span class="kind">{_e(label(m.kind))}</span>'
            + "".join(f'<span class="also">{_e(label(f))}</span>' for f in _also(m))
            + (f'<span class="chip">{_e(at)}</span>' if at else "")
            + (f'<span class="muted small">{_e(source)}</span>' if source else "")
            + "</header>"
        )
        said = (
            f'<p class="ctx ctx-{_e(m.speaker or "none")} here">'
            + (f'<span class="chip">{_e(at)}</span>' if at else "")
            + f'<span class="who">{_e(who)}:</span> {_e(m.text)}</p>'
            if m.text
            else ""
        )
        advice = ""
        if m.message:
            advice += f'<p class="msg">{_e(m.message)}</p>'
        if m.suggestion:
            advice += f'<p class="try"><strong>Try instead:</strong> {_e(m.suggestion)}</p>'
        if m.note:
            advice += f'<p class="note"><strong>Buddy\u2019s note:</strong> {_e(m.note)}</p>'
        clip = ""
        if clip_url is not None and m.time is not None:
            end = m.end if m.end is not None and m.end > m.time else m.time + CLIP_DEFAULT_S
            url = clip_url(max(0.0, m.time - CLIP_PAD_S), end + CLIP_PAD_S)
            if url:
                clip = (
                    f'<audio controls preload="none" src="{_e(url)}" '
                    f'aria-label="Recording around {_e(at)}"></audio>'
                )
        items.append(
            f'<li id="moment-{n}" class="moment {css}">{head}<div class="context">'
            f"{_context(m.before, names)}{said}{_context(m.after, names)}</div>{advice}{clip}</li>"
        )
    return (
        '<section class="card wide" aria-labelledby="h-moments">'
        f'<h2 id="h-moments">Flagged moments <span class="count">{len(report.moments)}</span></h2>'
        f'<ol class="moments">{"".join(items)}</ol></section>'
    )


def _fix_form(r: Report, fix: SpeakerFix) -> str:
    """Rename the speakers or swap them (the capture page was opened by the other person)."""
    checked = " checked" if fix.swap else ""
    return (
        '<form class="fix" method="get" aria-label="Fix the speakers">'
        f'<label>Interviewer <input name="interviewer_name" value="{_e(r.names["interviewer"])}" '
        'maxlength="80"></label>'
        f'<label>Customer <input name="customer_name" value="{_e(r.names["customer"])}" '
        'maxlength="80"></label>'
        f'<label><input type="checkbox" name="swap" value="true"{checked}> They were the other way round'
        '</label><button type="submit">Update the report</button></form>'
    )


def render_html(
    report: Report,
    *,
    clip_url: ClipUrl | None = None,
    exports: Mapping[str, str] | None = None,
    fix_form: SpeakerFix | None = None,
    actions: Mapping[str, str] | None = None,
) -> str:
    """The whole page. `exports` are label -> href links shown in the header (the server adds
    them), `actions` label -> href links to the pages after the call (the debrief, the review);
    `fix_form` (the fix in force; the server adds it) shows a form to rename or swap the
    speakers, which reloads the page with them."""
    r = report
    title = r.title or "Call report"
    meta = [x for x in (r.date, length(r.duration) if r.duration else None) if x]
    meta_html = "".join(f"<span>{_e(x)}</span>" for x in meta)
    meta_html += (
        f'<span><span class="swatch sw-i" aria-hidden="true"></span>{_e(r.names["interviewer"])}'
        f"{_role(r.names['interviewer'], 'interviewer', ' {}')}</span>"
        f'<span><span class="swatch sw-c" aria-hidden="true"></span>{_e(r.names["customer"])}'
        f"{_role(r.names['customer'], 'customer', ' {}')}</span>"
    )
    nav = ""
    if exports:
        links = "".join(f'<a href="{_e(href)}">{_e(name)}</a>' for name, href in exports.items())
        nav = f'<nav class="exports" aria-label="Export">Export {links}</nav>'
    if actions:
        links = "".join(f'<a href="{_e(href)}">{_e(name)}</a>' for name, href in actions.items())
        nav += f'<nav class="exports" aria-label="After the call">After the call {links}</nav>'
    if fix_form is not None:
        nav += _fix_form(r, fix_form)
    body = (
        f'<header class="top"><div><p class="brand">SecondEar \u00b7 call report</p><h1>{_e(title)}</h1>'
        f'<p class="meta">{meta_html}</p></div>{nav}</header>'
        '<main class="grid">'
        + _score(r)
        + _donut(r)
        + _timeline(r)
        + _questions(r)
        + '<div class="stack">'
        + _stretch("Longest monologue", "h-mono", r.longest_monologue, r.names["interviewer"], "interviewer")
        + _stretch("Longest customer story", "h-story", r.longest_story, r.names["customer"], "customer")
        + "</div>"
        + _voice_of_customer(r)
        + ("" if r.debrief is None else render_debrief_html(r.debrief))
        + _moments(r, clip_url)
        + "</main>"
        '<footer class="foot muted small">Made by SecondEar. The listening score and every number '
        "here are explained in the report documentation (docs/report.md).</footer>"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} \u00b7 SecondEar</title><style>{CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


CSS = """
:root{--ink:#1c2230;--muted:#5b6474;--line:#e3e6ec;--bg:#f5f6f9;--card:#fff;
--i:#2f5bd3;--i-soft:#dbe4fb;--c:#c2570c;--c-soft:#fbe6d6;--good:#1f7a4d;--warn:#a86500;--bad:#b42335;
--buddy:#6b3fb5;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg);line-height:1.45}
*{box-sizing:border-box}body{margin:0;padding:24px clamp(12px,3vw,40px) 40px;font-size:15px}
h1{font-size:clamp(22px,3vw,30px);margin:2px 0 6px;line-height:1.2}
h2{font-size:17px;margin:0 0 12px;display:flex;align-items:center;gap:8px}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:16px 0 4px}
.muted{color:var(--muted)}.small{font-size:13px}
.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-end;gap:12px;
max-width:1240px;margin:0 auto 18px}
.brand{margin:0;font-size:12px;font-weight:600;letter-spacing:.08em;text-transform:uppercase;color:var(--i)}
.meta{margin:0;display:flex;flex-wrap:wrap;gap:6px 16px;color:var(--muted);font-size:14px;align-items:center}
.fix{display:flex;flex-wrap:wrap;gap:8px;align-items:center;font-size:13px;color:var(--muted);margin-top:8px}
.fix input:not([type]){width:9em;padding:4px 6px;border:1px solid var(--line);
  border-radius:6px}
.fix button{border:1px solid var(--line);background:var(--card);border-radius:6px;padding:5px 10px;
  cursor:pointer}
.exports{display:flex;flex-wrap:wrap;gap:6px;align-items:center;font-size:13px;color:var(--muted)}
.exports a{border:1px solid var(--line);background:var(--card);border-radius:6px;padding:5px 10px;
color:var(--i);text-decoration:none;font-weight:600}
.exports a:hover,.exports a:focus-visible{border-color:var(--i)}
a:focus-visible{outline:3px solid #f2b705;outline-offset:2px}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;max-width:1240px;margin:0 auto}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;min-width:0}
.wide{grid-column:1/-1}
.score-top{display:flex;gap:18px;align-items:center;margin-bottom:10px}
.gauge{width:120px;height:120px;flex:none}
.gauge-track{fill:none;stroke:var(--line);stroke-width:12}
.gauge-fill{fill:none;stroke:var(--i);stroke-width:12;stroke-linecap:round}
.gauge-num{font-size:38px;font-weight:700;text-anchor:middle;fill:var(--ink)}
.gauge-of{font-size:12px;text-anchor:middle;fill:var(--muted)}
.verdict{font-size:19px;font-weight:650;margin:0 0 4px}
.comps{list-style:none;margin:0;padding:0;display:grid;gap:9px}
.comp-head{display:flex;justify-content:space-between;gap:8px;font-size:14px}
.comp-label{font-weight:600}.pts{font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{display:block;height:8px;border-radius:4px;background:var(--line);margin:3px 0 2px;overflow:hidden}
.bar .fill{display:block;height:100%;background:var(--i);border-radius:4px}
.bar-none{background:repeating-linear-gradient(90deg,var(--line) 0 6px,transparent 6px 10px)}
.comp-note{font-size:12.5px;color:var(--muted)}
.donut-wrap{display:flex;gap:18px;align-items:center;flex-wrap:wrap}
.donut{width:160px;height:160px;flex:none}
.donut-num{font-size:24px;font-weight:700;text-anchor:middle;fill:var(--ink)}
.donut-sub{font-size:11px;text-anchor:middle;fill:var(--muted)}
.i-stroke{stroke:var(--i)}.c-fill{fill:var(--c)}.c-stripe{fill:#f6c9a6}
.legend{list-style:none;padding:0;margin:0 0 8px;display:grid;gap:8px}
.legend li{display:grid;grid-template-columns:18px 1fr;column-gap:8px;align-items:center}
.legend .amt{grid-column:2;font-size:14px;font-variant-numeric:tabular-nums}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-2px;margin-right:5px}
.legend .swatch{margin:0}
.sw-i{background:var(--i)}
.sw-c{background:repeating-linear-gradient(45deg,var(--c) 0 3px,#f6c9a6 3px 5px)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px;margin:12px 0 0}
.stats div{background:var(--bg);border-radius:8px;padding:8px 10px}
.stats dt{font-size:12px;color:var(--muted)}.stats dd{margin:0;font-size:20px;font-weight:650;
font-variant-numeric:tabular-nums}
.timeline{display:grid;gap:6px;margin-top:4px}
.lane{display:grid;grid-template-columns:120px 1fr;gap:10px;align-items:center}
.lane-label{font-size:13px;font-weight:600;line-height:1.2;min-width:0}
.lane-label .name{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.lane-label .role{display:block;font-weight:400;font-size:11.5px}
.lane-track{position:relative;height:30px;background:var(--bg);border-radius:5px;overflow:hidden}
.seg{position:absolute;top:3px;bottom:3px;border-radius:2px}
.seg-i{background:var(--i)}
.seg-c{background:repeating-linear-gradient(45deg,var(--c) 0 3px,#f6c9a6 3px 5px)}
.markers{overflow:visible;background:none}
.marker{position:absolute;transform:translateX(-50%);width:22px;height:22px;border-radius:50%;
display:inline-flex;align-items:center;justify-content:center;font-size:13px;font-weight:700;
color:#fff;text-decoration:none;border:2px solid #fff;box-shadow:0 0 0 1px rgba(0,0,0,.15)}
.marker.static{position:static;transform:none;flex:none}
.m-question{background:var(--warn)}.m-telling{background:var(--bad)}.m-timing{background:#4a5568}
.m-buddy{background:var(--buddy)}
.marker:hover,.marker:focus-visible{z-index:2;transform:translateX(-50%) scale(1.25)}
.axis{position:relative;height:18px;font-size:11.5px;color:var(--muted)}
.tick{position:absolute;transform:translateX(-50%);white-space:nowrap}
.tick:first-child{transform:none}
.key{list-style:none;padding:0;margin:14px 0 0;display:flex;flex-wrap:wrap;gap:8px 18px;font-size:13px;
color:var(--muted)}
.key li{display:flex;align-items:center;gap:6px}
.key .marker{width:20px;height:20px;font-size:12px}
.bars{width:100%;max-width:440px;height:auto;display:block}
.bar-label{font-size:15px;text-anchor:end;fill:var(--ink)}
.bar-num{font-size:15px;font-weight:600;fill:var(--ink)}
.b-good{fill:var(--good)}.b-warn{fill:var(--warn)}.b-bad{fill:var(--bad)}
blockquote{margin:0;padding:10px 14px;border-left:4px solid var(--i);background:var(--bg);
border-radius:0 8px 8px 0}
blockquote.q-customer{border-left:4px dashed var(--c)}
blockquote p{margin:0 0 6px}blockquote footer{font-size:13px;color:var(--muted)}
blockquote footer::before{content:"\\2014  "}
.card>.meta{margin-bottom:8px}
.quotes{list-style:none;padding:0;margin:0;display:grid;gap:10px}
.quotes li{display:flex;gap:10px;align-items:baseline}
.quotes q{font-style:italic}
.chip{display:inline-block;font-size:12px;font-variant-numeric:tabular-nums;background:var(--bg);
border:1px solid var(--line);border-radius:10px;padding:0 7px;color:var(--muted);flex:none;margin-right:6px}
.count{font-size:13px;font-weight:600;background:var(--bg);border-radius:10px;padding:1px 8px;
color:var(--muted)}
.moments{list-style:none;padding:0;margin:0;display:grid;gap:14px}
.moment{border:1px solid var(--line);border-left-width:5px;border-radius:8px;padding:12px 14px}
.moment.m-question{border-left-color:var(--warn);background:none}
.moment.m-telling{border-left-color:var(--bad);background:none}
.moment.m-timing{border-left-color:#4a5568;background:none}
.moment.m-buddy{border-left-color:var(--buddy);background:none}
.moment header{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-bottom:8px}
.kind{font-weight:650}
.also{font-size:12.5px;font-weight:600;border:1px solid var(--line);border-radius:10px;padding:0 8px}
.stack{display:grid;gap:16px;align-content:start;min-width:0}
.voc-cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:8px 28px}
.voc h3{margin-top:4px}
.context{display:grid;gap:4px;margin-bottom:8px}
.ctx{margin:0;color:var(--muted);font-size:14px}
.ctx .who{font-weight:600}
.ctx.here{color:var(--ink);font-size:15px;background:var(--bg);padding:6px 10px;border-radius:6px}
.ctx-interviewer .who{color:var(--i)}.ctx-customer .who{color:var(--c)}
.msg{margin:4px 0}.try{margin:4px 0;color:var(--good)}.try strong{color:var(--ink)}
.note{margin:4px 0}
audio{width:100%;max-width:420px;margin-top:6px}
.foot{max-width:1240px;margin:20px auto 0}
@media (max-width:820px){.grid{grid-template-columns:minmax(0,1fr)}}
@media (max-width:520px){body{padding:14px 10px 28px;font-size:14.5px}.card{padding:14px}
.lane{grid-template-columns:minmax(0,1fr);gap:2px}.lane-label .name{display:inline}
.lane-label .role{display:inline;margin-left:6px}.tick.odd{display:none}.timeline{gap:8px}
.donut{width:130px;height:130px}
.gauge{width:104px;height:104px}}
@media print{body{background:#fff}.card{break-inside:avoid}audio,.exports{display:none}}
"""
