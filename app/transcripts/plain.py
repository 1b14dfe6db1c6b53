"""Plain-text transcripts: "Name: text" lines, as Zoom and Teams chat and transcript exports
write them, optionally with a time before the name ("[00:01:02] Name: text", Zoom chat's
"00:01:02 From Name to Everyone: text"), or a "Name  0:03" header line above the text (Teams
and Otter copies). A line without a speaker continues the previous turn."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from app.transcripts.model import Transcript, TranscriptError, Turn, finish, merge_runs, parse_time

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_LEAD_TIME = re.compile(rf"^\s*[\[(]?({_CLOCK})[\])]?\s*[-\u2013]?\s*")
# A speaker name: up to five words of letters, digits and name punctuation, no sentence marks.
_NAME = r"[^\W\d_][\w.'\u2019()@&-]*(?:[ \t]+[\w.'\u2019()@&-]+){0,4}"
_SPEAKER = re.compile(rf"^({_NAME})[ \t]*:")
# Zoom chat: "From Name to Everyone: text". Read with str methods, not one regular expression:
# the lazy name and the optional "to ..." part backtrack cubically on a long line without a colon.
_ZOOM_FROM = re.compile(r"From[ \t]+")
_ZOOM_TO = re.compile(r"[ \t]to[ \t]")
_HEADER = re.compile(rf"^({_NAME})[ \t]+[\[(]?({_CLOCK})[\])]?[ \t]*$")
# Otter's footer ("Transcribed by https://otter.ai"): not speech.
_FOOTER = re.compile(r"^transcribed by\s+\S*otter\.ai\S*$", re.IGNORECASE)
# A name (with its time, on a header line) fits in this many characters. The name patterns are
# tried on no more of a line, so a long line costs one slice, not a backtracking scan.
_NAME_SPAN = 200
# Words that start a line of speech, not a speaker name, when followed by a colon.
_NOT_NAMES = frozenset({"http", "https", "note", "question", "answer", "re", "ps"})


def split_speaker(line: str) -> tuple[str, str] | None:
    """("Name", "text") when the line starts with a speaker name and a colon."""
    chat = _zoom_chat(line)
    if chat:
        return chat
    m = _SPEAKER.match(line[:_NAME_SPAN])
    if not m or m.group(1).lower() in _NOT_NAMES:
        return None
    return m.group(1).strip(), line[m.end() :].strip()


def _zoom_chat(line: str) -> tuple[str, str] | None:
    lead = _ZOOM_FROM.match(line)
    if not lead:
        return None
    head, colon, said = line[lead.end() :].partition(":")
    to = _ZOOM_TO.search(head)
    name = (head[: to.start()] if to else head).strip()
    if not colon or not name:
        return None
    return name, said.strip()


def parse_plain(text: str, source: str) -> Transcript:
    turns: list[Turn] = []
    # Lines that continue a turn, joined once at the end: joining line by line is quadratic.
    more: defaultdict[int, list[str]] = defaultdict(list)
    pending: tuple[str, float | None, int] | None = None  # a header line waiting for its text
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or (len(line) <= _NAME_SPAN and _FOOTER.match(line)):
            continue
        header = _HEADER.match(line) if len(line) <= _NAME_SPAN else None
        if header and header.group(1).lower() not in _NOT_NAMES:
            pending = (header.group(1).strip(), parse_time(header.group(2)), number)
            continue
        start: float | None = None
        lead = _LEAD_TIME.match(line)
        if lead and len(line) > lead.end():
            start = parse_time(lead.group(1))
            line = line[lead.end() :]
        named = split_speaker(line)
        if named:
            pending = None
            turns.append(Turn(named[0], named[1], start, None, number))
        elif pending is not None:
            name, at, where = pending
            pending = None
            turns.append(Turn(name, line, at, None, where))
        elif turns:
            more[len(turns) - 1].append(line)
        else:
            raise TranscriptError(
                source, number, "expected 'Name: text' (a speaker name, a colon, what they said)"
            )
    turns = [
        replace(t, text=" ".join(p for p in (t.text, *more[i]) if p)) if i in more else t
        for i, t in enumerate(turns)
    ]
    turns = [t for t in turns if t.text]
    return finish(merge_runs(turns), source, lenient=True)
