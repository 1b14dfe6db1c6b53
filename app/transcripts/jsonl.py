"""JSONL transcripts: one utterance a line, `{"speaker", "text", "start"?, "end"?, "id"?}`.

`speaker` is a role (`interviewer`/`customer`) or a name; `start`/`end` are seconds or
"hh:mm:ss". Every line is kept as one utterance: JSONL is what `secondear tag` reads, and its
lines are the user's own segmentation.
"""

from __future__ import annotations

import json

from app.transcripts.model import Transcript, TranscriptError, Turn, finish, parse_time


def parse_jsonl(text: str, source: str) -> Transcript:
    turns: list[Turn] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TranscriptError(source, number, f"not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise TranscriptError(source, number, "expected a JSON object with speaker and text")
        speaker, said = row.get("speaker"), row.get("text")
        if not isinstance(speaker, str) or not speaker.strip():
            raise TranscriptError(source, number, 'missing "speaker" (a name, or interviewer/customer)')
        if not isinstance(said, str):
            raise TranscriptError(source, number, 'missing "text"')
        times: dict[str, float | None] = {}
        for key in ("start", "end"):
            value = row.get(key)
            times[key] = None if value is None else parse_time(value)
            if value is not None and times[key] is None:
                raise TranscriptError(source, number, f'"{key}" must be seconds or hh:mm:ss, not {value!r}')
        ident = row.get("id")
        turns.append(
            Turn(
                name=speaker.strip(),
                text=" ".join(said.split()),
                start=times["start"],
                end=times["end"],
                line=number,
                id=None if ident is None else str(ident),
            )
        )
    return finish(turns, source)
