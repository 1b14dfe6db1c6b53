"""The shared debrief over HTTP: prefilled from the call the first time it is opened, saved field by
field by two editors at once (both keep their words), polled for changes, and part of the report
in every format."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .coaching import PAINFUL, seed_call
from .conftest import FakeServer
from .harness import create_call, member_client


async def ended_call(server: FakeServer) -> dict[str, Any]:
    call = await create_call(server.url)
    seed_call(server.settings, call["id"])
    async with member_client(server.url) as client:
        assert (await client.post(f"/api/calls/{call['id']}/end")).status_code == 200
    return call


def link(base: str, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"})


async def test_debrief_is_prefilled_from_the_call(fake_server: FakeServer) -> None:
    call = await ended_call(fake_server)
    async with member_client(fake_server.url) as client:
        r = await client.get(f"/api/calls/{call['id']}/debrief")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 1 and body["can_edit"] is True
    pains = [p for p in body["debrief"]["pains"] if p["text"]]
    assert pains and all(p["quote"] and p["text"] in PAINFUL and p["time"] == 3.5 for p in pains)
    assert body["debrief"]["problem"] in PAINFUL
    assert [m["kind"] for m in body["flagged"]][:1] == ["closed_question"]


async def test_debrief_two_editors_at_once_both_keep_their_words(fake_server: FakeServer) -> None:
    call = await ended_call(fake_server)
    path = f"/api/calls/{call['id']}/debrief"
    async with (
        member_client(fake_server.url) as owner,
        link(fake_server.url, call["tokens"]["buddy"]) as buddy,
    ):
        base = (await owner.get(path)).json()["version"]
        # Both started from the same version; each typed in a different field.
        first = await owner.put(path, json={"base": base, "edits": {"assumed": "They export weekly."}})
        assert first.status_code == 200, first.text
        second = await buddy.put(path, json={"base": base, "edits": {"surprised": "Three hours by hand!"}})
        assert second.status_code == 200, second.text
        merged = second.json()
        assert merged["version"] == first.json()["version"] + 1
        assert merged["debrief"]["assumed"] == "They export weekly."
        assert merged["debrief"]["surprised"] == "Three hours by hand!"
        assert merged["conflicts"] == []
        # The owner's page polls and learns of the buddy's save; nothing new answers `changed: false`.
        polled = (await owner.get(path, params={"since": first.json()["version"]})).json()
        assert polled["changed"] is True and polled["debrief"]["surprised"] == "Three hours by hand!"
        same = (await owner.get(path, params={"since": merged["version"]})).json()
        assert same == {"version": merged["version"], "changed": False}
        # Both changed the same field from one version: the later save wins that field and is told.
        v = merged["version"]
        await owner.put(path, json={"base": v, "edits": {"problem": "Owner's words"}})
        clash = (await buddy.put(path, json={"base": v, "edits": {"problem": "Buddy's words"}})).json()
        assert clash["debrief"]["problem"] == "Buddy's words"
        assert clash["conflicts"] == ["The problem in one sentence"]
        # A save that changes nothing makes no new version.
        again = (
            await buddy.put(path, json={"base": clash["version"], "edits": {"problem": "Buddy's words"}})
        ).json()
        assert again["version"] == clash["version"]


@pytest.mark.parametrize(
    ("edits", "detail"),
    [
        ({"workarounds": []}, "These are not debrief fields: workarounds."),
        ({"assumed": 3}, "assumed: text expected"),
        ({"assumed": "x" * 4001}, "assumed is too long: keep it under 4000 characters."),
        ({"pains": [{"text": "a"}] * 4}, "pains: a list of at most 3"),
        ({"pains": [{"text": "a", "time": -1}]}, "pains[0].time: seconds of the call expected"),
        ({"pains": [{"text": "a", "time": 1e30}]}, "pains[0].time: seconds of the call expected"),
    ],
)
async def test_debrief_bad_saves_are_refused_with_a_reason(
    fake_server: FakeServer, edits: dict[str, Any], detail: str
) -> None:
    call = await ended_call(fake_server)
    path = f"/api/calls/{call['id']}/debrief"
    async with member_client(fake_server.url) as owner:
        base = (await owner.get(path)).json()["version"]
        r = await owner.put(path, json={"base": base, "edits": edits})
        assert (r.status_code, r.json()["detail"]) == (400, detail)
        unknown = await owner.put(path, json={"base": base + 5, "edits": {"assumed": "x"}})
        assert unknown.status_code == 400 and "reload the page" in unknown.json()["detail"]
        assert (await owner.get(path)).json()["version"] == base


async def test_debrief_viewers_read_but_do_not_edit(fake_server: FakeServer) -> None:
    call = await ended_call(fake_server)
    path = f"/api/calls/{call['id']}/debrief"
    async with link(fake_server.url, call["tokens"]["viewer"]) as viewer:
        got = (await viewer.get(path)).json()
        assert got["can_edit"] is False
        refused = await viewer.put(path, json={"base": got["version"], "edits": {"assumed": "x"}})
        assert refused.status_code == 404


async def test_debrief_is_part_of_the_report_in_every_format(fake_server: FakeServer) -> None:
    call = await ended_call(fake_server)
    path = f"/api/calls/{call['id']}/debrief"
    async with member_client(fake_server.url) as owner:
        base = (await owner.get(path)).json()["version"]
        edits = {"surprised": "Three hours every Monday", "next_test": {"change": "One-click export"}}
        assert (await owner.put(path, json={"base": base, "edits": edits})).status_code == 200
        report = f"/api/calls/{call['id']}/report"
        as_json = (await owner.get(report, params={"format": "json"})).json()
        assert as_json["debrief"]["surprised"] == "Three hours every Monday"
        assert as_json["debrief"]["next_test"]["change"] == "One-click export"
        md = (await owner.get(report, params={"format": "md"})).text
        assert "## Debrief" in md and "Three hours every Monday" in md and "- Change: One-click export" in md
        html = (await owner.get(report, params={"format": "html"})).text
        assert 'id="h-debrief"' in html and "Three hours every Monday" in html
        page = (await owner.get(f"/report/{call['id']}")).text
        assert f'href="/debrief/{call["id"]}"' in page and f'href="/review/{call["id"]}"' in page


async def test_debrief_opened_during_the_call_is_prefilled_again_at_its_end(fake_server: FakeServer) -> None:
    call = await create_call(fake_server.url)
    path = f"/api/calls/{call['id']}/debrief"
    async with member_client(fake_server.url) as owner:
        early = (await owner.get(path)).json()
        assert early["version"] == 1 and not any(p["text"] for p in early["debrief"]["pains"])
        seed_call(fake_server.settings, call["id"])
        assert (await owner.post(f"/api/calls/{call['id']}/end")).status_code == 200
        late = (await owner.get(path)).json()
        assert late["version"] == 2 and any(
            p["text"] in PAINFUL for p in late["debrief"]["pains"] if p["text"]
        )
        # Once someone has written in it, it is theirs: no prefill replaces it.
        saved = (await owner.put(path, json={"base": 2, "edits": {"assumed": "x"}})).json()
        assert (await owner.get(path)).json()["version"] == saved["version"] == 3
