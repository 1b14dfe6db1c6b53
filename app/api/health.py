"""`/healthz` and `/metrics`: for load balancers and Prometheus, not for people.

Both are public on purpose (the `Public` marker): a load balancer's probe and a Prometheus
scrape carry no call token. `/metrics` can be closed with a bearer token
(SECONDEAR_METRICS_TOKEN); /healthz tells nothing about any call.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.auth.principal import header_token
from app.auth.rules import Public
from app.deps import LiveDep
from app.scale import metrics
from app.scale.remote import RemoteScheduler

# A status check must answer fast even when Redis or the database hangs.
CHECK_TIMEOUT_SECONDS = 2.0


router = APIRouter(tags=["health"])


def _remote(live: LiveDep) -> RemoteScheduler | None:
    scheduler = getattr(live.calls.services.engine, "scheduler", None)
    return scheduler if isinstance(scheduler, RemoteScheduler) else None


async def _database_ok(live: LiveDep) -> bool:
    def ping() -> None:
        with live.repo.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(live.store.run(ping), CHECK_TIMEOUT_SECONDS)
    except Exception:
        return False
    return True


@router.get("/healthz", dependencies=[Public])
async def healthz(live: LiveDep, response: Response) -> dict[str, Any]:
    """This process: its role, the calls it holds, its decode lag, and its view of the database
    and of Redis. 503 when the database does not answer (the load balancer then sends clients
    elsewhere); Redis down is "degraded": calls go on, finals wait for it to come back."""
    sessions = live.calls.active()
    url = make_url(live.settings.resolved_database_url())
    database = {"backend": url.get_backend_name(), "ok": await _database_ok(live)}
    remote = _remote(live)
    redis: dict[str, Any] | None = None
    if remote is not None:
        try:
            await asyncio.wait_for(remote.redis.ping(), CHECK_TIMEOUT_SECONDS)
            _streams, workers = await asyncio.wait_for(
                metrics.stream_figures(remote.redis), CHECK_TIMEOUT_SECONDS
            )
            redis = {"ok": True, "workers": workers, "reconnects": max(0, remote.reconnects - 1)}
        except Exception:
            redis = {"ok": False, "workers": None, "reconnects": max(0, remote.reconnects - 1)}
    status = "ok"
    if not database["ok"]:
        status = "down"
        response.status_code = 503
    elif redis is not None and not redis["ok"]:
        status = "degraded"
    return {
        "status": status,
        "role": "server" if remote is not None else "embedded",
        "process": remote.server_id if remote is not None else None,
        "calls": len(sessions),
        "live_calls": sum(1 for s in sessions if not s.ended),
        "queue_lag": round(live.calls.queue_lag, 3),
        "database": database,
        "redis": redis,
    }


@router.get("/metrics", response_class=Response, dependencies=[Public])
async def prometheus(live: LiveDep, request: Request) -> Response:
    """Prometheus text format: live calls, sockets, decode totals and lag, events sent, and (with
    Redis) each decode stream's length, pending jobs and lag."""
    expected = live.settings.metrics_token
    token = header_token(request)
    if expected and not (token and secrets.compare_digest(token, expected)):
        raise HTTPException(status_code=401, detail="This needs the metrics token (SECONDEAR_METRICS_TOKEN).")
    figures = metrics.server_figures(live.calls)
    remote = _remote(live)
    if remote is not None:
        try:
            figures.streams, figures.workers = await asyncio.wait_for(
                metrics.stream_figures(remote.redis), CHECK_TIMEOUT_SECONDS
            )
            figures.redis_up = True
        except Exception:
            figures.redis_up = False
    return Response(metrics.render(figures), media_type="text/plain; version=0.0.4; charset=utf-8")
