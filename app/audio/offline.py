"""Recordings: the same track processors as a live call, run at full speed.

Both tracks go through `TrackProcessor` (VAD, segmentation, bleed check on the interviewer
track) with no partials. Their finals are not decoded one by one: Whisper's encoder costs the
same for 2 s of audio as for 30 s, so pieces are packed, with a short silence between them,
into windows of up to `offline_window` seconds, several windows are decoded in one batch, and
each word goes back to the piece it came from by its timestamp.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from app.audio.asr import (
    BatchTranscriber,
    RecognizedSegment,
    Transcriber,
    Transcription,
    compression_ratio,
    final_request,
    load_transcriber,
)
from app.audio.bleed import Loudness
from app.audio.errors import RecordingError
from app.audio.events import Event, Final, Word, speech_intervals
from app.audio.frames import SAMPLE_RATE, Samples, float_to_pcm16
from app.audio.stream import DecodeJob, TrackProcessor
from app.audio.wav import WavError, read_wav_header
from app.settings import Settings
from nlp.types import Interval, Speaker, Utterance

# Silence between packed pieces, on top of their own pre-roll and tail: Whisper ends a sentence
# there instead of running words together.
GAP_S = 0.2
FEED_S = 10.0  # seconds of audio handed to a processor at a time
VAD_SHARE = 0.1  # part of the progress bar for the VAD pass
# Less decodable audio than this in a file is a damaged file or not a recording, not an interview.
MIN_AUDIO_S = 0.5


@dataclass(frozen=True)
class RecordingTranscript:
    """What a recording says, and when each side spoke."""

    utterances: list[Utterance]
    """Every final of both tracks as a timed utterance, in order of start."""
    speech: dict[Speaker, list[Interval]]
    """VAD speech intervals of each track; on the interviewer's, mic bleed is removed."""
    duration: float
    """Seconds of the longer track."""
    finals: list[Final]
    """The finals with their words (for subtitles)."""


def load_tracks(
    interviewer: Path,
    customer: Path | None = None,
    *,
    interviewer_channel: Literal["left", "right"] = "left",
) -> tuple[Samples, Samples]:
    """Decode (interviewer, customer) audio at 16 kHz mono from one stereo file or two files."""
    if customer is None:
        if _channels(interviewer) < 2:
            raise RecordingError(
                f"{interviewer} has one channel, but two tracks are needed: a stereo file (interviewer "
                "on one channel, customer on the other) or --interviewer A --customer B"
            )
        left, right = _decode_stereo(interviewer)
        return (left, right) if interviewer_channel == "left" else (right, left)
    mine = _decode_mono(interviewer)
    theirs = _decode_mono(customer)
    return mine, theirs


# Channels this alike (correlation) are one mixed channel copied twice, as Zoom and phones write
# "stereo" files; a channel this much quieter than the other (RMS ratio) holds nobody.
ALIKE_CORRELATION = 0.95
SILENT_RATIO = 0.02


def load_recording(path: Path) -> Samples | tuple[Samples, Samples]:
    """A recording as one mixed channel (mono samples) or as two tracks (left, right).

    A stereo file counts as two tracks only when its channels hold different audio: the same
    mix on both sides, or one side silent, is one channel. Video files give their audio stream.
    """
    if _channels(path) < 2:
        return _decode_mono(path)
    left, right = _decode_stereo(path)
    mixed = one_channel(left, right)
    return (left, right) if mixed is None else mixed


def one_channel(left: Samples, right: Samples) -> Samples | None:
    """The one channel a stereo pair really holds, or None when the sides differ (two tracks)."""
    n = min(len(left), len(right))
    a, b = left[:n].astype(np.float64), right[:n].astype(np.float64)
    ra, rb = float(np.sqrt(np.mean(a**2))) if n else 0.0, float(np.sqrt(np.mean(b**2))) if n else 0.0
    if ra <= SILENT_RATIO * rb:
        return right
    if rb <= SILENT_RATIO * ra:
        return left
    correlation = float(np.dot(a - a.mean(), b - b.mean()) / (n * np.std(a) * np.std(b) + 1e-12))
    if correlation >= ALIKE_CORRELATION:
        return ((left[:n] + right[:n]) / 2).astype(np.float32)
    return None


def load_mono(path: Path) -> Samples:
    """Any recording (audio or video file) as one 16 kHz channel, both sides mixed."""
    return _decode_mono(path)


def transcribe_recording(
    interviewer: Path,
    customer: Path | None = None,
    *,
    interviewer_channel: Literal["left", "right"] = "left",
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    transcriber: Transcriber | None = None,
) -> RecordingTranscript:
    """Transcribe a two-track recording; `progress` is called with 0..1 as work gets done."""
    mine, theirs = load_tracks(interviewer, customer, interviewer_channel=interviewer_channel)
    return transcribe_tracks(mine, theirs, settings=settings, progress=progress, transcriber=transcriber)


