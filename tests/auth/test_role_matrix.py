"""The role matrix, built from the app's own route table: every HTTP route and WebSocket, asked by
nobody, a wrong token, another call's link, a member without access, each role on the call (its
three links, its owner, the members invited as buddy and viewer), the owner's coach and an admin.

A route must name exactly one access rule (a dependency from app/auth/rules.py) in its signature;
one that names none fails here, so a new route cannot ship open."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from server.harness import create_call, member_client, ws_url
from starlette.routing import BaseRoute
from websockets.asyncio.client import connect

from app.api.studies import NO_STUDY
from app.auth.rules import ADMIN_ONLY, COACH_ONLY, NO_CALL, NO_SHARE, RULE, SIGN_IN
from app.main import create_app
from app.settings import Settings

from .conftest import Workspace

pytestmark = pytest.mark.slow  # starts a server

# Routes FastAPI and Starlette add themselves: the API's description and the pages' assets.
FRAMEWORK = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"}

LINKS = ("interviewer link", "buddy link", "viewer link")
ACCOUNTS = ("member without access", "owner", "invited buddy", "invited viewer", "coach", "admin")
PRINCIPALS = ("nobody", "wrong token", "another call's link", *LINKS, *ACCOUNTS)

# Who each rule lets through; everyone else is refused with the rule's answer.
ALLOWED = {
    "public": set(PRINCIPALS),
    "share": set(PRINCIPALS),
    "user": set(ACCOUNTS),
    "admin": {"admin"},
    "call:read": {*LINKS, "owner", "invited buddy", "invited viewer", "coach", "admin"},
    "call:end": {"interviewer link", "buddy link", "owner", "invited buddy"},
    "call:capture": {"interviewer link", "owner"},
    "call:owner": {"owner"},
    "coach": {"coach", "admin"},
    "study:read": {"owner", "admin"},
    "study:owner": {"owner"},
    # After the call: the owner's review (their coach, an admin, the owner answering), what only
    # the coach does on it, and the coaches' own pages.
    "call:review": {"owner", "coach", "admin"},
    "call:coach": {"coach", "admin"},
}


def refusal(rule: str, principal: str) -> tuple[int, str]:
    if rule.startswith("call:"):
        return 404, NO_CALL
    if rule == "share":
        return 404, NO_SHARE
    if principal not in ACCOUNTS:
        return 401, SIGN_IN
    if rule.startswith("study:"):
        return 404, NO_STUDY
    if rule == "coach":
        return 403, COACH_ONLY
    return 403, ADMIN_ONLY


REFUSALS = {
    (401, SIGN_IN),
    (403, ADMIN_ONLY),
    (403, COACH_ONLY),
    (404, NO_CALL),
    (404, NO_SHARE),
    (404, NO_STUDY),
}


def route_rules(route: BaseRoute) -> list[str]:
    """The rules a route names in its own signature (or `dependencies=[…]`)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    return [getattr(d.call, RULE) for d in dependant.dependencies if hasattr(d.call, RULE)]


def every_route(routes: list[BaseRoute]) -> list[BaseRoute]:
    """The app's routes, those of included routers too (FastAPI keeps an included router as one
    entry holding `original_router`)."""
    found: list[BaseRoute] = []
    for route in routes:
        router = getattr(route, "original_router", None)
        found.extend(every_route(router.routes) if router is not None else [route])
    return found


def api_routes() -> list[APIRoute | APIWebSocketRoute]:
    routes = every_route(create_app(Settings()).routes)
    return [r for r in routes if isinstance(r, (APIRoute, APIWebSocketRoute))]


def test_role_matrix_every_route_names_exactly_one_rule() -> None:
    routes = every_route(create_app(Settings()).routes)
    assert len(routes) > 25
    unruled, others = [], []
    for route in routes:
        path = getattr(route, "path", "")
        if isinstance(route, (APIRoute, APIWebSocketRoute)):
            rules = route_rules(route)
            if len(rules) != 1 or rules[0] not in ALLOWED:
                unruled.append(f"{path}: {rules}")
        elif path not in FRAMEWORK:
            others.append(path)
    assert unruled == [], "routes without exactly one known access rule"
    assert others == [], "routes outside FastAPI's routing, so without a rule"


@dataclass
class Target:
    """One call of the owner's, with a member invited as buddy and one as viewer, and a report
    share; and a call of the stranger's, whose link must open nothing on the target; and a study of
    the owner's."""

    call: dict[str, Any]
    other: dict[str, Any]
    share_token: str
    study_id: str


