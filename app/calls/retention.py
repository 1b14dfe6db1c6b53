"""The data lifecycle: deleting a call leaves nothing behind; retention deletes old audio and
old calls; calls nobody ended are ended once idle and let go from memory.

`delete_call` is the one way a call is deleted (by a person or by retention), so whatever must
happen on a deletion (the audit log) hangs on its `on_deleted` callback.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.calls.manager import CallManager
from app.scale.lease import OwnedElsewhere
from app.settings import Settings

log = logging.getLogger(__name__)

DAY = 86_400.0

OnDeleted = Callable[[str, str], Awaitable[None] | None]
"""Called with (call id, why: "deleted" or "retention") once a call is gone."""


def _folder(manager: CallManager, call_id: str) -> Path | None:
    # Ids come from URLs: one that is not a plain file name never names a folder.
    if not call_id or Path(call_id).name != call_id or call_id in (".", ".."):
        return None
    return manager.services.recordings / call_id


async def delete_call(
    manager: CallManager, call_id: str, *, reason: str = "deleted", on_deleted: OnDeleted | None = None
) -> bool:
    """Delete a call: its session (sockets closed), its rows and events, its recordings.
    Returns False when there was no such call."""
    folder = _folder(manager, call_id)
    if folder is None:
        return False
    store = manager.services.store
    await manager.unload(call_id, deleting=True)
    try:
        found = await store.run(store.repo.delete_call, call_id)
        await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
    finally:
        manager.deleted(call_id)
    if found and on_deleted is not None:
        result = on_deleted(call_id, reason)
        if inspect.isawaitable(result):
            await result
    return found


async def delete_audio(manager: CallManager, call_id: str) -> None:
    """Delete an ended call's recordings; its transcript and report stay, without clips."""
    folder = _folder(manager, call_id)
    if folder is None:
        return
    store = manager.services.store
    await store.run(store.repo.forget_recording, call_id)
    await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)


@dataclass
class LifecycleRun:
    """What one run of the job did (for its log line and for tests)."""

    ended: list[str] = field(default_factory=list)
    audio_deleted: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


async def run_lifecycle(
    manager: CallManager, settings: Settings, *, now: float | None = None, on_deleted: OnDeleted | None = None
) -> LifecycleRun:
    """One pass: end idle calls, then apply the retention settings."""
    now = time.time() if now is None else now
    done = LifecycleRun()
    store = manager.services.store
    idle_limit = settings.call_idle_end_minutes * 60
    if idle_limit > 0:
        for session in manager.active():
            if not session.ended and session.idle_seconds() >= idle_limit:
                await session.end()
                done.ended.append(session.id)
            manager.forget_if_idle(session)
        # Live calls not in memory have had no socket since this server started at least.
        if now - manager.started >= idle_limit:
            for call_id in await store.run(store.repo.live_created_before, now - idle_limit):
                if manager.loaded(call_id) is None and not await manager.run_elsewhere(call_id):
                    try:
                        unloaded = await manager.end(call_id)
                    except OwnedElsewhere:
                        continue  # taken by another process meanwhile: its own pass judges it
                    if unloaded is not None:
                        manager.forget_if_idle(unloaded)
                        done.ended.append(call_id)
    if settings.retention_audio_days is not None:
        cutoff = now - settings.retention_audio_days * DAY
        for call_id in await store.run(store.repo.ended_before, cutoff, recorded=True):
            await delete_audio(manager, call_id)
            done.audio_deleted.append(call_id)
    if settings.retention_call_days is not None:
        cutoff = now - settings.retention_call_days * DAY
        for call_id in await store.run(store.repo.ended_before, cutoff):
            if await delete_call(manager, call_id, reason="retention", on_deleted=on_deleted):
                done.deleted.append(call_id)
    if done.ended or done.audio_deleted or done.deleted:
        log.info(
            "lifecycle: %d idle calls ended, audio of %d calls deleted, %d calls deleted",
            len(done.ended),
            len(done.audio_deleted),
            len(done.deleted),
        )
    return done


async def lifecycle_loop(
    manager: CallManager, settings: Settings, on_deleted: OnDeleted | None = None
) -> None:
    """The periodic job of the server's lifespan; a failed run is logged and the next one comes."""
    while True:
        await asyncio.sleep(settings.retention_check_seconds)
        try:
            await run_lifecycle(manager, settings, on_deleted=on_deleted)
        except Exception:
            log.exception(
                "the retention and idle-call job failed; it runs again in %.0f s",
                settings.retention_check_seconds,
            )
