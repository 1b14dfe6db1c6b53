"""Trend figures of the server's calls: each ended call's figures are computed once from its
report and kept (table `call_figures`), so the trends and team pages read numbers, not 500 reports.
A call whose sequence number moved since (a late flag, a note) is computed again."""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass

from app.calls.report import call_report
from app.calls.timing import timing_rules
from app.db.insights import CallFigures, Insights
from app.db.repository import Store
from app.deps import Live
from app.insights.trends import Call, Metric, call_figures

# One backfill at a time per server: two pages opened together do not build the same reports twice.
_LOCKS: weakref.WeakKeyDictionary[Store, asyncio.Lock] = weakref.WeakKeyDictionary()


def insights(live: Live) -> Insights:
    return Insights(live.repo.engine)


@dataclass(frozen=True, slots=True)
class OwnedCall:
    owner_id: str
    call_id: str
    call: Call


async def _compute(live: Live, row: CallFigures) -> dict[str, float | None] | None:
    history = await live.store.run(live.repo.history, row.call_id)
    if history is None:
        return None
    # Building a report is CPU work: off the event loop, and off the store's thread (live calls write there).
    report = await asyncio.to_thread(call_report, history, timing_rules(live.settings))
    figures = await asyncio.to_thread(call_figures, report.to_dict())
    await live.store.run(insights(live).save_figures, row.call_id, row.owner_id, history.call.seq, figures)
    return figures


async def ended_calls(live: Live, ms: tuple[Metric, ...]) -> list[OwnedCall]:
    """Every ended call that has an owner, oldest first, with its figures (computed where missing)."""
    rows = await live.store.run(insights(live).call_figures, None)
    if any(r.figures is None for r in rows):
        lock = _LOCKS.setdefault(live.store, asyncio.Lock())
        async with lock:
            rows = await live.store.run(insights(live).call_figures, None)
            filled = []
            for r in rows:
                figures = r.figures if r.figures is not None else await _compute(live, r)
                if figures is not None:
                    filled.append((r, figures))
    else:
        filled = [(r, r.figures) for r in rows if r.figures is not None]
    out = []
    for r, figures in filled:
        date = time.strftime("%Y-%m-%d", time.localtime(r.created_at))
        call = Call(r.title, date, {m.key: figures.get(m.key) for m in ms})
        out.append(OwnedCall(str(r.owner_id), r.call_id, call))
    return out
