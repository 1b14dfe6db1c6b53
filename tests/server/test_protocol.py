"""The protocol module is the one vocabulary: the documents generated from it are current, and
its models take what the pages send and refuse what they must not."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app import protocol, protocol_docs


def test_protocol_generated_documents_are_current() -> None:
    assert protocol_docs.stale() == [], "run `python -m app.protocol_docs --write`"


def test_protocol_documents_every_message_and_close_code() -> None:
    doc = protocol_docs.DOC_FILE.read_text(encoding="utf-8")
    schema = json.loads(protocol_docs.SCHEMA_FILE.read_text(encoding="utf-8"))
    for sides in protocol.SOCKETS.values():
        for models in sides.values():
            for model in models:
                assert model.__name__ in schema["$defs"]
                assert f"#### `{model.model_fields['type'].default}`" in doc
    for code in protocol.CloseCode:
        assert f"| `{code.value}` |" in doc
        assert schema["x-close-codes"][code.name] == code.value


@pytest.mark.parametrize(
    ("message", "parsed"),
    [
        ({"type": "flag"}, protocol.FlagRequest(type="flag")),
        ({"type": "flag", "note": "pricing"}, protocol.FlagRequest(type="flag", note="pricing")),
        (
            {"type": "rate", "nudge_id": "n1", "helpful": False},
            protocol.RateRequest(type="rate", nudge_id="n1", helpful=False),
        ),
        ({"type": "ping", "later_field": 1}, protocol.Ping(type="ping")),
    ],
)  # fmt: skip
def test_protocol_events_requests_parse(message: dict[str, object], parsed: object) -> None:
    assert protocol.EVENTS_REQUEST.validate_python(message) == parsed


@pytest.mark.parametrize(
    "message",
    [
        {"type": "rate", "nudge_id": "n1", "helpful": "yes"},
        {"type": "rate", "nudge_id": 3, "helpful": True},
        {"type": "note"},
        {"type": "whisper", "text": "hi", "nudge_id": 7},
        {"type": "shout"},
    ],
)
def test_protocol_events_requests_refuse(message: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        protocol.EVENTS_REQUEST.validate_python(message)


def test_protocol_times_go_out_in_milliseconds() -> None:
    event = protocol.PartialEvent(
        seq=1, call_time=12.3456789, speaker="customer", start=1.00049, end=2.5, text="so"
    )
    sent = json.loads(protocol.dump(event))
    assert (sent["call_time"], sent["start"], sent["type"]) == (12.346, 1.0, "transcript.partial")


def test_protocol_ack_carries_flushed_only_in_the_answer_to_end() -> None:
    assert json.loads(protocol.dump(protocol.Ack(received_samples=5))) == {
        "type": "ack",
        "received_samples": 5,
    }
    flushed = json.loads(protocol.dump(protocol.Ack(received_samples=5, flushed=True)))
    assert flushed == {"type": "ack", "received_samples": 5, "flushed": True}
