"""Coaching lines, one a flag, read from `rules/messages.jsonl`.

Wording is data so product people can edit it without touching code. Each row:
`{"flag": "closed_question", "rank": 7, "message": "...", "suggestion": "..."}`; `rank` orders
flags by importance (1 first) when a turn has several, `suggestion` (optional) is a fixed
follow-up probe for flags that have no rephrase built from the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.rules import RULES_DIR, RuleError, read_rows
from nlp.types import Flag

MESSAGES_FILE = RULES_DIR / "messages.jsonl"
_KEYS = frozenset({"flag", "rank", "message", "suggestion"})
_REQUIRED = frozenset({"flag", "rank", "message"})


@dataclass(frozen=True, slots=True)
class Coaching:
    flag: Flag
    rank: int
    message: str
    suggestion: str | None


def load_messages(path: Path = MESSAGES_FILE) -> dict[Flag, Coaching]:
    """Every flag's coaching line; a missing flag or a malformed row is a RuleError."""
    found: dict[Flag, Coaching] = {}
    for where, row in read_rows(path, "messages"):
        if not isinstance(row, dict):
            raise RuleError(f"{where}: a message row must be a JSON object")
        if set(row) - _KEYS or _REQUIRED - set(row):
            raise RuleError(f"{where}: keys must be {', '.join(sorted(_KEYS))} (suggestion optional)")
        try:
            flag = Flag(row["flag"])
        except ValueError as exc:
            raise RuleError(f"{where}: unknown flag {row['flag']!r}") from exc
        rank, message, suggestion = row["rank"], row["message"], row.get("suggestion")
        if not isinstance(rank, int) or isinstance(rank, bool) or not isinstance(message, str) or not message:
            raise RuleError(f"{where}: 'rank' must be an integer and 'message' a non-empty string")
        if suggestion is not None and (not isinstance(suggestion, str) or not suggestion):
            raise RuleError(f"{where}: 'suggestion' must be a non-empty string")
        if flag in found:
            raise RuleError(f"{where}: flag {flag.value!r} appears twice")
        found[flag] = Coaching(flag, rank, message, suggestion)
    missing = sorted(f.value for f in Flag if f not in found)
    if missing:
        raise RuleError(f"{path.name}: no message for {', '.join(missing)}")
    return found
