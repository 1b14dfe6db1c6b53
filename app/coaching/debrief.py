"""Saving the shared debrief: each save names the version its editor started from, and is merged
field by field onto whatever was saved since (`app/insights/debrief.merge`), so two people typing
in different fields both keep their words. Every version is stored; a save that changes nothing
makes no new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.db.coaching import Coaching
from app.insights.debrief import merge
from app.reports.debrief import PAINS, Debrief, DebriefError, DebriefPoint, NextTest

# The longest text one field takes: a debrief is notes, not a document.
MAX_FIELD_CHARS = 4000
# A moment of the call is at most this many seconds in (a day): refuses infinities and nonsense.
MAX_CALL_SECONDS = 86_400.0
EDITABLE = ("pains", "assumed", "surprised", "next_test", "problem")
# A save retries this often when other servers sharing the database save at the same moment.
SAVE_TRIES = 5
NOT_PREPARED = "This debrief is not ready yet: open the debrief page first."
UNKNOWN_BASE = "This page started from a debrief version the server does not have: reload the page."


class DebriefSaveError(ValueError):
    """A save that cannot be taken, in words for the person typing."""


@dataclass(frozen=True, slots=True)
class Saved:
    version: int
    debrief: Debrief
    conflicts: tuple[str, ...]
    saved_by: str


def _check_text(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DebriefSaveError(f"{name}: text expected")
    if len(value) > MAX_FIELD_CHARS:
        raise DebriefSaveError(f"{name} is too long: keep it under {MAX_FIELD_CHARS} characters.")
    return value


def edited(base: Debrief, edits: Mapping[str, Any]) -> Debrief:
    """`base` with the fields people edit replaced by `edits` (other keys are refused, so a page
    cannot rewrite what the debrief was prefilled from)."""
    unknown = sorted(set(edits) - set(EDITABLE))
    if unknown:
        raise DebriefSaveError(f"These are not debrief fields: {', '.join(unknown)}.")
    changes: dict[str, Any] = {}
    if "pains" in edits:
        raw = edits["pains"]
        if not isinstance(raw, list) or len(raw) > PAINS:
            raise DebriefSaveError(f"pains: a list of at most {PAINS}")
        pains: list[DebriefPoint] = []
        for i, p in enumerate(raw):
            if not isinstance(p, dict):
                raise DebriefSaveError(f"pains[{i}]: expected {{text, time, quote}}")
            at = p.get("time")
            if at is not None and (
                isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at <= MAX_CALL_SECONDS
            ):
                raise DebriefSaveError(f"pains[{i}].time: seconds of the call expected")
            pains.append(
                DebriefPoint(
                    _check_text(f"pains[{i}]", p.get("text")),
                    None if at is None else float(at),
                    bool(p.get("quote", False)),
                )
            )
        changes["pains"] = tuple(pains) + (DebriefPoint(),) * (PAINS - len(pains))
    for name in ("assumed", "surprised", "problem"):
        if name in edits:
            changes[name] = _check_text(name, edits[name])
    if "next_test" in edits:
        nt = edits["next_test"]
        if not isinstance(nt, dict):
            raise DebriefSaveError("next_test: expected {change, metric, by_when}")
        changes["next_test"] = NextTest(
            *(_check_text(f"next_test.{k}", nt.get(k)) for k in ("change", "metric", "by_when"))
        )
    return replace(base, **changes)


def save(store: Coaching, call_id: str, base_version: int, edits: Mapping[str, Any], by: str) -> Saved:
    """Merge one editor's fields (typed from `base_version`) onto the latest version and store the
    result. Runs on the store's thread."""
    for _ in range(SAVE_TRIES):
        latest = store.latest_debrief(call_id)
        if latest is None:
            raise DebriefSaveError(NOT_PREPARED)
        base_row = latest if base_version == latest.version else store.debrief_version(call_id, base_version)
        if base_row is None:
            raise DebriefSaveError(UNKNOWN_BASE)
        try:
            base = Debrief.from_dict(base_row.data)
            current = Debrief.from_dict(latest.data)
        except DebriefError as exc:  # a stored version this server cannot read: say so, lose nothing
            raise DebriefSaveError(f"The stored debrief cannot be read ({exc}).") from None
        # This save is the later one: where both changed a field, its words win (and it is told).
        merged = merge(base, current, edited(base, edits))
        if merged.debrief == current:
            return Saved(latest.version, current, merged.conflicts, latest.saved_by)
        if store.add_debrief(call_id, latest.version + 1, merged.debrief.to_dict(), by):
            return Saved(latest.version + 1, merged.debrief, merged.conflicts, by)
    raise DebriefSaveError("Too many people saved at once: try again.")
