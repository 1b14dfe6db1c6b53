"""The JSON shapes of docs/protocol.md, built from stored rows. One place, so the HTTP API,
the `state` snapshot and the live events can never disagree about a field."""

from __future__ import annotations

import time
from typing import Any

from app.db.tables import CallRow, MarkRow, NudgeRow, UtteranceRow

SAMPLE_RATE = 16000


def t(value: float | None) -> float | None:
    """Times go out in milliseconds precision: more is noise, and it keeps messages short."""
    return None if value is None else round(value, 3)


def call_payload(row: CallRow, *, call_time: float | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "interviewer": row.interviewer,
        "customer": row.customer,
        "recording_consent": row.recording_consent,
        "recording": row.recording,
        "status": row.status,
        "created_at": row.created_at,
        "ended_at": row.ended_at,
        "call_time": t(call_time),
    }


def utterance_payload(row: UtteranceRow) -> dict[str, Any]:
    flags: dict[str, None] = {}
    for hit in row.hits:
        flags.setdefault(str(hit["flag"]), None)
    return {
        "id": row.id,
        "speaker": row.speaker,
        "start": t(row.start),
        "end": t(row.end),
        "text": row.text,
        "question": row.question,
        "flags": list(flags),
        "message": row.message,
        "suggestion": row.suggestion,
    }


def nudge_payload(row: NudgeRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "severity": row.severity,
        "title": row.title,
        "message": row.message,
        "evidence": row.evidence,
        "suggestion": row.suggestion,
        "utterance_id": row.utterance_id,
        "at": t(row.at),
        "helpful": row.helpful,
    }


def mark_payload(row: MarkRow) -> dict[str, Any]:
    """A buddy flag, note or whisper as its event carries it."""
    if row.kind == "flag":
        return {"id": row.id, "at": t(row.at), "note": row.text, "by": row.by}
    if row.kind == "note":
        return {"id": row.id, "at": t(row.at), "text": row.text, "by": row.by}
    return {"id": row.id, "at": t(row.at), "text": row.text, "nudge_id": row.nudge_id, "by": row.by}


def envelope(kind: str, seq: int, call_time: float, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "seq": seq, "call_time": t(call_time), "sent_at": round(time.time(), 3), **payload}
