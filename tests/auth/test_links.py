"""A call's role links: scoped to one call and one role, replaced or revoked by the owner, and dead
a set time after the call ends."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import add_account, create_call, member_client, serve_in_thread

from app.auth.rules import NO_CALL
from app.main import create_app

from .conftest import Workspace

pytestmark = pytest.mark.slow  # starts a server


async def opens(base: str, call_id: str, token: str) -> int:
    async with httpx.AsyncClient(base_url=base) as client:
        return (await client.get(f"/api/calls/{call_id}", params={"token": token})).status_code


async def test_links_owner_replaces_and_revokes_a_role_link(workspace: Workspace) -> None:
    call = await create_call(workspace.url, token=workspace.owner.token)
    cid, old = call["id"], call["tokens"]["buddy"]
    assert await opens(workspace.url, cid, old) == 200
    async with member_client(workspace.url, workspace.owner.token) as owner:
        fresh = (await owner.post(f"/api/calls/{cid}/links/buddy")).json()
        assert fresh["url"] == f"/buddy/{cid}?token={fresh['token']}"
        assert await opens(workspace.url, cid, old) == 404
        assert await opens(workspace.url, cid, fresh["token"]) == 200
        assert (await owner.delete(f"/api/calls/{cid}/links/buddy")).status_code == 204
        assert await opens(workspace.url, cid, fresh["token"]) == 404
        # The other roles' links are untouched.
        assert await opens(workspace.url, cid, call["tokens"]["viewer"]) == 200
    # An invited buddy may use the call, not hand out its links.
    async with member_client(workspace.url, workspace.owner.token) as owner:
        await owner.put(f"/api/calls/{cid}/members", json={"email": workspace.buddy.email, "role": "buddy"})
    async with member_client(workspace.url, workspace.buddy.token) as buddy:
        assert (await buddy.post(f"/api/calls/{cid}/links/viewer")).status_code == 404
        assert (await buddy.post(f"/api/calls/{cid}/end")).status_code == 200


async def test_links_stop_working_a_set_time_after_the_call_ends(tmp_path: Path) -> None:
    settings = fake_settings(tmp_path, link_hours_after_end=0)
    owner = add_account(tmp_path)
    with serve_in_thread(create_app(settings, engine=FakeEngine(), tagger=FakeTagger())) as url:
        call = await create_call(url, token=owner.token)
        cid, tokens = call["id"], call["tokens"]
        assert await opens(url, cid, tokens["viewer"]) == 200  # live: the link works
        async with member_client(url, owner.token) as client:
            assert (await client.post(f"/api/calls/{cid}/end")).status_code == 200
            assert (await client.get(f"/report/{cid}")).status_code == 200  # the owner keeps access
        for role in ("interviewer", "buddy", "viewer"):
            assert await opens(url, cid, tokens[role]) == 404


async def test_links_report_read_with_a_link_passes_it_to_exports(workspace: Workspace) -> None:
    call = await create_call(workspace.url, token=workspace.owner.token)
    cid, token = call["id"], call["tokens"]["viewer"]
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        page = (await client.get(f"/report/{cid}", params={"token": token})).text
        export = f"/api/calls/{cid}/report?format=md&amp;token={token}"
        assert export in page
        md = await client.get(f"/api/calls/{cid}/report", params={"format": "md", "token": token})
        assert md.status_code == 200
    async with member_client(workspace.url, workspace.owner.token) as owner:
        assert "token=" not in (await owner.get(f"/report/{cid}")).text


async def test_links_a_refused_page_is_a_page_for_browsers_and_json_for_scripts(workspace: Workspace) -> None:
    async with httpx.AsyncClient(base_url=workspace.url) as client:
        page = await client.get("/buddy/c000000000000", headers={"Accept": "text/html,*/*"})
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert NO_CALL in page.text
        api = await client.get("/api/calls/c000000000000", headers={"Accept": "text/html,*/*"})
        assert api.status_code == 404 and api.json() == {"detail": NO_CALL}
        script = await client.get("/buddy/c000000000000")
        assert script.json() == {"detail": NO_CALL}
