"""Security headers on every response, and the static files the pages may load.

The links to a call carry secrets, so no page may leak them in a Referer, be framed by another
site, or run a script that did not come from this server: the pages load only ES modules from
/static (no inline scripts, no on* attributes), which the Content-Security-Policy enforces.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Inline styles are allowed: the report is one self-contained page whose bars and charts are
# placed with style attributes. Scripts never are. 'self' covers the same-origin WebSockets.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's API docs load Swagger UI / ReDoc from a CDN and start them with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HEADERS = {
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                headers.append((b"content-security-policy", csp.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# What the pages load from /static; the folder also holds the package's __init__.py, a README,
# editor settings and type declarations, which are nobody's business.
ASSET_SUFFIXES = frozenset({".js", ".css", ".svg", ".png", ".ico", ".woff2"})


class Assets(StaticFiles):
    """StaticFiles limited to the pages' assets: anything else is 404, as if absent."""

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        name = Path(path).name
        if Path(path).suffix not in ASSET_SUFFIXES or name.startswith(".") or name.endswith(".d.ts"):
            raise HTTPException(status_code=404)
        return path


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 with where and what, without echoing the input: the default handler sends the input
    back, which fails (a 500) for NaN or Infinity, and would repeat a pasted secret."""
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)