def transcribe_tracks(
    interviewer: Samples,
    customer: Samples,
    *,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    transcriber: Transcriber | None = None,
) -> RecordingTranscript:
    """`transcribe_recording` on decoded tracks (16 kHz float mono)."""
    report = progress or (lambda _fraction: None)
    report(0.0)
    customer_loudness = Loudness()
    processors: dict[Speaker, TrackProcessor] = {
        "customer": TrackProcessor(
            "customer", settings, partials=False, speculate=False, loudness=customer_loudness
        ),
        "interviewer": TrackProcessor(
            "interviewer", settings, partials=False, speculate=False, reference=customer_loudness
        ),
    }
    audio: dict[Speaker, Samples] = {"interviewer": interviewer, "customer": customer}
    events: dict[Speaker, list[Event]] = {"interviewer": [], "customer": []}
    jobs: dict[Speaker, list[DecodeJob]] = {"interviewer": [], "customer": []}
    total = len(interviewer) + len(customer)
    done = 0
    # The customer goes first: the interviewer's bleed check reads the customer's loudness.
    order: tuple[Speaker, Speaker] = ("customer", "interviewer")
    for speaker in order:
        processor, samples = processors[speaker], audio[speaker]
        step = int(FEED_S * SAMPLE_RATE)
        for lo in range(0, len(samples), step):
            events[speaker] += processor.feed(float_to_pcm16(samples[lo : lo + step]))
            done += min(step, len(samples) - lo)
            report(VAD_SHARE * done / max(total, 1))
        events[speaker] += processor.finish()
        jobs[speaker] = [job for job in processor.take_jobs() if not job.cancelled]

    decode_jobs(jobs, processors, events, order, settings=settings, transcriber=transcriber, report=report)
    finals = sorted(
        (e for es in events.values() for e in es if isinstance(e, Final)), key=lambda f: (f.start, f.end)
    )
    report(1.0)
    return RecordingTranscript(
        utterances=[Utterance(f.track, f.text, f.start, f.end) for f in finals],
        speech={
            speaker: speech_intervals(events[speaker], speaker) for speaker in ("interviewer", "customer")
        },
        duration=max(len(interviewer), len(customer)) / SAMPLE_RATE,
        finals=finals,
    )


def decode_jobs(
    jobs: dict[Speaker, list[DecodeJob]],
    processors: dict[Speaker, TrackProcessor],
    events: dict[Speaker, list[Event]],
    order: tuple[Speaker, ...],
    *,
    settings: Settings,
    transcriber: Transcriber | None,
    report: Callable[[float], None],
    share: tuple[float, float] = (VAD_SHARE, 1.0),
) -> None:
    """Decode every track's jobs in packed batches; each processor's finals go into `events`.

    `share` is the part of the progress bar this step fills.
    """
    if transcriber is None:
        transcriber = load_transcriber(settings)
    # Packed windows are full: the usual 30 s window, decoded in batches.
    request = final_request(settings, beam_size=settings.offline_beam_size, window=False)
    to_decode = sum(job.duration for js in jobs.values() for job in js) or 1.0
    decoded = 0.0
    batch = settings.offline_batch_size if isinstance(transcriber, BatchTranscriber) else 1
    owner = {id(job): speaker for speaker in order for job in jobs[speaker]}
    packs = _packs([job for speaker in order for job in jobs[speaker]], settings.offline_window)
    for first in range(0, len(packs), batch):
        group = packs[first : first + batch]
        laid = [_concatenate(pack) for pack in group]
        if isinstance(transcriber, BatchTranscriber) and batch > 1:
            results = transcriber.transcribe_batch([audio for audio, _ in laid], request)
        else:
            results = [transcriber.transcribe(audio, request) for audio, _ in laid]
        for pack, (_, starts), result in zip(group, laid, results, strict=True):
            for job, piece_result in zip(pack, _split_result(result, pack, starts), strict=True):
                # Out of order is fine: a processor holds finals until the earlier ones are in.
                speaker = owner[id(job)]
                # Whisper invents words in a silent tail when a piece is decoded alone; packed, the
                # next piece follows, and a word that drifts past its piece's end is a real word.
                events[speaker] += processors[speaker].resolve(job, piece_result, packed=True)
            decoded += sum(job.duration for job in pack)
        report(share[0] + (share[1] - share[0]) * decoded / to_decode)


# --- packing -------------------------------------------------------------------------------------


