"""Signing in and out with the session cookie, CSRF, the login rate limit and generic errors;
the API token on every route; the interviewer's socket without the buddy's private marks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import PASSWORD, Events, add_account, create_call, member_client, serve_in_thread
from websockets.asyncio.client import connect

from app.api.session import NO_ACCOUNTS, TOO_MANY, WRONG
from app.auth.principal import CSRF_FAILED, SESSION_COOKIE
from app.main import create_app

from .conftest import Workspace

pytestmark = pytest.mark.slow  # starts a server


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/session", json={"email": email, "password": password})


async def test_session_cookie_signs_in_and_out(workspace: Workspace) -> None:
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        assert (await client.get("/api/session")).json() == {
            "signed_in": False,
            "user": None,
            "csrf": None,
            "setup": None,
        }
        r = await sign_in(client, "Owner@Example.com")
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie  # plain HTTP
        csrf = r.json()["csrf"]
        who = (await client.get("/api/session")).json()
        assert who["user"]["email"] == "owner@example.com" and who["csrf"] == csrf
        assert (await client.get("/api/calls")).status_code == 200
        # A state-changing request with the cookie needs the CSRF token, and our own Origin.
        body = {"title": "By cookie"}
        assert (await client.post("/api/calls", json=body)).json()["detail"] == CSRF_FAILED
        forged = await client.post(
            "/api/calls", json=body, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
        )
        assert forged.status_code == 403
        made = await client.post("/api/calls", json=body, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201 and made.json()["interviewer"] == "Olga Owner"
        assert (await client.delete("/api/session", headers={"X-CSRF-Token": csrf})).status_code == 204
        assert SESSION_COOKIE not in client.cookies
        client.cookies.set(SESSION_COOKIE, r.cookies[SESSION_COOKIE])  # the old cookie is dead on the server
        assert (await client.get("/api/calls")).status_code == 401


async def test_session_wrong_password_and_unknown_email_answer_alike(workspace: Workspace) -> None:
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        wrong = await sign_in(client, "viewer@example.com", "not the password")
        unknown = await sign_in(client, "nobody@example.com", "not the password")
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json() == {"detail": WRONG}


async def test_session_bearer_token_creates_a_call_owned_by_its_member(workspace: Workspace) -> None:
    call = await create_call(workspace.url, token=workspace.buddy.token, title="Bo's")
    async with member_client(workspace.url, workspace.buddy.token) as mine:
        assert call["id"] in [c["id"] for c in (await mine.get("/api/calls")).json()]
    async with member_client(workspace.url, workspace.stranger.token) as other:
        assert call["id"] not in [c["id"] for c in (await other.get("/api/calls")).json()]
        assert (await other.get(f"/report/{call['id']}")).status_code == 404
    async with member_client(workspace.url, workspace.admin.token) as admin:
        assert call["id"] in [c["id"] for c in (await admin.get("/api/calls")).json()]


async def test_session_rate_limit_per_account_and_per_address(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path, login_failures_per_account=3, login_failures_per_address=5)
    add_account(tmp_path, "ana@example.com")
    with serve_in_thread(create_app(settings, engine=FakeEngine(), tagger=FakeTagger())) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            for _ in range(3):
                assert (await sign_in(client, "ana@example.com", "guess")).status_code == 401
            # The account is paused, even with the right password; another account is not (yet).
            paused = await sign_in(client, "ana@example.com")
            assert paused.status_code == 429 and paused.json()["detail"] == TOO_MANY
            assert (await sign_in(client, "bob@example.com", "guess")).status_code == 401
            assert (await sign_in(client, "cy@example.com", "guess")).status_code == 401
            # Five failures from this address: every account is paused from here.
            assert (await sign_in(client, "dee@example.com", "guess")).status_code == 429


async def test_session_first_run_says_how_to_add_an_admin(tmp_path: Path) -> None:
    app = create_app(fake_settings(tmp_path), engine=FakeEngine(), tagger=FakeTagger())
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/api/session")).json()["setup"] == NO_ACCOUNTS
    assert "secondear user add you@example.com --role admin" in NO_ACCOUNTS


async def test_session_socket_from_another_origin_gets_no_account(workspace: Workspace) -> None:
    call = await create_call(workspace.url, token=workspace.owner.token)
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        cookie = (await sign_in(client, "owner@example.com")).cookies[SESSION_COOKIE]
    url = "ws" + workspace.url[4:] + f"/ws/calls/{call['id']}/events"
    host = workspace.url.split("://")[1]
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    async with connect(url, additional_headers={**headers, "Origin": f"http://{host}"}) as ours:
        assert json.loads(await ours.recv())["type"] == "state"
    async with connect(url, additional_headers={**headers, "Origin": "https://evil.example"}) as theirs:
        assert json.loads(await theirs.recv())["code"] == "no_call"


async def test_session_interviewer_socket_gets_whispers_not_the_buddys_notes(workspace: Workspace) -> None:
    call = await create_call(workspace.url, token=workspace.owner.token)
    cid, tokens = call["id"], call["tokens"]
    buddy = await Events.open(workspace.url, cid, tokens["buddy"])
    interviewer = await Events.open(workspace.url, cid, tokens["interviewer"])
    await buddy.wait_for(lambda m: m["type"] == "state")
    await interviewer.wait_for(lambda m: m["type"] == "state")
    await buddy.send({"type": "note", "text": "She sounds unsure about pricing"})
    await buddy.send({"type": "flag", "note": "pricing"})
    await buddy.send({"type": "whisper", "text": "Ask what happened last time"})
    await buddy.wait_for(lambda m: m["type"] == "whisper")
    await interviewer.wait_for(lambda m: m["type"] == "whisper")
    await asyncio.sleep(0.2)
    assert {m["type"] for m in interviewer.messages} == {"state", "whisper"}
    await interviewer.close()
    # A reconnecting interviewer's state has the whisper, not the notes and flags.
    again = await Events.open(workspace.url, cid, tokens["interviewer"])
    state = await again.wait_for(lambda m: m["type"] == "state")
    assert (len(state["whispers"]), state["notes"], state["flags"]) == (1, [], [])
    viewer_state = await (await Events.open(workspace.url, cid, tokens["viewer"])).wait_for(
        lambda m: m["type"] == "state"
    )
    assert len(viewer_state["notes"]) == len(viewer_state["flags"]) == 1
    await again.close()
    await buddy.close()


async def test_session_audit_log_records_views_exports_and_shares(workspace: Workspace) -> None:
    call = await create_call(workspace.url, token=workspace.owner.token)
    cid = call["id"]
    async with member_client(workspace.url, workspace.coach.token) as coach:
        assert (await coach.get(f"/report/{cid}")).status_code == 200
        assert (await coach.get(f"/api/calls/{cid}/report", params={"format": "md"})).status_code == 200
        assert (await coach.get("/api/admin/audit")).status_code == 403
    async with member_client(workspace.url, workspace.owner.token) as owner:
        assert (await owner.post(f"/api/calls/{cid}/shares")).status_code == 201
    async with member_client(workspace.url, workspace.admin.token) as admin:
        log = (await admin.get("/api/admin/audit", params={"call_id": cid})).json()
    got = [(e["actor"], e["action"], e["detail"]) for e in reversed(log)]
    assert got[:2] == [("coach@example.com", "view", "report page"), ("coach@example.com", "export", "md")]
    assert got[2][:2] == ("owner@example.com", "share")
