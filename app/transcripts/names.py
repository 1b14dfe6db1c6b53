"""Fixing who is who: `--rename "Speaker 1=Dana"`, applied to a transcript's speaker names.

All renames apply at once, so "A=B" with "B=A" swaps two speakers, and two speakers given
the same name become one (their turns join where they follow each other).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from app.transcripts.model import Transcript, TranscriptError, merge_runs


def parse_renames(items: Sequence[str], source: str = "--rename") -> dict[str, str]:
    """{"Speaker 1": "Dana"} from ["Speaker 1=Dana"]; a malformed item is an error naming it."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise TranscriptError(source, None, f'{item!r} is not "OLD NAME=NEW NAME"')
        if old.strip() in out:
            raise TranscriptError(source, None, f"{old.strip()!r} is renamed twice")
        out[old.strip()] = new.strip()
    return out


def resolve_renames(names: Sequence[str], renames: Mapping[str, str], source: str) -> dict[str, str]:
    """Every name in `names` to its new name (itself when not renamed); old names match
    ignoring case, and one that is not a speaker is an error listing the speakers."""
    folded = {n.casefold(): n for n in names}
    out = {n: n for n in names}
    for old, new in renames.items():
        found = folded.get(old.casefold())
        if found is None:
            raise TranscriptError(source, None, f"no speaker is called {old!r}; speakers: {', '.join(names)}")
        out[found] = new
    return out


def rename_speakers(transcript: Transcript, renames: Mapping[str, str]) -> Transcript:
    """`transcript` with its speakers renamed (see the module's docstring)."""
    if not renames:
        return transcript
    mapping = resolve_renames(transcript.names, renames, transcript.source)
    turns = [replace(t, name=mapping[t.name]) for t in transcript.turns]
    return replace(transcript, turns=tuple(merge_runs(turns)))
