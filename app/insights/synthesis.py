"""A study's synthesis on the server: the offline engine (app/insights/study.py) over the study's
calls and imported transcripts, kept per study content (a hash of its calls at their sequence
numbers and its transcripts), with each quote linked to its moment in the call's report."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from app.calls.report import call_report
from app.calls.timing import timing_rules
from app.db.insights import StudyCall
from app.db.tables import StudyRow
from app.deps import Live
from app.insights.embed import Encoder
from app.insights.figures import insights
from app.insights.sources import Source
from app.insights.study import build_study

# Bump when the engine's output changes, so cached syntheses are made again.
ENGINE_VERSION = 1

_encoder: Encoder | None = None
_encoder_lock = threading.Lock()
# One synthesis at a time per process: it is CPU work, and they share the encoder.
_synthesis_lock = threading.Lock()
_study_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def encoder() -> Encoder:
    """One sentence encoder per process: loading its weights takes seconds."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = Encoder()
        return _encoder


def content_key(calls: Sequence[StudyCall], transcripts: Sequence[tuple[str, str]]) -> str:
    what = [ENGINE_VERSION, [(c.call_id, c.seq) for c in calls], [t for t, _ in transcripts]]
    return hashlib.sha256(json.dumps(what).encode()).hexdigest()


def _unique(name: str, taken: set[str]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name} #{n}", n + 1
    taken.add(out)
    return out


def _moment_anchors(report: Mapping[str, Any]) -> dict[float, int]:
    """The report page's moment number (`#moment-N`) at each moment's time."""
    anchors: dict[float, int] = {}
    for n, m in enumerate(report.get("moments") or ()):
        t = m.get("time")
        if isinstance(t, int | float):
            anchors.setdefault(round(float(t), 3), n)
    return anchors


# The report page's sections of the customer's pains and workarounds (app/reports/html.py).
SECTION = {"pain": "h-pains", "workaround": "h-work"}


def _link_quotes(data: dict[str, Any], links: Mapping[str, tuple[str, dict[float, int]]]) -> None:
    """Give every quote from a call the link to where its report shows it: the flagged moment at
    its time, else the report's section of pains or workarounds."""
    quotes: list[tuple[dict[str, Any], str | None]] = [
        (q, SECTION.get(c["kind"])) for c in data["clusters"] for q in c["quotes"]
    ]
    if data.get("problem_statement"):
        quotes += [(q, SECTION["pain"]) for q in data["problem_statement"]["quotes"]]
    quotes += [(q, None) for q in data["behaviour"]["past"] + data["behaviour"]["stated"]]
    for q, section in quotes:
        found = links.get(q["interview"])
        if found is None:
            continue
        call_id, anchors = found
        n = anchors.get(q["start"]) if "start" in q else None
        anchor = f"#moment-{n}" if n is not None else (f"#{section}" if section else "")
        q["link"] = f"/report/{call_id}{anchor}"


def _synthesize(sources: list[Source]) -> dict[str, Any]:
    with _synthesis_lock:
        enc = encoder()
        try:
            return build_study(sources, enc).to_dict()
        finally:
            enc.forget()


async def synthesis(live: Live, study: StudyRow) -> dict[str, Any]:
    """The study's synthesis, from the cache when its content has not changed."""
    ins = insights(live)
    calls = await live.store.run(ins.study_calls, study.id)
    names = await live.store.run(ins.transcript_names, study.id)
    key = content_key(calls, names)
    if study.synthesis_key == key and study.synthesis is not None:
        return study.synthesis
    lock = _study_locks.setdefault(study.id, asyncio.Lock())
    async with lock:
        fresh = await live.store.run(ins.get_study, study.id)
        if fresh is not None and fresh.synthesis_key == key and fresh.synthesis is not None:
            return fresh.synthesis
        taken: set[str] = set()
        sources: list[Source] = []
        links: dict[str, tuple[str, dict[float, int]]] = {}
        interviews: list[dict[str, Any]] = []
        rules = timing_rules(live.settings)
        for c in calls:
            history = await live.store.run(live.repo.history, c.call_id)
            if history is None:
                continue
            report = (await asyncio.to_thread(call_report, history, rules)).to_dict()
            date = str(report.get("date") or "")[:10]
            name = _unique(f"{c.title} ({date})" if date else c.title, taken)
            sources.append(Source(name, Path(c.call_id), report))
            links[name] = (c.call_id, _moment_anchors(report))
            interviews.append({"name": name, "call_id": c.call_id, "link": f"/report/{c.call_id}"})
        for t in await live.store.run(ins.study_transcripts, study.id):
            name = _unique(t.name, taken)
            sources.append(Source(name, Path(t.name), t.report))
            interviews.append({"name": name, "transcript_id": t.id, "link": None})
        data = await asyncio.to_thread(_synthesize, sources)
        _link_quotes(data, links)
        data["sources"] = interviews
        await live.store.run(ins.save_synthesis, study.id, key, data)
        return data
