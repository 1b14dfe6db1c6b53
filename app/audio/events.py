"""Typed events a track processor emits, in the order they happen on the track.

Every time is **call time**: seconds on the audio clock of the call (samples fed / 16 000,
plus the track's `start_at` offset for a track that joined late or resumed after a restart).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nlp.types import Interval, Speaker


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word of a final."""

    text: str
    """The word as Whisper wrote it, without surrounding spaces."""
    start: float
    """Call time the word starts at, in seconds."""
    end: float
    """Call time the word ends at, in seconds."""
    probability: float
    """Whisper's confidence in the word, 0..1."""


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The VAD heard speech begin on a track (emitted once it lasted `vad_min_speech`)."""

    track: Speaker
    """Whose track: the interviewer's microphone or the customer's (call tab) audio."""
    at: float
    """Call time the speech began (the first speech chunk, not when it was confirmed)."""


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The VAD heard `vad_endpoint` seconds of silence after speech on a track."""

    track: Speaker
    """Whose track."""
    at: float
    """Call time the speech stopped (the start of the silence that ended it)."""
    start: float
    """Call time of the matching SpeechStarted, so one event carries the whole interval."""


@dataclass(frozen=True, slots=True)
class Partial:
    """A provisional hypothesis of the speech segment in progress; only the newest counts."""

    track: Speaker
    """Whose track."""
    text: str
    """The words so far, never empty."""
    start: float
    """Call time the segment started."""
    end: float
    """Call time of the last audio the hypothesis covers."""


@dataclass(frozen=True, slots=True)
class Final:
    """The settled text of one speech segment; it replaces the track's partials up to `end`."""

    track: Speaker
    """Whose track."""
    text: str
    """The transcript of the segment, never empty (silence and noise give no Final)."""
    start: float
    """Call time of the first word."""
    end: float
    """Call time of the last word."""
    words: tuple[Word, ...]
    """The words with their times; their texts joined with spaces give `text`."""


Event = SpeechStarted | SpeechEnded | Partial | Final


def speech_intervals(events: Iterable[Event], track: Speaker | None = None) -> list[Interval]:
    """The closed speech intervals in `events` (of one track when given), in order of end."""
    return [
        Interval(event.start, event.at)
        for event in events
        if isinstance(event, SpeechEnded)
        and (track is None or event.track == track)
        and event.at > event.start
    ]
