"""What travels over Redis: the stream names, a decode job and its answer as stream fields.

Audio goes as PCM16 (it came in as PCM16, so nothing is lost) and the request and the result as
JSON. Finals and partials have a stream each so that a worker can take every waiting final
before any partial, as the in-process scheduler does.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from redis.typing import EncodableT, FieldT

from app.audio.asr import DecodeKind, DecodeRequest, RecognizedSegment, Transcription
from app.audio.events import Word
from app.audio.frames import Samples, float_to_pcm16, pcm16_to_float

PREFIX = "secondear"
FINALS = f"{PREFIX}:decode:final"
PARTIALS = f"{PREFIX}:decode:partial"
STREAMS: dict[DecodeKind, str] = {"final": FINALS, "partial": PARTIALS}
GROUP = "workers"
# Waiting partials beyond this are trimmed: they are stale long before a worker would reach them.
PARTIALS_MAXLEN = 200
# A server's answers stream: kept short (it reads them as they come) and gone an hour after it died.
REPLIES_MAXLEN = 1000
REPLIES_TTL_SECONDS = 3600

Fields = dict[bytes, bytes]
Outgoing = dict[FieldT, EncodableT]


def replies_stream(server_id: str) -> str:
    return f"{PREFIX}:replies:{server_id}"


@dataclass(frozen=True)
class WireJob:
    id: str
    reply_to: str
    request: DecodeRequest
    audio: Samples
    submitted: float
    """Wall-clock time (time.time()) the server sent it: a worker drops partials that waited too long."""

    def fields(self) -> Outgoing:
        request = asdict(self.request)
        return {
            "id": self.id,
            "reply": self.reply_to,
            "submitted": self.submitted,
            "request": json.dumps(request),
            "audio": float_to_pcm16(self.audio),
        }

    @classmethod
    def parse(cls, fields: Fields) -> WireJob:
        request: dict[str, Any] = json.loads(fields[b"request"])
        request["temperatures"] = tuple(request["temperatures"])
        return cls(
            id=fields[b"id"].decode(),
            reply_to=fields[b"reply"].decode(),
            request=DecodeRequest(**request),
            audio=pcm16_to_float(fields[b"audio"]),
            submitted=float(fields[b"submitted"]),
        )

    @property
    def waited(self) -> float:
        return time.time() - self.submitted


@dataclass(frozen=True)
class WireResult:
    """A worker's answer. `result` None: the job was dropped (a stale partial) or failed."""

    id: str
    result: Transcription | None
    seconds: float
    """Decode wall time in the worker (for the server's figures)."""
    worker: str

    def fields(self) -> Outgoing:
        segments = None if self.result is None else [asdict(s) for s in self.result]
        return {"id": self.id, "result": json.dumps(segments), "seconds": self.seconds, "worker": self.worker}

    @classmethod
    def parse(cls, fields: Fields) -> WireResult:
        raw = json.loads(fields[b"result"])
        result: Transcription | None = None
        if raw is not None:
            result = tuple(
                RecognizedSegment(**{**s, "words": tuple(Word(**w) for w in s["words"])}) for s in raw
            )
        return cls(
            id=fields[b"id"].decode(),
            result=result,
            seconds=float(fields[b"seconds"]),
            worker=fields[b"worker"].decode(),
        )
