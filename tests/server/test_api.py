"""The HTTP API and the pages, on a real server with the fake engine."""

from __future__ import annotations

import httpx
import pytest

from .conftest import FakeServer
from .harness import add_account, create_call, member_client

pytestmark = pytest.mark.slow  # starts a server


async def test_api_create_returns_role_links_with_unguessable_tokens(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url, title="Onboarding", interviewer="Ana", customer="ACME")
    tokens = call["tokens"]
    assert set(tokens) == {"interviewer", "buddy", "viewer"}
    assert len(set(tokens.values())) == 3
    assert all(len(t) >= 43 for t in tokens.values())  # 32 random bytes, URL-safe base64
    assert call["links"]["capture"] == f"/capture/{call['id']}?token={tokens['interviewer']}"
    assert call["links"]["buddy"] == f"/buddy/{call['id']}?token={tokens['buddy']}"
    assert call["links"]["viewer"] == f"/buddy/{call['id']}?token={tokens['viewer']}"
    assert call["links"]["report"] == f"/report/{call['id']}"
    assert call["status"] == "live" and call["customer"] == "ACME"
    assert call["recording"] is False  # no consent, no recording


async def test_api_list_and_get_never_show_tokens(fake_server: FakeServer) -> None:
    first = await create_call(fake_server.url, title="First")
    second = await create_call(fake_server.url, title="Second", recording_consent=True)
    async with member_client(fake_server.url) as client:
        listed = (await client.get("/api/calls")).json()
        assert [c["id"] for c in listed] == [second["id"], first["id"]]
        one = (await client.get(f"/api/calls/{second['id']}")).json()
        assert one["recording"] is True and one["title"] == "Second"
        for body in [*listed, one]:
            assert "tokens" not in body and "links" not in body
        missing = await client.get("/api/calls/nope")
        assert missing.status_code == 404 and "No call" in missing.json()["detail"]


async def test_api_list_pages_through_every_call_once(fake_server: FakeServer) -> None:
    made = [(await create_call(fake_server.url, title=f"Call {k}"))["id"] for k in range(5)]
    other = add_account(fake_server.settings.data_dir, "bo@example.com")
    theirs = (await create_call(fake_server.url, token=other.token))["id"]
    async with member_client(fake_server.url) as client:
        pages: list[list[str]] = []
        before = ""
        while True:
            page = (await client.get(f"/api/calls?limit=2{before}")).json()
            pages.append([c["id"] for c in page])
            if len(page) < 2:
                break
            before = f"&before={page[-1]['id']}"
        assert pages == [made[:2:-1][:2], made[2:0:-1], made[:1]]  # newest first, none twice
        assert [c["id"] for c in (await client.get("/api/calls")).json()] == made[::-1]
        # A page can only start after a call this person may see.
        for cursor in ("nope", theirs):
            r = await client.get(f"/api/calls?limit=2&before={cursor}")
            assert r.status_code == 400 and "reload the list" in r.json()["detail"]
        assert (await client.get("/api/calls?limit=0")).status_code == 422


