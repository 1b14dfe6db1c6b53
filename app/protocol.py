"""The live protocol: every WebSocket message as a typed model, and the close codes.

One vocabulary for the server and the pages. Server code builds and parses socket messages
only through these models; `docs/protocol.md` (its message tables) and
`frontend/js/protocol.schema.json` (the JSON Schema the pages' `@typedef`s come from) are
generated from this module by `python -m app.protocol --write`, and a test keeps them in sync.

Each message is discriminated on `type`. Field docstrings are the documentation: they are
copied into the schema and the tables.
"""

from __future__ import annotations

import time
from enum import IntEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from nlp.types import Speaker

SAMPLE_RATE = 16_000
"""Audio on the wire: PCM16 little-endian, mono, this many samples a second."""

Role = Literal["interviewer", "buddy", "viewer"]
ROLES: tuple[Role, ...] = ("interviewer", "buddy", "viewer")
Severity = Literal["info", "warning", "critical"]
HoldReason = Literal["below_severity", "duplicate", "cooldown", "per_minute_cap", "one_per_moment"]
"""Why the policy held a nudge back (stored for the report, never sent)."""


def _ms(value: float) -> float:
    # Times go out with millisecond precision: more is noise, and it keeps messages short.
    return round(value, 3)


Seconds = Annotated[float, AfterValidator(_ms)]
"""Call time in seconds (the audio clock), rounded to milliseconds."""


def wall_clock() -> float:
    """`sent_at`: the server's wall clock, Unix seconds."""
    return round(time.time(), 3)


class CloseCode(IntEnum):
    """Why a socket is closed. 4xxx mirror the HTTP statuses of the same meaning."""

    NORMAL = 1000
    RESTARTING = 1012
    OVERLOADED = 1013
    BAD_MESSAGE = 4400
    BAD_TOKEN = 4401
    NOT_ALLOWED = 4403
    NO_CALL = 4404
    ENDED = 4409
    BUSY = 4429

    @property
    def meaning(self) -> str:
        return _CLOSE_MEANINGS[self]


_CLOSE_MEANINGS = {
    CloseCode.NORMAL: "A normal close.",
    CloseCode.RESTARTING: "The server is shutting down; the call and its clock survive: reconnect later.",
    CloseCode.OVERLOADED: "The events socket fell too far behind; reconnect and start again from `state`.",
    CloseCode.BAD_MESSAGE: "A bad frame or message.",
    CloseCode.BAD_TOKEN: "Not sent by this server any more (a wrong token now gets 4404).",
    CloseCode.NOT_ALLOWED: "Not sent by this server any more (a role that may not connect gets 4404).",
    CloseCode.NO_CALL: "No call with this id, or not one this link or account may open (both answer alike, "
    "so ids cannot be probed).",
    CloseCode.ENDED: "The call has ended.",
    CloseCode.BUSY: "The track is already streaming from another socket, or another socket took it over.",
}


class _Model(BaseModel):
    # The server always sends every field, so the schema marks fields with defaults required.
    model_config = ConfigDict(use_attribute_docstrings=True, json_schema_serialization_defaults_required=True)


class _ClientMessage(BaseModel):
    # A client may send fields newer than this server knows: they are ignored, not refused.
    # Strict: `"helpful": "yes"` is an error, not a guess.
    model_config = ConfigDict(use_attribute_docstrings=True, extra="ignore", strict=True)


# --- the things messages carry -------------------------------------------------------------


class Call(_Model):
    """A call, as the HTTP API and the `state` and `call.ended` events carry it."""

    id: str
    title: str
    interviewer: str
    customer: str | None
    recording_consent: bool
    recording: bool = Field(description="Audio is being recorded (consent given and recording enabled).")
    status: Literal["live", "ended"]
    created_at: float
    ended_at: float | None
    call_time: Seconds | None = Field(description="Seconds of audio received so far (None when not loaded).")


class Partial(_Model):
    """Words still being decoded; only the newest partial per speaker counts."""

    speaker: Speaker
    start: Seconds
    end: Seconds
    text: str


