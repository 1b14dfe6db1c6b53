"""A stored call's report for the debrief's prefill and the coach's review (the same report as the
report page, without a speaker fix).

Reports are kept in a small cache keyed by the call's sequence number, which every stored row
advances: the coach's list builds the report of up to 50 calls per request, and a call that
ended does not change unless something is written to it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from app.calls.report import call_report
from app.calls.timing import timing_rules
from app.db.tables import CallRow
from app.deps import Live
from app.reports.model import Report

# Reports kept: a coach's list and a few open reviews, many times over.
CACHED_REPORTS = 512
_cache: OrderedDict[tuple[int, str, int], Report] = OrderedDict()


async def stored_report(live: Live, call_id: str, call: CallRow | None = None) -> Report | None:
    """The report of call `call_id`; `call`, its row when the caller has just read it."""
    if call is None:
        call = await live.store.run(live.repo.get_call, call_id)
    if call is None:
        return None
    # The store's identity is in the key: two servers in one process (tests) never share entries.
    key = (id(live.store), call_id, call.seq)
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    history = await live.store.run(live.repo.history, call_id)
    if history is None:
        return None
    report = await asyncio.to_thread(call_report, history, timing_rules(live.settings))
    # The sequence number read with the history: rows written between the two reads are in it.
    _cache[(id(live.store), call_id, history.call.seq)] = report
    while len(_cache) > CACHED_REPORTS:
        _cache.popitem(last=False)
    return report
