"""Between stored rows and the protocol's payloads (`app/protocol.py`). One place, so the HTTP
API, the `state` snapshot, the live events and the report can never disagree about a field."""

from __future__ import annotations

import logging
from typing import Any

from app import protocol
from app.db.tables import CallRow, MarkRow, NudgeRow, UtteranceRow
from nlp.types import Flag, FlagHit, Tag, Utterance

log = logging.getLogger(__name__)


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


def hit_rows(hits: tuple[FlagHit, ...]) -> list[dict[str, Any]]:
    """A tag's hits as the utterance row stores them (JSON)."""
    return [
        {"flag": h.flag.value, "rule_id": h.rule_id, "evidence": h.evidence, "message": h.message}
        for h in hits
    ]


def hits_from_rows(rows: list[dict[str, Any]]) -> tuple[FlagHit, ...]:
    """The stored hits back as `FlagHit`s; a flag this version no longer knows is skipped."""
    out: list[FlagHit] = []
    for h in rows:
        try:
            flag = Flag(str(h.get("flag")))
        except ValueError:
            log.info("skipping a stored hit of an unknown flag %r", h.get("flag"))
            continue
        out.append(FlagHit(flag, str(h["rule_id"]), str(h["evidence"]), str(h["message"])))
    return tuple(out)


def utterance_row(call_id: str, utterance: Utterance, tag: Tag) -> UtteranceRow:
    """A tagged final as it is stored; `seq` is set when it is published."""
    return UtteranceRow(
        id=utterance.id,
        call_id=call_id,
        speaker=utterance.speaker,
        start=utterance.start,
        end=utterance.end,
        text=utterance.text,
        question=tag.question,
        hits=hit_rows(tag.hits),
        message=tag.message,
        suggestion=tag.suggestion,
        seq=0,
    )


def nudge_row(call_id: str, nudge: protocol.Nudge) -> NudgeRow:
    """A decided nudge as it is stored (held ones too, for the report); `seq` is set on storing."""
    return NudgeRow(call_id=call_id, seq=0, **dict(nudge))


def final_payload(row: UtteranceRow) -> protocol.Final:
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