async def make_target(ws: Workspace) -> Target:
    call = await create_call(ws.url, token=ws.owner.token, title="Target", recording_consent=True)
    other = await create_call(ws.url, token=ws.stranger.token, title="Other")
    async with member_client(ws.url, ws.owner.token) as client:
        for who, role in ((ws.buddy, "buddy"), (ws.viewer, "viewer")):
            r = await client.put(f"/api/calls/{call['id']}/members", json={"email": who.email, "role": role})
            assert r.status_code == 200, r.text
        share = await client.post(f"/api/calls/{call['id']}/shares")
        assert share.status_code == 201, share.text
        study = await client.post("/api/studies", json={"title": "Target study"})
        assert study.status_code == 201, study.text
    return Target(call, other, share.json()["url"].rsplit("/", 1)[1], study.json()["id"])


def credentials(ws: Workspace, target: Target, principal: str) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query) for a principal: accounts send their API token as a header, links travel
    in `?token=` as on the pages' links and sockets."""
    tokens = target.call["tokens"]
    accounts = {
        "member without access": ws.stranger,
        "owner": ws.owner,
        "invited buddy": ws.buddy,
        "invited viewer": ws.viewer,
        "coach": ws.coach,
        "admin": ws.admin,
    }
    if principal in accounts:
        return accounts[principal].auth, {}
    token = {
        "nobody": None,
        "wrong token": "not-a-token-" + "x" * 32,
        "another call's link": target.other["tokens"]["interviewer"],
        "interviewer link": tokens["interviewer"],
        "buddy link": tokens["buddy"],
        "viewer link": tokens["viewer"],
    }[principal]
    return {}, ({"token": token} if token else {})


def concrete(path: str, target: Target, ws: Workspace) -> str:
    return (
        path.replace("{call_id}", target.call["id"])
        .replace("{share_token}", target.share_token)
        .replace("{role}", "viewer")
        .replace("{email}", ws.viewer.email)
        .replace("{share_id}", "s000000000000")
        .replace("{study_id}", target.study_id)
        .replace("{transcript_id}", "t000000000000")
        .replace("{comment_id}", "r000000000000")
    )


async def ask_http(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], query: dict[str, str]
) -> tuple[int, str | None]:
    r = await client.request(method, path, params=query, headers=headers)
    assert r.status_code < 500, f"{method} {path}: {r.status_code} {r.text[:300]}"
    detail = None
    if r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        detail = body.get("detail") if isinstance(body, dict) else None
    return r.status_code, detail if isinstance(detail, str) else None


async def ask_socket(ws: Workspace, path: str, headers: dict[str, str], query: dict[str, str]) -> str:
    """The first message's type, or the error code of a refusal."""
    if path.endswith("/audio"):
        query = {**query, "track": "interviewer"}
    async with connect(ws_url(ws.url, path, **query), additional_headers=headers) as sock:
        first = json.loads(await sock.recv())
        if first["type"] == "error":
            return str(first["code"])
        return str(first["type"])


async def test_role_matrix_zero_unexpected_accesses(workspace: Workspace) -> None:
    unexpected: list[str] = []
    asked = 0
    # One client, no cookies kept: each request carries only its principal's credentials.
    client = httpx.AsyncClient(base_url=workspace.url, timeout=30, cookies=None)
    for route in api_routes():
        (rule,) = route_rules(route)
        # A fresh call for each route: one route's allowed change (a revoked link, an ended call,
        # an uninvited member) must not decide another's answers.
        target = await make_target(workspace)
        path = concrete(route.path, target, workspace)
        methods = sorted(route.methods) if isinstance(route, APIRoute) else ["WS"]
        for method in methods:
            for principal in PRINCIPALS:
                headers, query = credentials(workspace, target, principal)
                allowed = principal in ALLOWED[rule]
                asked += 1
                if method == "WS":
                    got = await ask_socket(workspace, path, headers, query)
                    refused = got == "no_call"
                    if allowed == refused:
                        unexpected.append(f"WS {route.path} as {principal}: {got} ({rule})")
                    continue
                client.cookies.clear()
                status, detail = await ask_http(client, method, path, headers, query)
                if allowed and (status, detail) in REFUSALS:
                    unexpected.append(f"{method} {route.path} as {principal}: refused {status} ({rule})")
                if not allowed and (status, detail) != refusal(rule, principal):
                    unexpected.append(f"{method} {route.path} as {principal}: {status} {detail} ({rule})")
    await client.aclose()
    assert unexpected == [], "\n".join(unexpected)
    assert asked > 200


async def test_role_matrix_a_revoked_share_and_a_wrong_one_open_nothing(workspace: Workspace) -> None:
    target = await make_target(workspace)
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        assert (await client.get(f"/shared/{target.share_token}")).status_code == 200
        assert (await client.get("/shared/" + "y" * 43)).json()["detail"] == NO_SHARE
    async with member_client(workspace.url, workspace.owner.token) as client:
        (share,) = (await client.get(f"/api/calls/{target.call['id']}/shares")).json()
        assert (
            await client.delete(f"/api/calls/{target.call['id']}/shares/{share['id']}")
        ).status_code == 204
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        assert (await client.get(f"/shared/{target.share_token}")).status_code == 404
