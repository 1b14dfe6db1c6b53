"""The protocol's payloads (`app/protocol.py`) built from stored rows. One place, so the HTTP
API, the `state` snapshot and the live events can never disagree about a field."""

from __future__ import annotations

from app import protocol
from app.db.tables import CallRow, MarkRow, NudgeRow, UtteranceRow


def call_payload(row: CallRow, *, call_time: float | None = None) -> protocol.Call:
    return protocol.Call(
        id=row.id,
        title=row.title,
        interviewer=row.interviewer,
        customer=row.customer,
        recording_consent=row.recording_consent,
        recording=row.recording,
        status="ended" if row.status == "ended" else "live",
        created_at=row.created_at,
        ended_at=row.ended_at,
        call_time=call_time,
    )


def utterance_payload(row: UtteranceRow) -> protocol.Final:
    flags: dict[str, None] = {}
    for hit in row.hits:
        flags.setdefault(str(hit["flag"]), None)
    return protocol.Final.model_validate(
        {
            "id": row.id,
            "speaker": row.speaker,
            "start": row.start,
            "end": row.end,
            "text": row.text,
            "question": row.question,
            "flags": list(flags),
            "message": row.message,
            "suggestion": row.suggestion,
        }
    )


def nudge_payload(row: NudgeRow) -> protocol.Nudge:
    return protocol.Nudge.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "severity": row.severity,
            "title": row.title,
            "message": row.message,
            "evidence": row.evidence,
            "suggestion": row.suggestion,
            "utterance_id": row.utterance_id,
            "at": row.at,
            "helpful": row.helpful,
        }
    )


def mark_payload(row: MarkRow) -> protocol.FlagMark | protocol.NoteMark | protocol.WhisperMark:
    """A buddy flag, note or whisper as its event carries it."""
    by = row.by
    if row.kind == "flag":
        return protocol.FlagMark.model_validate({"id": row.id, "at": row.at, "note": row.text, "by": by})
    if row.kind == "note":
        return protocol.NoteMark.model_validate({"id": row.id, "at": row.at, "text": row.text, "by": by})
    return protocol.WhisperMark.model_validate(
        {"id": row.id, "at": row.at, "text": row.text, "nudge_id": row.nudge_id, "by": by}
    )
