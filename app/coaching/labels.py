"""Coaches' overrides as training labels: one JSON object a line in the `interview-lines` format
(`{"id", "speaker", "text", "question", "flags"}`, see ../shared/data/README.md), so `secondear
eval` and the detector training read them like the hand-written lines. Extra keys say where each
label came from and what the detectors had said."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from app.db.tables import OverrideRow

SOURCE = "coach override"


def label_row(row: OverrideRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "speaker": row.speaker,
        "text": row.text,
        "question": row.question,
        "flags": list(row.flags),
        "source": SOURCE,
        "call": row.call_id,
        "moment": row.moment,
        "detected": row.detected,
        "note": row.note,
    }


def to_jsonl(rows: Iterable[OverrideRow]) -> str:
    return "".join(json.dumps(label_row(r), ensure_ascii=False) + "\n" for r in rows)