class Final(_Model):
    """One transcribed, tagged utterance."""

    id: str
    speaker: Speaker
    start: Seconds
    end: Seconds
    text: str
    question: Literal["open", "closed"] | None
    """The form of the question the customer is left to answer; null: no question."""
    flags: list[str]
    """The detectors' flags, in a stable order, without repeats."""
    message: str | None
    """The coaching line of the most important flag."""
    suggestion: str | None
    """An open rephrase, for closed and leading questions."""


class Nudge(_Model):
    """A nudge the policy let through, as the buddy pane shows it.

    The one nudge type from detection to the wire: the detectors' candidates, the stored rows
    (held ones included, for the report) and the `nudge` events are all this model; the fields
    after `helpful` are the server's own and never sent.
    """

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    """A detector flag (`closed_question`, …), a timing rule (`talk_share`, …) or `follow_up`."""
    severity: Severity = "info"
    """Set by the policy from the kind (setting `SECONDEAR_NUDGE_SEVERITY`)."""
    title: str
    message: str
    evidence: str
    """The utterance for text flags and follow-ups, the measured fact for timing nudges."""
    suggestion: str | None
    utterance_id: str | None
    at: Seconds
    """The call time it is about (the end of the utterance, or when a timing rule fired)."""
    helpful: bool | None = None
    """The buddy's rating; null until rated."""
    start: float = Field(exclude=True)
    """Call time of the speech it is about (the utterance, the monologue, the window)."""
    end: float = Field(exclude=True)
    key: str = Field(exclude=True)
    """What it is about, for de-duplication."""
    sent: bool = Field(default=False, exclude=True)
    """The policy let it through (set by the policy; held ones are only stored)."""
    held_reason: HoldReason | None = Field(default=None, exclude=True)
    """Why the policy held it back; None when sent."""


class FlagMark(_Model):
    """A moment the buddy marked."""

    id: str
    at: Seconds
    note: str | None
    by: Role


class NoteMark(_Model):
    id: str
    at: Seconds
    text: str | None
    by: Role


class WhisperMark(_Model):
    """The buddy's message for the interviewer."""

    id: str
    at: Seconds
    text: str | None
    nudge_id: str | None
    by: Role


class Talk(_Model):
    """Who talks how much."""

    interviewer_share_rolling: float | None
    """The interviewer's share of the talk in the rolling window (0 to 1); null before enough speech."""
    interviewer_share: float | None
    """The interviewer's share of the whole call so far (0 to 1)."""
    window_seconds: Seconds
    speaking: list[Speaker]
    monologue_seconds: Seconds
    """How long the interviewer has been talking without handing over."""
    talk_seconds: dict[Speaker, Seconds]


# --- the audio socket ----------------------------------------------------------------------


class Hello(_ClientMessage):
    """Optional, first: the audio format. Any other rate or format is refused (`bad_format`)."""

    type: Literal["hello"]
    sample_rate: float = SAMPLE_RATE
    format: str = "pcm16le"


class Pause(_ClientMessage):
    """The interviewer paused capture; the track's clock does not advance while paused."""

    type: Literal["pause"]


class Resume(_ClientMessage):
    type: Literal["resume"]


class Ping(_ClientMessage):
    """Answered by `pong`."""

    type: Literal["ping"]


class End(_ClientMessage):
    """No more audio on this track; answered by `ack` with `flushed` once its last words are out."""

    type: Literal["end"]


AudioControl = Annotated[Hello | Pause | Resume | Ping | End, Field(discriminator="type")]


class Ready(_Model):
    """First message on the audio socket."""

    type: Literal["ready"] = "ready"
    track: Speaker
    received_samples: int
    """How much of this track the server holds: a reconnecting client resends from here."""


class Ack(_Model):
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    type: Literal["ack"] = "ack"
    received_samples: int
    """Audio stored up to here: the client may drop what it buffered before it."""
    flushed: bool | None = Field(default=None, description="True in the answer to `end`.")


class AudioPong(_Model):
    type: Literal["pong"] = "pong"


