"""Security headers on every response, and /static limited to the pages' assets."""

from __future__ import annotations

import httpx
import pytest

from .conftest import FakeServer

pytestmark = pytest.mark.slow  # starts a server


@pytest.mark.parametrize(
    "path", ["/", "/buddy/x", "/capture/x", "/api/calls", "/healthz", "/static/js/common.js", "/nope"]
)
async def test_security_headers_on_every_response(fake_server: FakeServer, path: str) -> None:
    async with httpx.AsyncClient(base_url=fake_server.url) as client:
        r = await client.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/static/js/capture.js", 200),
        ("/static/js/pcm-worklet.js", 200),
        ("/static/css/app.css", 200),
        ("/static/favicon.svg", 200),
        ("/static/__init__.py", 404),
        ("/static/README.md", 404),
        ("/static/jsconfig.json", 404),
        ("/static/js/worklet-globals.d.ts", 404),
        ("/static/js/protocol.schema.json", 404),
        ("/static/buddy.html", 404),
        ("/static/../app/settings.py", 404),
    ],
)
async def test_security_static_serves_only_the_pages_assets(
    fake_server: FakeServer, path: str, status: int
) -> None:
    async with httpx.AsyncClient(base_url=fake_server.url) as client:
        assert (await client.get(path)).status_code == status
