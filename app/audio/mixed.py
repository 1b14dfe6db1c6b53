"""Recordings with one mixed channel: transcribed once, then split between speakers.

    audio -> TrackProcessor (VAD, segmentation) -> packed Whisper decoding (app.audio.offline)
          -> who spoke when (app.audio.diarize) -> every word to the speaker heard at its time
          -> turns: a final cut wherever its words change speaker.

Speakers are numbered from 0 in order of first speech; names and roles are decided later,
as for a transcript (the speaker who asks the most questions is the interviewer).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from app.audio.asr import Transcriber
from app.audio.diarize import Diarization, find_speakers
from app.audio.encoders import SpeakerEncoder, diarizer_encoder
from app.audio.events import Event, Final, Word, speech_intervals
from app.audio.frames import SAMPLE_RATE, Samples, float_to_pcm16
from app.audio.offline import FEED_S, VAD_SHARE, decode_jobs
from app.audio.stream import DecodeJob, TrackProcessor
from app.audio.voices import level
from app.settings import Settings
from nlp.types import Interval, Speaker

DIARIZE_SHARE = 0.15  # part of the progress bar for finding the speakers (the last, if it ends last)
TRACK: Speaker = "customer"  # a label only: there is no bleed to check on one channel


@dataclass(frozen=True, slots=True)
class SpokenTurn:
    """What one speaker said without another speaker's words in between."""

    speaker: int
    text: str
    start: float
    end: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class MixedTranscript:
    turns: list[SpokenTurn]
    """Every turn, in order of start."""
    diarization: Diarization
    """Who spoke when, from the audio alone."""
    speech: dict[int, list[Interval]]
    """Each speaker's speech: the VAD intervals (as a two-track recording measures talk time)
    cut between speakers where the diarization says the voice changes."""
    duration: float
    """Seconds of audio."""


def transcribe_mixed(
    audio: Samples,
    *,
    settings: Settings,
    speakers: int | None = None,
    progress: Callable[[float], None] | None = None,
    transcriber: Transcriber | None = None,
    encoder: SpeakerEncoder | None = None,
) -> MixedTranscript:
    """Transcribe one mixed channel (16 kHz float mono) and split it by speaker."""
    report = progress or (lambda _fraction: None)
    report(0.0)
    # Who spoke when runs beside the transcription: onnxruntime and CTranslate2 both release
    # the GIL, so on two cores the diarization costs almost no wall time (it is about a third
    # of the CPU, and Whisper alone does not keep both cores busy).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="diarize") as pool:
        diarizing = pool.submit(_find_speakers, audio, encoder, speakers)
        events, processor, jobs = _segment(audio, settings, report)
        decode_jobs(
            {TRACK: jobs},
            {TRACK: processor},
            events,
            (TRACK,),
            settings=settings,
            transcriber=transcriber,
            report=report,
            share=(VAD_SHARE, 1.0 - DIARIZE_SHARE),
        )
        found = diarizing.result()
    report(1.0)
    finals = sorted((e for e in events[TRACK] if isinstance(e, Final)), key=lambda f: (f.start, f.end))
    return MixedTranscript(
        turns=split_by_speaker(finals, found),
        diarization=found,
        speech=split_speech(speech_intervals(events[TRACK], TRACK), found),
        duration=len(audio) / SAMPLE_RATE,
    )


def _find_speakers(audio: Samples, encoder: SpeakerEncoder | None, speakers: int | None) -> Diarization:
    return find_speakers(audio, encoder or diarizer_encoder(len(audio) / SAMPLE_RATE), speakers=speakers)


def _segment(
    audio: Samples, settings: Settings, report: Callable[[float], None]
) -> tuple[dict[Speaker, list[Event]], TrackProcessor, list[DecodeJob]]:
    """The live track processor run over the audio: its events, and its decode jobs."""
    # A quiet far-field recording is brought up for the VAD and Whisper as for the encoder.
    levelled = level(audio)
    processor = TrackProcessor(TRACK, settings, partials=False, speculate=False)
    events: dict[Speaker, list[Event]] = {TRACK: []}
    step = int(FEED_S * SAMPLE_RATE)
    for lo in range(0, len(levelled), step):
        events[TRACK] += processor.feed(float_to_pcm16(levelled[lo : lo + step]))
        report(VAD_SHARE * min(1.0, (lo + step) / max(len(audio), 1)))
    events[TRACK] += processor.finish()
    return events, processor, [j for j in processor.take_jobs() if not j.cancelled]


def split_speech(intervals: list[Interval], found: Diarization) -> dict[int, list[Interval]]:
    """Cut each VAD speech interval between the speakers the diarization hears in it.

    A pause between two speakers' turns is cut in its middle; where two turns overlap (both
    people talking), the overlap counts for both, as two separate tracks would count it. The
    start of an interval before the first turn in it, and its end after the last, go to the
    nearest turn's speaker.
    """
    out: dict[int, list[Interval]] = {k: [] for k in range(found.speakers)}
    for span in sorted(intervals, key=lambda i: i.start):
        inside = [t for t in found.turns if t.end > span.start and t.start < span.end]
        if not inside:
            who = found.speaker_at(span.start, span.end)
            if who is not None:
                _add(out[who], Interval(span.start, span.end))
            continue
        starts, ends = [span.start], []
        for prev, nxt in itertools.pairwise(inside):
            if prev.end > nxt.start:  # both talk: each keeps its own turn's edge
                ends.append(min(span.end, prev.end))
                starts.append(max(span.start, nxt.start))
            else:
                cut = min(span.end, max(span.start, (prev.end + nxt.start) / 2))
                ends.append(cut)
                starts.append(cut)
        ends.append(span.end)
        for turn, lo, hi in zip(inside, starts, ends, strict=True):
            if hi > lo:
                _add(out[turn.speaker], Interval(lo, hi))
    return out


def _add(spans: list[Interval], span: Interval) -> None:
    """`span` appended to one speaker's speech, merged with the last one where they touch."""
    if spans and span.start <= spans[-1].end + 1e-9:
        spans[-1] = Interval(spans[-1].start, max(spans[-1].end, span.end))
    else:
        spans.append(span)


def split_by_speaker(finals: list[Final], found: Diarization) -> list[SpokenTurn]:
    """Each final's words to the speaker heard most while each was said; a final whose words
    change speaker becomes several turns."""
    turns: list[SpokenTurn] = []
    for final in finals:
        words = final.words or (Word(final.text, final.start, final.end, 1.0),)
        owners = _fill([found.speaker_at(w.start, w.end) for w in words])
        run: list[Word] = []
        for k, (word, owner) in enumerate(zip(words, owners, strict=True)):
            run.append(word)
            if k + 1 == len(words) or owners[k + 1] != owner:
                turns.append(
                    SpokenTurn(
                        owner,
                        " ".join(w.text for w in run),
                        run[0].start,
                        run[-1].end,
                        tuple(run),
                    )
                )
                run = []
    return turns


def _fill(owners: list[int | None]) -> list[int]:
    """Words with no speaker heard take their neighbour's."""
    known = [o for o in owners if o is not None]
    out: list[int] = []
    last = known[0] if known else 0
    for o in owners:
        last = o if o is not None else last
        out.append(last)
    return out


def voice_match(found: Diarization, voice: np.ndarray) -> int:
    """The speaker whose voice is most like `voice` (a unit embedding of a sample of someone)."""
    return int(np.argmax(found.voices @ voice))