async def test_api_end_needs_the_interviewer_or_buddy(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    path = f"/api/calls/{call['id']}/end"
    # Whoever may not end the call gets the answer of a call that does not exist.
    async with httpx.AsyncClient(base_url=fake_server.url) as client:
        assert (await client.post(path)).status_code == 404
        assert (await client.post(path, headers={"Authorization": "Bearer wrong"})).status_code == 404
        viewer = await client.post(path, params={"token": call["tokens"]["viewer"]})
        assert viewer.status_code == 404
        ended = await client.post(path, headers={"Authorization": f"Bearer {call['tokens']['buddy']}"})
        assert ended.status_code == 200 and ended.json()["status"] == "ended"
    async with member_client(fake_server.url) as client:
        assert (await client.get(f"/api/calls/{call['id']}")).json()["ended_at"] is not None


async def test_api_rejects_bad_bodies_with_a_readable_detail(fake_server: FakeServer) -> None:
    async with member_client(fake_server.url) as client:
        r = await client.post("/api/calls", json={"title": "", "interviewer": "Ana"})
        assert r.status_code == 422
        # Names made of spaces are no names; newlines inside a name become spaces.
        for body in ({"title": "T", "interviewer": "   "}, {"title": " \n\t", "interviewer": "Ana"}):
            r = await client.post("/api/calls", json=body)
            assert r.status_code == 422, body
        r = await client.post(
            "/api/calls", json={"title": "A\ncall", "interviewer": " Ana\n Lopez ", "customer": "  "}
        )
        assert r.status_code == 201
        assert (r.json()["title"], r.json()["interviewer"], r.json()["customer"]) == (
            "A call",
            "Ana Lopez",
            None,
        )
        r = await client.post("/api/calls", json={"title": 5, "interviewer": "Ana"})
        assert r.status_code == 422


async def test_api_docs_health_and_pages(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    async with member_client(fake_server.url) as client:
        assert (await client.get("/docs")).status_code == 200
        schema = (await client.get("/openapi.json")).json()
        assert "/api/calls" in schema["paths"] and "/api/calls/{call_id}/report" in schema["paths"]
        health = (await client.get("/healthz")).json()
        assert health["status"] == "ok" and "queue_lag" in health
        for path in ("/", f"/capture/{call['id']}", f"/buddy/{call['id']}"):
            r = await client.get(path)
            # A page E has not written yet is a clear 404, never a server error.
            assert r.status_code in (200, 404), path
            if r.status_code == 200:
                assert r.headers["content-type"].startswith("text/html")
            else:
                assert "not installed" in r.json()["detail"]
        assert (await client.get("/static/css/app.css")).status_code == 200


async def test_api_report_in_every_format_for_an_empty_call(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url, title="Empty one")
    async with member_client(fake_server.url) as client:
        for fmt, ctype in (
            ("json", "application/json"),
            ("md", "text/markdown"),
            ("html", "text/html"),
            ("vtt", "text/vtt"),
        ):
            r = await client.get(f"/api/calls/{call['id']}/report", params={"format": fmt})
            assert r.status_code == 200, (fmt, r.text)
            assert r.headers["content-type"].startswith(ctype)
        assert (
            await client.get(f"/api/calls/{call['id']}/report", params={"format": "pdf"})
        ).status_code == 422
        page = await client.get(f"/report/{call['id']}")
        assert page.status_code == 200 and "Empty one" in page.text
        assert f"/api/calls/{call['id']}/report?format=md" in page.text
        assert (await client.get("/report/nope")).status_code == 404


async def test_api_clip_only_for_recorded_calls(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    async with member_client(fake_server.url) as client:
        r = await client.get(f"/api/calls/{call['id']}/clip", params={"start": 0, "end": 2})
        assert r.status_code == 404 and "not recorded" in r.json()["detail"]


async def test_api_report_speakers_renamed_and_swapped(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url, title="Names", interviewer="Ana", customer="Bob")
    url = f"/api/calls/{call['id']}/report"
    async with member_client(fake_server.url) as client:
        plain = (await client.get(url)).json()
        assert (plain["names"]["interviewer"], plain["names"]["customer"]) == ("Ana", "Bob")
        swapped = (await client.get(url, params={"swap": "true"})).json()
        assert (swapped["names"]["interviewer"], swapped["names"]["customer"]) == ("Bob", "Ana")
        renamed = (await client.get(url, params={"customer_name": "  Cleo  Diaz "})).json()
        assert renamed["names"]["customer"] == "Cleo Diaz"
        page = await client.get(f"/report/{call['id']}", params={"swap": "true", "customer_name": "Cleo"})
        assert page.status_code == 200
        assert 'name="interviewer_name" value="Bob"' in page.text
        assert 'name="customer_name" value="Cleo"' in page.text
        assert 'name="swap" value="true" checked' in page.text
        # The exports carry the fix, so a download matches the page.
        assert f"{url}?format=md&amp;swap=true&amp;customer_name=Cleo" in page.text
