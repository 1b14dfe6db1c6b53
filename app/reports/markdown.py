"""The report as Markdown: for pasting into a doc, a ticket or a chat."""

from __future__ import annotations

from app.reports.debrief_render import render_debrief_markdown
from app.reports.fmt import clock, length, number, percent
from app.reports.model import Moment, Quote, Report, ScoreComponent, Stretch
from app.reports.wording import NO_SCORE, label


def _t(text: str) -> str:
    """Text from people (titles, names, what was said, notes) on one line, with HTML escaped:
    Markdown passes raw HTML through, and a pasted report must not carry someone's markup."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(text: str) -> str:
    return _t(text).replace("|", "\\|")


def _quote(text: str) -> str:
    return "> " + _t(text) if text.strip() else "> (no words)"


def _component_value(c: ScoreComponent) -> str:
    if c.value is None:
        return "not measured"
    if c.key in ("talk_share", "open_questions", "question_craft", "telling"):
        return percent(c.value)
    if c.key in ("monologue", "patience"):
        return f"{number(c.value)} s"
    return number(c.value, 2)


def _stretch(title: str, s: Stretch | None, who: str) -> list[str]:
    if s is None:
        return []
    head = f"## {title}"
    if s.start is not None:
        head += f" ({clock(s.start)}-{clock(s.end)}, {length(s.seconds)})"
    else:
        head += f" ({s.words} words)"
    return [head, "", f"**{_t(who)}:**", "", _quote(s.text), ""]


def _quotes(title: str, quotes: tuple[Quote, ...]) -> list[str]:
    if not quotes:
        return []
    lines = [f"## {title}", ""]
    for q in quotes:
        at = f"**[{clock(q.time)}]** " if q.time is not None else ""
        lines.append(f"- {at}\u201c{_t(q.text)}\u201d")
    return [*lines, ""]


def _moment(m: Moment, names: dict[str, str]) -> list[str]:
    at = clock(m.time) if m.time is not None else "-"
    who = _t(names.get(m.speaker, m.speaker)) if m.speaker else ""
    lines = [f"### {at} \u00b7 {label(m.kind)}", ""]
    if m.before is not None:
        lines += [f"> *{_t(names.get(m.before.speaker, m.before.speaker))}:* {_t(m.before.text)}", ">"]
    if m.text:
        lines.append(f"> **{who}: {_t(m.text)}**" if who else f"> **{_t(m.text)}**")
    if m.after is not None:
        lines += [">", f"> *{_t(names.get(m.after.speaker, m.after.speaker))}:* {_t(m.after.text)}"]
    lines.append("")
    if m.message:
        lines.append(m.message)
    if m.suggestion:
        lines.append(f"*Try instead:* {m.suggestion}")
    if m.note:
        lines.append(f"*Buddy's note:* {_t(m.note)}")
    return [*lines, ""]


def render_markdown(report: Report) -> str:
    r = report
    names = r.names
    title = _t(r.title or "") or "Call report"
    meta = [x for x in (r.date, length(r.duration) if r.duration else None) if x]
    for role in ("interviewer", "customer"):
        if names[role].casefold() != role:
            meta.append(f"{role.capitalize()}: {_t(names[role])}")
    out = [f"# {title}", "", " \u00b7 ".join(meta), ""]

    s = r.listening_score
    out += [
        f"## Listening score: {NO_SCORE.lower() if s.score is None else f'{s.score} / 100'}",
        "",
        "| Part | Measured | Target | Points |",
        "|---|---|---|---|",
    ]
    for c in s.components:
        pts = "-" if c.points is None else f"{number(c.points)} / {number(c.weight)}"
        out.append(f"| {c.label} | {_component_value(c)} | {_cell(c.target)} | {pts} |")
    out.append("")

    t = r.talk
    out += ["## Talk", ""]
    basis = "by speaking time" if t.basis == "time" else "by words (no times in the transcript)"
    out.append(f"- Interviewer talk share: **{percent(t.interviewer_share) or 'n/a'}** ({basis})")
    if t.interviewer_seconds is not None and t.customer_seconds is not None:
        mine, theirs = length(t.interviewer_seconds), length(t.customer_seconds)
        out.append(f"- Speaking time: interviewer {mine}, customer {theirs}")
    out.append(f"- Words: interviewer {t.interviewer_words}, customer {t.customer_words}")
    if t.interruptions is not None:
        out.append(f"- Interruptions: {t.interruptions}")
    if t.median_patience_seconds is not None:
        out.append(
            f"- Patience (median silence before replying): {number(t.median_patience_seconds)} s; "
            f"replies within a second: {t.quick_fills}"
        )
    if t.overlap_seconds is not None:
        out.append(f"- Both talking at once: {length(t.overlap_seconds)}")
    if t.switches_per_minute is not None:
        out.append(f"- Speaker switches per minute: {number(t.switches_per_minute)}")
    out.append("")

    q, b = r.questions, r.behaviours
    out += [
        "## Questions and behaviours",
        "",
        "| What | Count |",
        "|---|---|",
        f"| Questions | {q.total} |",
        f"| Open | {q.open} |",
        f"| Closed | {q.closed} |",
    ]
    out += [f"| {label(flag)} | {n} |" for flag, n in q.by_flag.items() if flag != "closed_question"]
    out += [
        f"| Hot tips | {b.hot_tips} |",
        f"| Pitches | {b.pitches} |",
        f"| Reflections | {b.reflections} |",
        f"| Reflections per question | {number(b.reflection_to_question, 2) or 'n/a'} |",
        "",
    ]
    out += _stretch("Longest interviewer monologue", r.longest_monologue, names["interviewer"])
    out += _stretch("Longest customer story", r.longest_story, names["customer"])
    out += _quotes("Pains", r.pains)
    out += _quotes("Workarounds", r.workarounds)
    if r.debrief is not None:
        out += render_debrief_markdown(r.debrief)
    out += ["## Flagged moments", ""]
    if not r.moments:
        out += ["Nothing flagged.", ""]
    for m in r.moments:
        out += _moment(m, names)
    return "\n".join(out).rstrip() + "\n"
