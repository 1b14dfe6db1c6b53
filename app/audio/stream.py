"""The streaming processor of one track: PCM in, speech events and decode jobs out.

It knows nothing of sockets, threads or event loops. Three parts, one module each:

- segmenting (`gate.py`): is each 32 ms chunk speech (Silero, hysteresis, mic bleed)?
- planning decodes (this module): a small state machine over those decisions (idle ->
  candidate -> speaking -> idle); at an endpoint, at a pause in a long stretch, or when a
  segment grows past `vad_max_segment`, it cuts a *piece* of audio and plans its decode jobs
  (partials while it grows, a speculative final, the final);
- assembling finals (`assemble.py`): results back into Finals, in piece order, with invented
  words dropped.

Who decodes is the caller's business:

- with a `transcriber`, pieces are decoded inline and `feed()` returns their Finals at once
  (tests, simple tools);
- without one, jobs pile up for `take_jobs()`; the caller decodes them anywhere and hands each
  result back to `resolve()`, which returns the events it completes (the live engine, and the
  offline packer that decodes several pieces in one Whisper window).

Jobs are immutable requests (`jobs.py`). Their state (confirmed, withdrawn, answered) is this
processor's alone: it keeps it in its `DecodeLedger`, and the scheduler only reads it through
`job.cancelled` / `job.confirmed`. `abort()` withdraws everything when the caller stops the track.

Speculative finals: after `final_speculate_after` of silence the final of the piece is already
submitted; if speech resumes it is cancelled, if the endpoint confirms it its text is out as
soon as possible. It takes the Whisper time off the end-of-speech -> final latency.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np

from app.audio.asr import Guards, Transcriber, Transcription, final_request, partial_request
from app.audio.assemble import FinalAssembler, TextContext
from app.audio.bleed import Loudness
from app.audio.events import Event, Partial, SpeechEnded, SpeechStarted
from app.audio.frames import SAMPLE_RATE, PcmReader, Samples
from app.audio.gate import CHUNK_S, BleedMask, SpeechGate
from app.audio.jobs import DecodeJob, DecodeLedger, JobState
from app.audio.vad import CHUNK, SileroVad, Vad
from app.settings import Settings
from nlp.types import Speaker

# Where the planned jobs and the text context used to live; importers may still name them here.
__all__ = ["DecodeJob", "TextContext", "TrackProcessor"]

SPLIT_MIN_PAUSE = 3  # chunks (96 ms): a pause this long is a good place for a forced split
# A pause this long (shorter than the endpoint) ends a piece that has lasted `vad_split_after`:
# long monologues get their text sentence by sentence, and each final decodes faster.
PAUSE_SPLIT_S = 0.25
SPLIT_SEARCH_S = 5.0  # look this far back for such a pause


class _State(Enum):
    IDLE = "idle"
    CANDIDATE = "candidate"  # speech heard, not yet long enough to count
    SPEAKING = "speaking"


@dataclass
class _Piece:
    number: int
    audio_start: int  # chunk index the piece's audio starts at (pre-roll included)
    speech_start: int  # chunk index its speech starts at
    last_partial: int  # chunk index of the last partial request
    partial: DecodeJob | None = None
    speculative: DecodeJob | None = None
    flags: list[bool] = field(default_factory=list)
    waiting: bool = False  # opened by a pause split; no speech in it yet


class TrackProcessor:
    """Streaming VAD, segmentation and decode requests for one track."""

    def __init__(
        self,
        track: Speaker,
        settings: Settings,
        *,
        transcriber: Transcriber | None = None,
        vad: Vad | None = None,
        start_at: float = 0.0,
        partials: bool | None = None,
        speculate: bool | None = None,
        reference: Loudness | None = None,
        loudness: Loudness | None = None,
        final_beam_size: int | None = None,
        context: TextContext | None = None,
    ) -> None:
        """`reference`: the customer's loudness, given to the interviewer track for bleed checks.
        `loudness`: where this track publishes its own (the customer track shares it).
        `context`: the call's recent text, shared by its tracks (default: this track's own)."""
        self.track: Speaker = track
        self.settings = settings
        self._transcriber = transcriber
        self._reader = PcmReader()
        self._final_request = final_request(settings, beam_size=final_beam_size)
        self._partial_request = partial_request(settings)
        self._partials = settings.partials if partials is None else partials
        spec_s = settings.final_speculate_after
        self._speculate = (transcriber is None and spec_s > 0) if speculate is None else speculate
        self._spec_chunks = max(1, round(spec_s / CHUNK_S))
        self._loudness = loudness or Loudness()
        self._context = context or TextContext(settings.final_context_words)
        self._ledger = DecodeLedger()
        # The call's chunk grid: chunk i of this track is chunk grid0 + i of the call.
        bleed = BleedMask(start_at)
        self._gate = SpeechGate(
            settings,
            vad or SileroVad(),
            grid0=round(start_at / CHUNK_S),
            loudness=self._loudness,
            reference=reference,
            bleed=bleed,
        )
        self._assembler = FinalAssembler(
            track, Guards.from_settings(settings), self._context, bleed, ledger=self._ledger
        )

        self._endpoint_chunks = max(1, round(settings.vad_endpoint / CHUNK_S))
        self._min_speech_chunks = max(1, round(settings.vad_min_speech / CHUNK_S))
        self._preroll_chunks = round(settings.vad_preroll / CHUNK_S)
        self._tail_chunks = round(settings.vad_tail / CHUNK_S)
        self._max_chunks = round(settings.vad_max_segment / CHUNK_S)
        self._soft_chunks = round(settings.vad_split_after / CHUNK_S)
        self._pause_chunks = round(PAUSE_SPLIT_S / CHUNK_S)
        self._partial_chunks = max(1, round(settings.partial_interval / CHUNK_S))

        self._start_at = start_at
        self._samples_fed = 0
        self._leftover = np.zeros(0, dtype=np.float32)
        self._audio: deque[Samples] = deque()  # chunks from index _audio_base on
        self._audio_base = 0
        self._decided = 0  # chunks whose speech decision is made

        self._state = _State.IDLE
        self._onset = 0
        self._speech_chunks = 0
        self._last_speech = -1
        self._silence = 0
        self._piece: _Piece | None = None
        self._pieces = 0
        self._jobs: list[DecodeJob] = []

    # --- public --------------------------------------------------------------------------------

    @property
    def clock(self) -> float:
        """Call time of the audio fed so far."""
        return self._start_at + self._samples_fed / SAMPLE_RATE

    @property
    def speaking(self) -> bool:
        return self._state is _State.SPEAKING

    @property
    def loudness(self) -> Loudness:
        return self._loudness

    def feed(self, pcm: bytes) -> list[Event]:
        """Take PCM16LE mono 16 kHz bytes of any length; return the events they complete."""
        samples = self._reader.read(pcm)
        self._samples_fed += len(samples)
        if len(self._leftover):
            samples = np.concatenate([self._leftover, samples])
        whole = len(samples) - len(samples) % CHUNK
        self._leftover = samples[whole:].copy()
        if whole:
            self._arrive(samples[:whole].reshape(-1, CHUNK))
        return self._decide(final=False)

    def flush(self) -> list[Event]:
        """End the open segment now (the interviewer paused); audio after it starts a new one."""
        events = self._decide(final=True)
        if self._state is _State.SPEAKING:
            events += self._end_segment()
        self._state = _State.IDLE
        return events + self._run_inline()

    def finish(self) -> list[Event]:
        """No more audio: decide the last chunk (zero-padded) and end the open segment."""
        if len(self._leftover):
            chunk = np.zeros(CHUNK, dtype=np.float32)
            chunk[: len(self._leftover)] = self._leftover
            self._leftover = np.zeros(0, dtype=np.float32)
            self._arrive(chunk[None, :])
        events = self.flush()
        self._loudness.open = False
        return events

    @property
    def awaiting(self) -> int:
        """Planned decodes whose result is still wanted and not in yet."""
        return self._ledger.awaiting

    def take_jobs(self) -> list[DecodeJob]:
        """Decode jobs planned since the last call (only without an inline transcriber), in order.
        A job planned and withdrawn in the same feed is among them, already `cancelled`."""
        jobs, self._jobs = self._jobs, []
        return jobs

    def resolve(self, job: DecodeJob, result: Transcription | None, *, packed: bool = False) -> list[Event]:
        """Hand back a job's result (None: it was dropped); return the events it completes.
        A result that no longer counts (withdrawn, or a second answer) completes nothing.
        `packed`: decoded in one window with the pieces after it (see `jobs.Answer`)."""
        if job.kind == "partial":
            wanted = self._ledger.answer(job, result or ())
            piece = self._piece
            if piece is not None and piece.partial is job:
                piece.partial = None
                if result is not None and wanted and piece.number == job.piece:
                    text = self._assembler.partial_text(result)
                    if text:
                        return [Partial(self.track, text, job.start, job.end)]
            return []
        if result is None and self._ledger.state(job) is JobState.SPECULATIVE:
            # A speculative final the scheduler had no time for: the endpoint makes a real one.
            self._ledger.cancel(job)
            return []
        if not self._ledger.answer(job, result or (), packed=packed):
            return []
        return self._assembler.release()

    def abort(self) -> None:
        """The caller stops the track: no planned decode is wanted any more."""
        self._ledger.cancel_all()
        self._jobs = []

    # --- chunks ---------------------------------------------------------------------------------

    def _arrive(self, chunks: Samples) -> None:
        self._gate.arrive(chunks)
        self._audio.extend(chunks)

    @property
    def _arrived(self) -> int:
        return self._gate.arrived

    def _decide(self, *, final: bool) -> list[Event]:
        events: list[Event] = []
        for index, speech in self._gate.decide(final=final):
            events += self._step(index, speech)
            self._decided = index + 1
        self._trim()
        return events + self._run_inline()

    def _step(self, i: int, speech: bool) -> list[Event]:
        events: list[Event] = []
        if self._state is _State.IDLE:
            if speech:
                self._state = _State.CANDIDATE
                self._onset, self._speech_chunks, self._silence = i, 1, 0
                self._last_speech = i
                if self._speech_chunks >= self._min_speech_chunks:
                    events += self._start_segment()
            return events
        if self._state is _State.CANDIDATE:
            if speech:
                self._speech_chunks += 1
                self._silence = 0
                self._last_speech = i
                if self._speech_chunks >= self._min_speech_chunks:
                    events += self._start_segment()
            else:
                self._silence += 1
                if self._silence >= self._endpoint_chunks:
                    self._state = _State.IDLE
            return events
        # SPEAKING
        piece = self._piece
        assert piece is not None
        piece.flags.append(speech)
        if speech:
            if piece.waiting:
                # Speech again after a pause split: the new piece starts here, with its pre-roll.
                start = max(piece.audio_start, i - self._preroll_chunks)
                piece.flags = piece.flags[start - piece.audio_start :]
                piece.audio_start, piece.speech_start, piece.last_partial = start, i, i
                piece.waiting = False
            if piece.speculative is not None:
                self._ledger.cancel(piece.speculative)
                piece.speculative = None
            self._silence = 0
            self._last_speech = i
            if i + 1 - piece.audio_start >= self._max_chunks:
                self._split(i + 1)
            elif (
                self._partials
                and piece.partial is None
                and i + 1 - piece.last_partial >= self._partial_chunks
            ):
                self._request_partial(i + 1)
        else:
            self._silence += 1
            if (
                not piece.waiting
                and self._speculate
                and self._silence == self._spec_chunks
                and piece.speculative is None
            ):
                piece.speculative = self._final_job(piece, self._last_speech + 1, confirmed=False)
            if (
                not piece.waiting
                and self._silence == self._pause_chunks
                and self._last_speech + 1 - piece.audio_start >= self._soft_chunks
            ):
                self._pause_split(i + 1)
            if self._silence >= self._endpoint_chunks:
                events += self._end_segment()
        return events

    def _pause_split(self, now: int) -> None:
        """Close a long piece at a sentence-like pause while the speaker goes on (or not)."""
        piece = self._piece
        assert piece is not None
        end = self._last_speech + 1
        self._close_piece(piece, end)
        cut = min(end + self._tail_chunks, now)
        self._pieces += 1
        new = _Piece(self._pieces, cut, cut, last_partial=cut, waiting=True)
        new.flags = [False] * (now - cut)
        self._piece = new

    def _start_segment(self) -> list[Event]:
        self._state = _State.SPEAKING
        audio_start = max(self._audio_base, self._onset - self._preroll_chunks)
        self._pieces += 1
        self._piece = _Piece(self._pieces, audio_start, self._onset, last_partial=self._onset)
        # Chunks between the onset and now were speech or short pauses.
        self._piece.flags = [True] * (self._last_speech + 1 - audio_start)
        return [SpeechStarted(self.track, self._time(self._onset))]

    def _end_segment(self) -> list[Event]:
        piece = self._piece
        assert piece is not None
        end = self._last_speech + 1
        events: list[Event] = [SpeechEnded(self.track, self._time(end), self._time(self._onset))]
        if not piece.waiting:
            self._close_piece(piece, end)
        self._state = _State.IDLE
        self._piece = None
        return events + self._assembler.release()

    def _close_piece(self, piece: _Piece, end: int, *, tail: bool = True) -> None:
        if piece.partial is not None:
            self._ledger.cancel(piece.partial)
        spec = piece.speculative
        if spec is not None and not spec.cancelled and spec.end_chunk == end:
            self._ledger.confirm(spec)
            self._assembler.expect(spec)
        else:
            if spec is not None:
                self._ledger.cancel(spec)
            self._assembler.expect(self._final_job(piece, end, confirmed=True, tail=tail))

    def _split(self, now: int) -> None:
        """Cut the piece at the latest short pause (or now) and go on with a new piece."""
        piece = self._piece
        assert piece is not None
        cut = now
        flags = piece.flags
        lowest = max(len(flags) - round(SPLIT_SEARCH_S / CHUNK_S), 1)
        run_end = None
        for k in range(len(flags) - 1, lowest - 1, -1):
            if not flags[k]:
                if run_end is None:
                    run_end = k + 1
                if run_end - k >= SPLIT_MIN_PAUSE and (k == 0 or flags[k - 1]):
                    cut = piece.audio_start + (k + run_end) // 2
                    break
            else:
                run_end = None
        # No tail: the audio after the cut belongs to the next piece.
        self._close_piece(piece, cut, tail=False)
        self._pieces += 1
        new = _Piece(self._pieces, cut, cut, last_partial=cut)
        new.flags = flags[cut - piece.audio_start :]
        self._piece = new

    def _final_job(self, piece: _Piece, end: int, *, confirmed: bool, tail: bool = True) -> DecodeJob:
        audio_end = min(end + self._tail_chunks, self._arrived) if tail else end
        request = self._final_request
        prompt = self._context.recent()
        if prompt:
            request = replace(request, prompt=prompt)
        job = DecodeJob(
            kind="final",
            request=request,
            audio=self._slice(piece.audio_start, audio_end),
            offset=self._time(piece.audio_start),
            piece=piece.number,
            start=self._time(piece.speech_start),
            end=self._time(end),
            end_chunk=end,
            speculative=not confirmed,
            trailing=tail,
            ledger=self._ledger,
        )
        self._jobs.append(self._ledger.plan(job))
        return job

    def _request_partial(self, now: int) -> None:
        piece = self._piece
        assert piece is not None
        piece.last_partial = now
        piece.partial = DecodeJob(
            kind="partial",
            request=self._partial_request,
            audio=self._slice(piece.audio_start, now),
            offset=self._time(piece.audio_start),
            piece=piece.number,
            start=self._time(piece.speech_start),
            end=self._time(now),
            end_chunk=now,
            ledger=self._ledger,
        )
        self._jobs.append(self._ledger.plan(piece.partial))

    def _run_inline(self) -> list[Event]:
        if self._transcriber is None:
            return []
        events: list[Event] = []
        for job in self.take_jobs():
            if job.cancelled:
                continue
            result = self._transcriber.transcribe(job.audio, job.request)
            events += self.resolve(job, result)
        return events

    # --- audio buffer ---------------------------------------------------------------------------

    def _time(self, index: int) -> float:
        return round(self._start_at + index * CHUNK_S, 3)

    def _slice(self, lo: int, hi: int) -> Samples:
        lo = max(lo, self._audio_base)
        chunks = [self._audio[k - self._audio_base] for k in range(lo, hi)]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)

    def _trim(self) -> None:
        """Drop audio no piece can need any more (keep the pre-roll)."""
        keep_from = self._decided - self._preroll_chunks
        if self._state is not _State.IDLE:
            keep_from = min(keep_from, self._onset - self._preroll_chunks)
        if self._piece is not None:
            keep_from = min(keep_from, self._piece.audio_start)
        while self._audio_base < keep_from and self._audio:
            self._audio.popleft()
            self._audio_base += 1
