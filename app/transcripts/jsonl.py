"""JSONL transcripts: one utterance a line, `{"speaker", "text", "start"?, "end"?, "id"?}`.

`speaker` is a role (`interviewer`/`customer`) or a name; `start`/`end` are seconds or
"hh:mm:ss". Every line is kept as one utterance: JSONL is what `secondear tag` reads, and its
lines are the user's own segmentation.
"""

from __future__ import annotations

import json
import math
import reprlib

from app.transcripts.model import Transcript, TranscriptError, Turn, finish, parse_time

# Python converts at most this many digits to an int (sys.get_int_max_str_digits's default).
_MAX_DIGITS = 4300


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _integer(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        raise ValueError(f"a number has {len(text)} digits")
    return int(text)


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a number")


def parse_jsonl(text: str, source: str) -> Transcript:
    turns: list[Turn] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw, parse_float=_finite, parse_int=_integer, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise TranscriptError(source, number, f"not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise TranscriptError(source, number, "the JSON is nested too deeply") from None
        except ValueError as exc:  # from _finite, _integer, _no_constant
            raise TranscriptError(source, number, f"{exc}: use seconds such as 12.5") from None
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
                raise TranscriptError(
                    source, number, f'"{key}" must be seconds or hh:mm:ss, not {reprlib.repr(value)}'
                )
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
