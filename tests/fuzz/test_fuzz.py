"""Fuzzing, bounded in time: the transcript readers, JSONL input, the socket message parsers and
the HTTP API take any input without a crash. A reader may refuse a file (TranscriptError, one
line); a parser may refuse a message (a validation error, answered 4400); the API may refuse a
request (4xx). Nothing else: no other exception, no 500, no traceback in the log.

Examples are derandomized, so CI runs the same bounded set every time.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from server.conftest import fake_settings
from server.fakes import FakeEngine, FakeTagger
from server.harness import add_account

from app import protocol
from app.api.ws_events import BadMessage, parse_event_message
from app.main import create_app
from app.transcripts import TranscriptError
from app.transcripts.read import read_transcript_text

BOUNDED = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)

# Pieces transcripts are made of, so examples reach deep into the readers, not only the first check.
PIECES = st.sampled_from(
    [
        "WEBVTT",
        "\n",
        "\n\n",
        " ",
        "\t",
        ":",
        "Ana",
        "Bob Lee",
        "From ",
        " to ",
        "Everyone",
        "<v ",
        "<v.loud ",
        ">",
        "</v>",
        "<b>",
        "-->",
        "00:00:01.000",
        "00:00:05,500",
        "1:02",
        "[00:01:02]",
        "NOTE",
        "&amp;",
        "&lt;",
        "{",
        "}",
        '"speaker"',
        '"text"',
        '"start"',
        ": ",
        ",",
        "1e999",
        "-1",
        "NaN",
        "[",
        "]",
        "\ufeff",
        "http:",
        "hello there",
        "?",
        "Ana  0:03",
    ]
)
TRANSCRIPTS = st.one_of(st.text(max_size=400), st.lists(PIECES, max_size=60).map("".join))

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
ROWS = st.fixed_dictionaries(
    {},
    optional={
        "speaker": st.one_of(st.sampled_from(["interviewer", "customer", "Ana", " "]), JSON_VALUES),
        "text": st.one_of(st.text(max_size=30), JSON_VALUES),
        "start": st.one_of(
            st.floats(), st.integers(), st.sampled_from(["00:01", "soon", "1e999"]), JSON_VALUES
        ),
        "end": st.one_of(st.floats(), st.integers(), JSON_VALUES),
        "id": JSON_VALUES,
    },
)


@BOUNDED
@given(text=TRANSCRIPTS, suffix=st.sampled_from(["", ".txt", ".vtt", ".jsonl"]))
def test_fuzz_transcript_readers_refuse_or_read(text: str, suffix: str) -> None:
    try:
        transcript = read_transcript_text(text, "fuzz", suffix=suffix)
    except TranscriptError as exc:
        assert "\n" not in str(exc)
        return
    assert transcript.turns and all(t.name for t in transcript.turns)


@BOUNDED
@given(rows=st.lists(st.one_of(ROWS, JSON_VALUES), min_size=1, max_size=6))
def test_fuzz_jsonl_refuses_or_reads(rows: list[Any]) -> None:
    text = "\n".join(json.dumps(r) for r in rows)
    try:
        read_transcript_text(text, "fuzz.jsonl", suffix=".jsonl")
    except TranscriptError as exc:
        assert "\n" not in str(exc)


MESSAGES = st.one_of(
    st.text(max_size=200),
    JSON_VALUES.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["ping", "flag", "note", "whisper", "rate", "hello", "pause", "end", "x"])},
        optional={
            "text": JSON_VALUES,
            "note": JSON_VALUES,
            "nudge_id": JSON_VALUES,
            "helpful": JSON_VALUES,
            "sample_rate": JSON_VALUES,
            "format": JSON_VALUES,
        },
    ).map(json.dumps),
)


@BOUNDED
@given(text=MESSAGES)
def test_fuzz_socket_messages_parse_or_are_refused(text: str) -> None:
    with contextlib.suppress(BadMessage, ValidationError):
        protocol.EVENTS_REQUEST.validate_python(parse_event_message(text))
    with contextlib.suppress(ValueError, ValidationError):  # JSONDecodeError is a ValueError
        protocol.AUDIO_CONTROL.validate_python(json.loads(text))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data: Path = tmp_path_factory.mktemp("fuzz") / "data"
    owner = add_account(data)
    app = create_app(fake_settings(data), engine=FakeEngine(), tagger=FakeTagger())
    # Signed in as a member (API token): the routes behind the access rules are fuzzed too.
    with TestClient(
        app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {owner.token}"}
    ) as c:
        yield c


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e999", "", "x", "0", "120.5"]),
)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    body=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {}, optional=dict.fromkeys(("title", "interviewer", "customer", "recording_consent"), JSON_VALUES)
        ),
    ),
    start=NUMBERS,
    end=NUMBERS,
    track=st.sampled_from(["interviewer", "customer", "", "x"]),
    fmt=st.sampled_from(["json", "md", "html", "vtt", "pdf", ""]),
)
def test_fuzz_http_api_never_fails(
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    body: Any,
    start: str,
    end: str,
    track: str,
    fmt: str,
) -> None:
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        created = client.post(
            "/api/calls", json={"title": "T", "interviewer": "Ana", "recording_consent": True}
        )
        cid = created.json()["id"]
        answers = [
            # Sent as Python writes it: NaN and Infinity included, which JSON does not allow.
            client.post("/api/calls", content=json.dumps(body), headers={"Content-Type": "application/json"}),
            client.get(f"/api/calls/{cid}/clip", params={"start": start, "end": end, "track": track}),
            client.get(f"/api/calls/{cid}/report", params={"format": fmt}),
            client.post(f"/api/calls/{cid}/end", headers={"Authorization": f"Bearer {start}"}),
        ]
    for r in answers:
        assert r.status_code < 500, (r.request.url, r.status_code, r.text[:300])
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