def _packs(jobs: list[DecodeJob], window: float) -> list[list[DecodeJob]]:
    """Jobs grouped so each group's audio, with gaps, fits in `window` seconds, in few groups.

    First fit, longest first: the encoder's cost is per window, so fuller windows are faster.
    Pieces from both tracks share windows; Whisper does not mind whose voice it hears. Inside a
    window the pieces keep their order in the call.
    """
    packs: list[list[DecodeJob]] = []
    room: list[float] = []
    for job in sorted(jobs, key=lambda j: -j.duration):
        for k, free in enumerate(room):
            if job.duration + GAP_S <= free:
                packs[k].append(job)
                room[k] -= job.duration + GAP_S
                break
        else:
            packs.append([job])
            room.append(window - job.duration)
    for pack in packs:
        pack.sort(key=lambda j: j.offset)
    return packs


def _concatenate(pack: list[DecodeJob]) -> tuple[Samples, list[float]]:
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
    parts: list[Samples] = []
    starts: list[float] = []
    position = 0
    for k, job in enumerate(pack):
        if k:
            parts.append(gap)
            position += len(gap)
        starts.append(position / SAMPLE_RATE)
        parts.append(job.audio)
        position += len(job.audio)
    return np.concatenate(parts), starts


def _split_result(result: Transcription, pack: list[DecodeJob], starts: list[float]) -> list[Transcription]:
    """Give each packed job the words (and segment scores) that fall in its stretch of the window."""
    per_job: list[list[RecognizedSegment]] = [[] for _ in pack]
    ends = [start + job.duration for start, job in zip(starts, pack, strict=True)]
    for seg in result:
        words = seg.words or (Word(seg.text, seg.start, seg.end, 1.0),)
        buckets: dict[int, list[Word]] = {}
        for word in words:
            k = _owner((word.start + word.end) / 2, starts, ends)
            shifted = Word(word.text, word.start - starts[k], word.end - starts[k], word.probability)
            buckets.setdefault(k, []).append(shifted)
        for k, kept in buckets.items():
            per_job[k].append(
                RecognizedSegment(
                    text=" ".join(w.text for w in kept),
                    start=kept[0].start,
                    end=kept[-1].end,
                    words=tuple(kept),
                    avg_logprob=seg.avg_logprob,
                    no_speech_prob=seg.no_speech_prob,
                    # Scores belong to the whole window; the loop check is on the piece's own text.
                    compression_ratio=compression_ratio(" ".join(w.text for w in kept)),
                )
            )
    return [tuple(segs) for segs in per_job]


def _owner(t: float, starts: list[float], ends: list[float]) -> int:
    """The job whose stretch holds time t of the window, or the nearest one (t in a gap)."""
    best, best_distance = 0, float("inf")
    for k, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        distance = 0.0 if lo <= t <= hi else min(abs(t - lo), abs(t - hi))
        if distance < best_distance:
            best, best_distance = k, distance
    return best


# --- files ---------------------------------------------------------------------------------------


def _channels(path: Path) -> int:
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise RecordingError(f"{path} holds no audio")
            return int(container.streams.audio[0].codec_context.channels)
    except (av.FFmpegError, OSError) as exc:
        raise RecordingError(f"cannot read audio from {path}: {_reason(exc)}") from exc


def _decode(path: Path, *, split_stereo: bool) -> Samples | tuple[Samples, Samples]:
    import av
    from faster_whisper.audio import decode_audio

    try:
        read_wav_header(path)
    except WavError as exc:
        raise RecordingError(f"{path}: {exc}") from None
    except OSError as exc:
        raise RecordingError(f"cannot read audio from {path}: {_reason(exc)}") from exc
    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=split_stereo)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise RecordingError(f"cannot read audio from {path}: {_reason(exc)}") from exc
    except IndexError:  # faster-whisper's decoder, given a file FFmpeg opens but finds no audio in
        raise RecordingError(f"{path} holds no audio (is it a recording?)") from None
    first = audio[0] if isinstance(audio, tuple) else audio
    if len(first) < MIN_AUDIO_S * SAMPLE_RATE:
        raise RecordingError(
            f"{path} holds {len(first) / SAMPLE_RATE:.2f} s of audio that can be decoded: "
            "is it a recording, and is it whole?"
        )
    return audio  # type: ignore[no-any-return]


def _decode_mono(path: Path) -> Samples:
    audio = _decode(path, split_stereo=False)
    assert not isinstance(audio, tuple)
    return audio


def _decode_stereo(path: Path) -> tuple[Samples, Samples]:
    audio = _decode(path, split_stereo=True)
    assert isinstance(audio, tuple)
    return audio


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text
