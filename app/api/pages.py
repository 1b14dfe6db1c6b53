"""The browser pages (from `frontend/`) and their static files."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

import frontend
from app.auth.rules import CaptureCall, Public, ReadCall

router = APIRouter(include_in_schema=False)


def _frontend_dir() -> Path:
    # An editable install made before frontend/__init__.py existed maps `frontend` as a
    # namespace package (no __file__); its path still names the folder.
    file = getattr(frontend, "__file__", None)
    if file:
        return Path(file).resolve().parent
    return Path(next(iter(frontend.__path__))).resolve()


FRONTEND = _frontend_dir()


def page(name: str) -> FileResponse:
    path = FRONTEND / name
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"The page {name} is not installed with this server.")
    # no-cache: pages are small and must match the server's protocol after an upgrade.
    return FileResponse(path, media_type="text/html", headers={"Cache-Control": "no-cache"})


# The home, sign-in and admin pages hold no data: their scripts ask the API, which checks.
@router.get("/", dependencies=[Public])
async def home() -> FileResponse:
    return page("index.html")


@router.get("/signin", dependencies=[Public])
async def signin() -> FileResponse:
    return page("signin.html")


@router.get("/admin", dependencies=[Public])
async def admin() -> FileResponse:
    return page("admin.html")


# Trends, the team and studies: the pages hold no data; their scripts ask /api/trends, /api/team and
# /api/studies, which check who is asking.
@router.get("/trends", dependencies=[Public])
async def trends() -> FileResponse:
    return page("trends.html")


@router.get("/team", dependencies=[Public])
async def team() -> FileResponse:
    return page("team.html")


@router.get("/studies", dependencies=[Public])
async def studies() -> FileResponse:
    return page("study.html")


@router.get("/studies/{study_id}", dependencies=[Public])
async def study(study_id: str) -> FileResponse:
    return page("study.html")


@router.get("/capture/{call_id}")
async def capture(call_id: str, grant: CaptureCall) -> FileResponse:
    return page("capture.html")


@router.get("/buddy/{call_id}")
async def buddy(call_id: str, grant: ReadCall) -> FileResponse:
    return page("buddy.html")


@router.get("/favicon.ico", dependencies=[Public])
async def favicon() -> FileResponse:
    # Pages without an icon link (the report, /docs) make browsers ask for /favicon.ico; answer it
    # so their consoles stay free of 404s.
    return FileResponse(FRONTEND / "favicon.svg", media_type="image/svg+xml")


def wants_page(request: Request) -> bool:
    """A browser opening a page (not a script calling the API)."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def refusal_page(exc: StarletteHTTPException) -> HTMLResponse:
    """A refused page (a dead or revoked link, a call one may not open) as a page, not as JSON."""
    detail = html.escape(str(exc.detail))
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" /><title>Not found · SecondEar</title>
<link rel="stylesheet" href="/static/css/app.css" /></head>
<body><main id="main" class="page"><section class="card signin-card">
<h1>This page cannot be opened</h1><p id="refusal">{detail}</p>
<p class="hint">Links stop working when the call's owner replaces them and a while after the call ends.</p>
<p><a class="btn btn-primary" href="/">Your calls</a></p>
</section></main></body></html>
"""
    return HTMLResponse(body, status_code=exc.status_code, headers=exc.headers)
