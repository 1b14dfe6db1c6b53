"""A stored call's report for the debrief's prefill and the coach's review (the same report as the
report page, without a speaker fix)."""

from __future__ import annotations

import asyncio

from app.calls.report import call_report
from app.calls.timing import timing_rules
from app.deps import Live
from app.reports.model import Report


async def stored_report(live: Live, call_id: str) -> Report | None:
    history = await live.store.run(live.repo.history, call_id)
    if history is None:
        return None
    return await asyncio.to_thread(call_report, history, timing_rules(live.settings))