class Error(_Model):
    """What went wrong, in a sentence a person can act on; a close follows for fatal errors.
    On the events socket it repeats the current `seq`, `call_time` and `sent_at`."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    type: Literal["error"] = "error"
    code: str
    message: str
    seq: int | None = None
    call_time: Seconds | None = None
    sent_at: float | None = None


# --- the events socket ---------------------------------------------------------------------


class FlagRequest(_ClientMessage):
    """Flag the moment now (call time)."""

    type: Literal["flag"]
    note: str | None = None


class NoteRequest(_ClientMessage):
    type: Literal["note"]
    text: str


class WhisperRequest(_ClientMessage):
    type: Literal["whisper"]
    text: str
    nudge_id: str | None = None


class RateRequest(_ClientMessage):
    type: Literal["rate"]
    nudge_id: str
    helpful: bool


EventsRequest = Annotated[
    FlagRequest | NoteRequest | WhisperRequest | RateRequest | Ping, Field(discriminator="type")
]


class Event(_Model):
    seq: int
    """Increasing per call; `pong` and `error` repeat the current one."""
    call_time: Seconds
    sent_at: float = Field(default_factory=wall_clock)


class State(Event):
    """Always first: the call so far, for late joiners and reconnects."""

    type: Literal["state"] = "state"
    call: Call
    role: Role
    transcript: list[Final]
    nudges: list[Nudge]
    flags: list[FlagMark]
    notes: list[NoteMark]
    whispers: list[WhisperMark]
    talk: Talk | None
    talk_share_target: float
    """The goal for the interviewer's share of the talk, 0 to 1 (setting `SECONDEAR_TALK_SHARE_TARGET`)."""


class PartialEvent(Event, Partial):
    type: Literal["transcript.partial"] = "transcript.partial"


class FinalEvent(Event, Final):
    type: Literal["transcript.final"] = "transcript.final"


class TalkEvent(Event, Talk):
    """At least once a second while audio flows."""

    type: Literal["talk"] = "talk"


class NudgeEvent(Event, Nudge):
    type: Literal["nudge"] = "nudge"


class FlagEvent(Event, FlagMark):
    type: Literal["flag"] = "flag"


class NoteEvent(Event, NoteMark):
    type: Literal["note"] = "note"


class WhisperEvent(Event, WhisperMark):
    type: Literal["whisper"] = "whisper"


class RatingEvent(Event):
    type: Literal["rating"] = "rating"
    nudge_id: str
    helpful: bool


class CallEnded(Event):
    """The socket stays open: a buddy's late flags, notes and ratings may follow."""

    type: Literal["call.ended"] = "call.ended"
    call: Call


class Pong(Event):
    type: Literal["pong"] = "pong"


ServerEvent = Annotated[
    State
    | PartialEvent
    | FinalEvent
    | TalkEvent
    | NudgeEvent
    | FlagEvent
    | NoteEvent
    | WhisperEvent
    | RatingEvent
    | CallEnded
    | Pong
    | Error,
    Field(discriminator="type"),
]
AudioReply = Annotated[Ready | Ack | AudioPong | Error, Field(discriminator="type")]

AUDIO_CONTROL: TypeAdapter[Hello | Pause | Resume | Ping | End] = TypeAdapter(AudioControl)
EVENTS_REQUEST: TypeAdapter[FlagRequest | NoteRequest | WhisperRequest | RateRequest | Ping] = TypeAdapter(
    EventsRequest
)


def dump(message: BaseModel) -> str:
    """A message as the socket sends it. Every field goes out, null or not, except the optional
    extras of `ack` (`flushed`) and `error` (the events socket's `seq`, `call_time`, `sent_at`)."""
    return message.model_dump_json(exclude_none=isinstance(message, (Ack, Error)))


# The order the generated documents list the messages in.
SOCKETS: dict[str, dict[str, list[type[BaseModel]]]] = {
    "/ws/calls/{id}/audio": {
        "client → server": [Hello, Pause, Resume, Ping, End],
        "server → client": [Ready, Ack, AudioPong, Error],
    },
    "/ws/calls/{id}/events": {
        "client → server": [FlagRequest, NoteRequest, WhisperRequest, RateRequest, Ping],
        "server → client": [
            State,
            PartialEvent,
            FinalEvent,
            TalkEvent,
            NudgeEvent,
            FlagEvent,
            NoteEvent,
            WhisperEvent,
            RatingEvent,
            CallEnded,
            Pong,
            Error,
        ],
    },
}
PAYLOADS: list[type[BaseModel]] = [Call, Final, Nudge, FlagMark, NoteMark, WhisperMark, Talk]
