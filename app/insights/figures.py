"""Trend figures of the server's calls: each ended call's figures are computed once from its
report and kept (table `call_figures`), so the trends and team pages read numbers, not 500 reports.
A call whose sequence number moved since (a late flag, a note) is computed again.

A request computes up to INLINE_FILL missing figures itself (the calls that ended since the last
visit); more than that (every call, after the upgrade that added the table) are computed by one
background task per server while the pages answer with the calls done so far and say how many are
still pending."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.calls.report import call_report
from app.calls.timing import timing_rules
from app.db.insights import CallFigures, Insights
from app.db.repository import Store
from app.deps import Live
from app.insights.trends import Call, Metric, call_figures

log = logging.getLogger(__name__)

# Missing figures a request computes before answering (about 50 ms of CPU each); beyond, the rest
# are left to the background task so that no page waits for hundreds of reports.
INLINE_FILL = 20

# One fill at a time per server: two pages opened together do not build the same reports twice.
_LOCKS: weakref.WeakKeyDictionary[Store, asyncio.Lock] = weakref.WeakKeyDictionary()
_FILLS: weakref.WeakKeyDictionary[Store, asyncio.Task[None]] = weakref.WeakKeyDictionary()


def insights(live: Live) -> Insights:
    return Insights(live.repo.engine)


@dataclass(frozen=True, slots=True)
class OwnedCall:
    owner_id: str
    call_id: str
    call: Call


@dataclass(frozen=True, slots=True)
class EndedCalls:
    calls: list[OwnedCall]
    pending: int
    """Ended calls whose figures are still being computed (left out of `calls`)."""


async def _compute(live: Live, row: CallFigures) -> None:
    history = await live.store.run(live.repo.history, row.call_id)
    if history is None:
        return
    # Building a report is CPU work: off the event loop, and off the store's thread (live calls write there).
    report = await asyncio.to_thread(call_report, history, timing_rules(live.settings))
    figures = await asyncio.to_thread(call_figures, report.to_dict())
    try:
        await live.store.run(
            insights(live).save_figures, row.call_id, row.owner_id, history.call.seq, figures
        )
    except IntegrityError:
        # Another server process sharing the database kept this call's figures first: the same numbers.
        log.info("trend figures of %s were kept by another process", row.call_id)


async def _fill(live: Live, limit: int | None) -> None:
    """Compute the missing figures (at most `limit` of them; None: all)."""
    async with _LOCKS.setdefault(live.store, asyncio.Lock()):
        rows = await live.store.run(insights(live).call_figures, None)
        missing = [r for r in rows if r.figures is None]
        for r in missing if limit is None else missing[:limit]:
            await _compute(live, r)


async def _fill_in_background(live: Live) -> None:
    try:
        await _fill(live, None)
    except RuntimeError:
        # The store closed under it: the server is stopping. The next start carries on.
        log.info("stopped computing trend figures: the server is stopping")
    except Exception:
        # The pages keep answering with the figures kept so far; the next request starts again.
        log.exception("computing the calls' trend figures failed")


def _start_fill(live: Live) -> None:
    running = _FILLS.get(live.store)
    if running is None or running.done():
        _FILLS[live.store] = asyncio.create_task(_fill_in_background(live), name="secondear-trend-figures")


def _owned(rows: Sequence[CallFigures], ms: tuple[Metric, ...]) -> list[OwnedCall]:
    out = []
    for r in rows:
        if r.figures is None:
            continue
        date = time.strftime("%Y-%m-%d", time.localtime(r.created_at))
        call = Call(r.title, date, {m.key: r.figures.get(m.key) for m in ms})
        out.append(OwnedCall(str(r.owner_id), r.call_id, call))
    return out


async def ended_calls(live: Live, ms: tuple[Metric, ...]) -> EndedCalls:
    """Every ended call that has an owner, oldest first, with its figures."""
    rows = await live.store.run(insights(live).call_figures, None)
    missing = sum(r.figures is None for r in rows)
    if missing and missing <= INLINE_FILL:
        await _fill(live, INLINE_FILL)
        rows = await live.store.run(insights(live).call_figures, None)
        missing = sum(r.figures is None for r in rows)
    if missing:
        _start_fill(live)
    return EndedCalls(_owned(rows, ms), missing)
