"""/healthz and /metrics: role, the database and Redis as this process sees them, Prometheus text."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from app.auth.rules import public
from app.main import create_app

from .conftest import FakeServer, fake_settings
from .fakes import FakeTagger, frames, silence, tone
from .harness import Events, audio_socket, create_call, serve_in_thread

pytestmark = pytest.mark.slow  # starts a server

BACKEND = "postgresql" if os.environ.get("SECONDEAR_TEST_DATABASE") == "pg" else "sqlite"


def metric(text: str, name: str) -> float:
    """The value of one sample line `name` (with its labels) in Prometheus text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics:\n{text}")


async def test_health_embedded_process_says_its_role_and_database(fake_server: FakeServer) -> None:
    async with httpx.AsyncClient(base_url=fake_server.url) as client:
        body = (await client.get("/healthz")).json()
    assert body["status"] == "ok" and body["role"] == "embedded" and body["redis"] is None
    assert body["database"] == {"backend": BACKEND, "ok": True}
    assert body["calls"] == 0 and body["queue_lag"] == 0


async def test_health_metrics_count_calls_sockets_and_finals(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    cid, tokens = call["id"], call["tokens"]
    fake_server.engine.script(cid, "interviewer", ["Do you export it?"])
    async with httpx.AsyncClient(base_url=fake_server.url) as client:
        before = (await client.get("/metrics")).text
        buddy = await Events.open(fake_server.url, cid, tokens["buddy"])
        mic, _ = await audio_socket(fake_server.url, cid, tokens["interviewer"], "interviewer")
        for frame in frames(tone(1.0) + silence(0.5)):
            await mic.send(frame)
        await buddy.wait_for(lambda m: m["type"] == "transcript.final")
        after = (await client.get("/metrics")).text
        await mic.close()
        await buddy.close()
    assert metric(after, "secondear_live_calls") == 1
    assert metric(after, 'secondear_sockets{kind="audio"}') == 1
    assert metric(after, 'secondear_sockets{kind="events"}') == 1
    finals = 'secondear_events_sent_total{type="transcript.final"}'
    # The counter is per process (the test process here): it went up by this call's final.
    was = metric(before, finals) if finals in before else 0.0
    assert metric(after, finals) == was + 1


async def test_health_metrics_token_when_set(tmp_path: Path) -> None:
    from .fakes import FakeEngine

    settings = fake_settings(tmp_path / "data", metrics_token="s3cret-metrics")
    app = create_app(settings, engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/metrics")).status_code == 401
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            ok = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics"})
            assert ok.status_code == 200 and "secondear_live_calls" in ok.text
            assert (await client.get("/healthz")).status_code == 200


def test_health_routes_are_marked_public() -> None:
    app = create_app(fake_settings(Path("/nonexistent")))
    routers = [r.original_router for r in app.routes if hasattr(r, "original_router")]
    marked = {
        route.path
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and any(d.call is public for d in route.dependant.dependencies)
    }
    # Open to anyone: probes and scrapers carry no token (the role matrix checks every other route).
    assert {"/healthz", "/metrics"} <= marked


async def test_health_server_with_redis_reports_streams_and_workers(tmp_path: Path, redis_url: str) -> None:
    # The real speech engine: with Redis it loads no model (workers decode), so this is cheap.
    settings = fake_settings(tmp_path / "data", redis_url=redis_url)
    with serve_in_thread(create_app(settings, tagger=FakeTagger())) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            body = (await client.get("/healthz")).json()
            text = (await client.get("/metrics")).text
    assert body["role"] == "server" and body["process"].startswith("server-")
    assert body["redis"] == {"ok": True, "workers": 0, "reconnects": 0}
    assert body["database"]["ok"] is True
    assert metric(text, "secondear_redis_up") == 1
    assert metric(text, 'secondear_stream_length{stream="final"}') == 0
    assert metric(text, "secondear_workers") == 0
