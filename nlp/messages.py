"""The wording of every flag and nudge kind, read from `rules/messages.jsonl`: the one place
the tagger, the live cards, the report and the pages take their words from.

Wording is data so product people can edit it without touching code. A detector flag's row:
`{"flag": "closed_question", "rank": 7, "title": "...", "message": "...", "suggestion": "...",
"fallback": "..."}`: `rank` orders flags by importance (1 first) when a turn has several;
`title` is the flag's name wherever it is shown (card, report, pages; optional, the flag's
value in words when missing); `message` the coaching
line; `suggestion` (optional) a fixed probe for flags that have no rephrase built from the
words; `fallback` (optional) what a live card suggests when the tagger has no suggestion.

Any other nudge kind (the timing rules, the follow-ups): `{"kind": "monologue", "title": "...",
"message": "...", "suggestion": "..."}`; its `message` may hold `{seconds}`-style fields that
the server fills in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args

from nlp.live_rules import CueKind
from nlp.rules import RULES_DIR, RuleError, read_rows
from nlp.types import Flag

MESSAGES_FILE = RULES_DIR / "messages.jsonl"
FOLLOW_UP_KINDS: tuple[str, ...] = ("follow_up_workaround", "follow_up_pain")
# Every kind that is not a detector flag must have a row.
OTHER_KINDS: tuple[str, ...] = (*get_args(CueKind), *FOLLOW_UP_KINDS)
_FLAG_KEYS = frozenset({"flag", "rank", "title", "message", "suggestion", "fallback"})
_FLAG_REQUIRED = frozenset({"flag", "rank", "message"})
_KIND_KEYS = frozenset({"kind", "title", "message", "suggestion"})
_KIND_REQUIRED = frozenset({"kind", "title", "message"})


@dataclass(frozen=True, slots=True)
class Wording:
    """What a card, the report and the pages say about one kind."""

    kind: str
    title: str
    message: str
    suggestion: str | None
    """A detector flag's fixed probe, or a timing or follow-up card's suggestion."""
    fallback: str | None = None
    """A detector flag's card suggestion when the tagger made none."""

    @property
    def card_suggestion(self) -> str | None:
        return self.suggestion or self.fallback


@dataclass(frozen=True, slots=True)
class Coaching:
    flag: Flag
    rank: int
    message: str
    suggestion: str | None


def _text(where: str, row: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = row.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{where}: {key!r} must be a non-empty string")
    return value


@cache
def load_wording(path: Path = MESSAGES_FILE) -> dict[str, Wording]:
    """Every kind's wording, by kind (a flag's value, a timing rule, a follow-up); a missing
    kind or a malformed row is a RuleError naming its line."""
    found: dict[str, Wording] = {}
    for where, row in read_rows(path, "messages"):
        if not isinstance(row, dict):
            raise RuleError(f"{where}: a message row must be a JSON object")
        if "flag" in row:
            keys, required = _FLAG_KEYS, _FLAG_REQUIRED
            try:
                kind = Flag(row["flag"]).value
            except ValueError as exc:
                raise RuleError(f"{where}: unknown flag {row['flag']!r}") from exc
            rank = row.get("rank")
            if not isinstance(rank, int) or isinstance(rank, bool):
                raise RuleError(f"{where}: 'rank' must be an integer")
        else:
            keys, required = _KIND_KEYS, _KIND_REQUIRED
            if row.get("kind") not in OTHER_KINDS:
                raise RuleError(
                    f"{where}: unknown kind {row.get('kind')!r}; rows need a known 'flag' or 'kind'"
                )
            kind = str(row["kind"])
        if set(row) - keys or required - set(row):
            optional = ", ".join(sorted(keys - required))
            raise RuleError(f"{where}: keys must be {', '.join(sorted(keys))} (optional: {optional})")
        if kind in found:
            raise RuleError(f"{where}: {kind!r} appears twice")
        found[kind] = Wording(
            kind=kind,
            title=_text(where, row, "title", required=False) or kind.replace("_", " ").capitalize(),
            message=str(_text(where, row, "message", required=True)),
            suggestion=_text(where, row, "suggestion", required=False),
            fallback=_text(where, row, "fallback", required=False),
        )
    missing = sorted(k for k in (*(f.value for f in Flag), *OTHER_KINDS) if k not in found)
    if missing:
        raise RuleError(f"{path.name}: no message for {', '.join(missing)}")
    return found


def load_messages(path: Path = MESSAGES_FILE) -> dict[Flag, Coaching]:
    """Every detector flag's coaching line and rank, for the tagger."""
    wording = load_wording(path)
    ranks = {row["flag"]: row["rank"] for _, row in read_rows(path, "messages") if "flag" in row}
    return {
        flag: Coaching(flag, ranks[flag.value], wording[flag.value].message, wording[flag.value].suggestion)
        for flag in Flag
    }
