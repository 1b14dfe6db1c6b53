"""The debrief's and the review's bodies, fuzzed: any JSON a page or a script could send gets an
answer below 500 and logs no error; what is refused says why, and nothing is lost."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server.coaching import CLOSED_MOMENT, assign_coach, seed_call
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import add_account

from app.main import create_app

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
POINT = st.fixed_dictionaries(
    {},
    optional={
        "text": JSON_VALUES,
        "time": st.one_of(JSON_VALUES, st.sampled_from([float("inf"), float("nan"), -1.0, 1e30, 12.5])),
        "quote": JSON_VALUES,
    },
)
EDITS = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries(
        {},
        optional={
            "pains": st.one_of(JSON_VALUES, st.lists(POINT, max_size=4)),
            "assumed": JSON_VALUES,
            "surprised": JSON_VALUES,
            "problem": JSON_VALUES,
            "next_test": st.one_of(
                JSON_VALUES,
                st.fixed_dictionaries(
                    {}, optional=dict.fromkeys(("change", "metric", "by_when"), JSON_VALUES)
                ),
            ),
        },
    ),
)


@dataclass
class Setup:
    client: TestClient
    """Signed in as the call's owner."""
    call_id: str
    coach_token: str


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data: Path = tmp_path_factory.mktemp("fuzz") / "data"
    owner = add_account(data)
    coach = add_account(data, "cora@example.com", "coach", "Cora")
    assign_coach(data, coach.email, owner.email)
    config = fake_settings(data)
    app = create_app(config, engine=FakeEngine(), tagger=FakeTagger())
    with TestClient(app, raise_server_exceptions=False, headers=owner.auth) as c:
        cid = c.post("/api/calls", json={"title": "T", "interviewer": "Ana"}).json()["id"]
        seed_call(config, cid)
        assert c.post(f"/api/calls/{cid}/end").status_code == 200
        yield Setup(c, cid, coach.token)


def _send(client: TestClient, method: str, path: str, body: Any, token: str | None = None) -> int:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # Sent as Python writes it: NaN and Infinity included, which JSON does not allow.
    r = client.request(method, path, content=json.dumps(body), headers=headers)
    assert r.status_code < 500, f"{method} {path} {body!r}: {r.status_code} {r.text[:300]}"
    if r.status_code >= 400:
        detail = r.json()["detail"]
        assert detail, "a refusal says why"
    return r.status_code


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(edits=EDITS, base=st.one_of(st.integers(min_value=-3, max_value=50), JSON_VALUES))
def test_fuzz_debrief_saves_never_fail(
    setup: Setup, caplog: pytest.LogCaptureFixture, edits: Any, base: Any
) -> None:
    client, cid = setup.client, setup.call_id
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        path = f"/api/calls/{cid}/debrief"
        _send(client, "PUT", path, {"base": base, "edits": edits})
        after = client.get(path)
        assert after.status_code == 200, after.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {"moment": st.sampled_from([CLOSED_MOMENT, "x@1", ""])},
            optional=dict.fromkeys(
                ("body", "suggestion", "parent", "question", "flags", "note", "reviewed", "good_example"),
                JSON_VALUES,
            ),
        ),
    ),
    route=st.sampled_from([("POST", "comments"), ("PUT", "marks"), ("PUT", "overrides")]),
)
def test_fuzz_review_bodies_never_fail(
    setup: Setup, caplog: pytest.LogCaptureFixture, body: Any, route: tuple[str, str]
) -> None:
    client, cid = setup.client, setup.call_id
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        method, what = route
        _send(client, method, f"/api/calls/{cid}/review/{what}", body, setup.coach_token)
        assert client.get(f"/api/calls/{cid}/review").status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
