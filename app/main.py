"""The SecondEar server: `create_app(settings)` builds it; the lifespan brings up the store
(migrations first), the detectors and the speech engine, and takes them down in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api import (
    admin,
    calls,
    debrief,
    health,
    pages,
    reports,
    review,
    session,
    sharing,
    studies,
    trends,
    ws_audio,
    ws_events,
)
from app.api.security import Assets, SecurityHeaders, invalid_request
from app.auth import redact
from app.auth.audit import record_audit
from app.auth.limits import LoginLimits
from app.calls.manager import CallManager
from app.calls.ports import SpeechEngineLike, TaggerLike
from app.calls.retention import lifecycle_loop
from app.calls.session import LiveServices
from app.db.accounts import Accounts
from app.db.engine import migrate, open_engine
from app.db.repository import Repository, Store
from app.deps import Live
from app.settings import Settings

log = logging.getLogger(__name__)


def _load_tagger(settings: Settings) -> TaggerLike:
    from nlp.pipeline import Tagger

    return Tagger.load(settings.spacy_model)


def _make_engine(settings: Settings) -> SpeechEngineLike:
    from app.audio.engine import SpeechEngine

    return SpeechEngine(settings)


def create_app(
    settings: Settings,
    *,
    engine: SpeechEngineLike | None = None,
    tagger: TaggerLike | None = None,
) -> FastAPI:
    """The FastAPI app. `engine` and `tagger` replace the real ones (tests pass fakes)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = open_engine(settings.resolved_database_url())
        await asyncio.to_thread(migrate, db)
        store = Store(Repository(db))
        speech = engine or _make_engine(settings)
        # The tagger (spaCy) and Whisper load at the same time; both take a few seconds.
        if tagger is None:
            loaded_tagger, _ = await asyncio.gather(asyncio.to_thread(_load_tagger, settings), speech.start())
        else:
            loaded_tagger = tagger
            await speech.start()
        services = LiveServices(
            settings=settings,
            store=store,
            engine=speech,
            tagger=loaded_tagger,
            recordings=settings.data_dir / "recordings",
        )
        manager = CallManager(services)
        shared: Any = None
        if settings.redis_url:
            # Several processes share the calls: one at a time runs each (docs/scaling.md).
            import redis.asyncio as aioredis

            from app.scale.commands import Commands
            from app.scale.fanout import EventFanout, EventRelays
            from app.scale.lease import CallLeases
            from app.scale.remote import process_id

            owner = getattr(getattr(speech, "scheduler", None), "server_id", None) or process_id("server")
            manager.use_leases(CallLeases(aioredis.Redis.from_url(settings.redis_url), owner))
            # Blocking reads (relayed events, forwarded requests) wait 1 s at most: 5 s is a dead link.
            shared = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=2)
            manager.fanout = EventFanout(shared)
            manager.relays = EventRelays(shared)
            manager.commands = Commands(shared, owner, manager)
            await manager.commands.start()
        limits = LoginLimits(
            per_account=settings.login_failures_per_account,
            per_address=settings.login_failures_per_address,
            window=settings.login_window_seconds,
        )
        live = app.state.live = Live(
            settings=settings, store=store, calls=manager, accounts=Accounts(db), login_limits=limits
        )
        if await store.run(live.accounts.count_users) == 0:
            log.warning("No accounts yet: run `secondear user add you@example.com --role admin` to add one.")

        async def audit_deletion(call_id: str, reason: str) -> None:
            # Retention deletes calls with nobody asking: the audit log says the job did it.
            await record_audit(live, "retention job", "delete", call_id, reason)

        lifecycle = asyncio.create_task(
            lifecycle_loop(manager, settings, on_deleted=audit_deletion), name="secondear-lifecycle"
        )
        log.info("SecondEar is ready on http://%s:%s", settings.host, settings.port)
        try:
            yield
        finally:
            lifecycle.cancel()
            await asyncio.gather(lifecycle, return_exceptions=True)
            await manager.close()
            if shared is not None:
                await shared.aclose()
            await speech.aclose()
            services.close()
            store.close()

    app = FastAPI(
        title="SecondEar",
        summary="A second listener's copilot for customer interviews.",
        description="Live calls (HTTP + WebSockets, see docs/protocol.md) and post-call reports.",
        version="0.1.0",
        lifespan=lifespan,
    )
    redact.install()
    app.include_router(session.router)
    app.include_router(calls.router)
    app.include_router(sharing.router)
    app.include_router(admin.router)
    app.include_router(reports.router)
    app.include_router(trends.router)
    app.include_router(studies.router)
    app.include_router(debrief.router)
    app.include_router(review.router)
    app.include_router(ws_audio.router)
    app.include_router(ws_events.router)
    app.include_router(pages.router)

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, exc: StarletteHTTPException) -> Response:
        # A browser shown a dead link gets a page that says so, not JSON; scripts keep the JSON.
        if exc.status_code == 404 and pages.wants_page(request):
            return pages.refusal_page(exc)
        return await http_exception_handler(request, exc)

    app.mount("/static", Assets(directory=pages.FRONTEND, check_dir=False), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(RequestValidationError, invalid_request)

    app.include_router(health.router)

    return app
