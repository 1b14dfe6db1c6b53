"""Speech recognition behind a small protocol, and the checks that keep Whisper's inventions out.

`Transcriber` is what the engine needs from a recogniser: audio in, segments with scores out.
`WhisperTranscriber` is the faster-whisper implementation; tests use a fake. The guards look
at the scores Whisper returns and at the text itself, because Whisper writes fluent sentences
("Thank you.", "you you you") over silence and noise.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from app.audio.events import Word
from app.audio.frames import SAMPLE_RATE, Samples

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from app.settings import Settings

DecodeKind = Literal["final", "partial"]

# Seconds of encoder context after the audio when the window is shortened (see _short_window).
CONTEXT_AFTER_S = 10.0
# Whisper's temperature-fallback thresholds (as in openai/whisper and faster-whisper).
FALLBACK_COMPRESSION_RATIO = 2.4
FALLBACK_LOGPROB = -1.0
FALLBACK_NO_SPEECH = 0.6
PROMPT_TOKENS = 100  # at most this much earlier text as context (Whisper allows 223)
# English punctuation Whisper's aligner attaches to the word before or after (faster-whisper's
# defaults, less the full-width forms English text does not use).
PREPEND_PUNCTUATION = "\"'“¿([{-"
APPEND_PUNCTUATION = "\"'.,!?:”)]}"


@dataclass(frozen=True, slots=True)
class DecodeRequest:
    """How to decode one piece of audio."""

    kind: DecodeKind
    beam_size: int = 1
    temperatures: tuple[float, ...] = (0.0,)
    word_timestamps: bool = False
    window: float | None = None
    """Seconds of encoder context (>= the audio); None: Whisper's usual 30 s. Less is faster."""
    prompt: str = ""
    """Recent text of the call, given to Whisper as what was said before (finals only)."""


@dataclass(frozen=True, slots=True)
class RecognizedSegment:
    """One segment as the recogniser returns it; times are seconds from the start of its audio."""

    text: str
    start: float
    end: float
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


Transcription = tuple[RecognizedSegment, ...]


class Transcriber(Protocol):
    """A speech recogniser. Called from one worker thread at a time, or from as many as the
    `slots` it was loaded with (load_transcriber)."""

    def transcribe(self, audio: Samples, request: DecodeRequest) -> Transcription: ...


@runtime_checkable
class BatchTranscriber(Transcriber, Protocol):
    """A recogniser that decodes several pieces of at most 30 s in one go (recordings)."""

    def transcribe_batch(self, audios: Sequence[Samples], request: DecodeRequest) -> list[Transcription]: ...


def final_request(settings: Settings, *, beam_size: int | None = None, window: bool = True) -> DecodeRequest:
    """Finals: beam search, a short temperature fallback, word times. `window=False`: full 30 s."""
    return DecodeRequest(
        kind="final",
        beam_size=beam_size or settings.final_beam_size,
        temperatures=tuple(settings.final_temperatures) or (0.0,),
        word_timestamps=True,
        window=settings.final_window if window and settings.final_window < 30 else None,
    )


def partial_request(settings: Settings) -> DecodeRequest:
    # Temperature 0 only: a fallback can turn a 0.2 s partial into 2.5 s, and partials are disposable.
    window = None if settings.partial_window >= 30 else settings.partial_window
    return DecodeRequest(kind="partial", beam_size=1, temperatures=(0.0,), window=window)


# --- guards ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Guards:
    """Thresholds for dropping recognised text that is likely invented."""

    no_speech_prob: float = 0.6
    logprob: float = -1.0
    min_logprob: float = -1.6
    compression_ratio: float = 2.4
    max_ngram_repeats: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> Guards:
        return cls(
            no_speech_prob=settings.guard_no_speech_prob,
            logprob=settings.guard_logprob,
            min_logprob=settings.guard_min_logprob,
            compression_ratio=settings.guard_compression_ratio,
            max_ngram_repeats=settings.guard_max_ngram_repeats,
        )

    def reason_to_drop(self, segment: RecognizedSegment) -> str | None:
        """Why the segment looks invented, or None when it can be kept."""
        if not segment.text.strip():
            return "empty"
        # Whisper's own rule: "no speech" only counts when the text is also unlikely.
        if segment.no_speech_prob > self.no_speech_prob and segment.avg_logprob < self.logprob:
            return "no speech"
        if segment.avg_logprob < self.min_logprob:
            return "low confidence"
        if segment.compression_ratio > self.compression_ratio:
            return "loops"
        if repeated_ngram(segment.text, self.max_ngram_repeats):
            return "repeats"
        return None


_WORD = re.compile(r"[a-z0-9']+")


def repeated_ngram(text: str, times: int, max_n: int = 4) -> bool:
    """True when a 1..max_n-word phrase occurs `times` times in a row ("no no no no", "I mean I mean...")."""
    words = _WORD.findall(text.lower())
    for n in range(1, max_n + 1):
        for i in range(len(words) - n * times + 1):
            phrase = words[i : i + n]
            if all(words[i + k * n : i + (k + 1) * n] == phrase for k in range(1, times)):
                return True
    return False


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 1.0


# --- faster-whisper --------------------------------------------------------------------------


@dataclass
class WhisperTranscriber:
    """faster-whisper (CTranslate2) behind the Transcriber protocol."""

    model: WhisperModel
    language: str = "en"
    _tokenizer: Any = field(default=None, init=False, repr=False)
    _suppress: tuple[int, ...] = field(default=(), init=False, repr=False)
    _batched: Any = field(default=None, init=False, repr=False)

    def transcribe(self, audio: Samples, request: DecodeRequest) -> Transcription:
        if request.window is not None:
            return self._short_window(audio, request)
        segments, _info = self.model.transcribe(
            audio,
            language=self.language,
            beam_size=request.beam_size,
            best_of=request.beam_size,
            temperature=list(request.temperatures),
            word_timestamps=request.word_timestamps,
            # The piece is decoded on its own, with only the caller's context as earlier text.
            condition_on_previous_text=False,
            initial_prompt=request.prompt.strip() or None,
            without_timestamps=True,
            vad_filter=False,
        )
        out: list[RecognizedSegment] = []
        for seg in segments:
            words = tuple(
                Word(w.word.strip(), float(w.start), float(w.end), float(w.probability))
                for w in (seg.words or ())
                if w.word.strip()
            )
            out.append(
                RecognizedSegment(
                    text=seg.text.strip(),
                    start=float(seg.start),
                    end=float(seg.end),
                    words=words,
                    avg_logprob=float(seg.avg_logprob),
                    no_speech_prob=float(seg.no_speech_prob),
                    compression_ratio=float(seg.compression_ratio),
                )
            )
        return tuple(out)

    def transcribe_batch(self, audios: Sequence[Samples], request: DecodeRequest) -> list[Transcription]:
        """Decode pieces of at most 30 s together: batched decoding costs about half the CPU of
        decoding them one after the other (measured with tiny.en, 4 windows of ~25 s). Greedy
        or beam search at the first temperature only: the batched pipeline has no fallback."""
        from faster_whisper import BatchedInferencePipeline

        if self._batched is None:
            self._batched = BatchedInferencePipeline(self.model)
        span = 30 * SAMPLE_RATE
        laid_out = np.zeros(span * len(audios), dtype=np.float32)
        clips = []
        for k, audio in enumerate(audios):
            piece = audio[:span]
            laid_out[k * span : k * span + len(piece)] = piece
            clips.append({"start": k * 30.0, "end": k * 30.0 + len(piece) / SAMPLE_RATE})
        segments, _info = self._batched.transcribe(
            laid_out,
            language=self.language,
            clip_timestamps=clips,
            batch_size=max(1, len(audios)),
            beam_size=request.beam_size,
            temperature=request.temperatures[0],
            word_timestamps=True,
            # One text per window: with timestamp tokens the batched decode drops the window's
            # last sentence when it runs to the end (measured: 13 % WER against 7 %).
            without_timestamps=True,
        )
        out: list[list[RecognizedSegment]] = [[] for _ in audios]
        for seg in segments:
            # By the middle: a segment's start can come out a few ms before its window's.
            k = min(max(int((float(seg.start) + float(seg.end)) / 2 // 30), 0), len(audios) - 1)
            offset = k * 30.0
            words = tuple(
                Word(w.word.strip(), float(w.start) - offset, float(w.end) - offset, float(w.probability))
                for w in (seg.words or ())
                if w.word.strip()
            )
            out[k].append(
                RecognizedSegment(
                    text=seg.text.strip(),
                    start=float(seg.start) - offset,
                    end=float(seg.end) - offset,
                    words=words,
                    avg_logprob=float(seg.avg_logprob),
                    no_speech_prob=float(seg.no_speech_prob),
                    compression_ratio=float(seg.compression_ratio),
                )
            )
        return [tuple(segs) for segs in out]

    def _short_window(self, audio: Samples, request: DecodeRequest) -> Transcription:
        """Decode with the encoder run on a window shorter than 30 s.

        faster-whisper pads every input to 30 s, so the encoder costs the same for 2 s of speech
        as for 30 s. CTranslate2 accepts shorter inputs, and with 10 s of silence after the
        speech (15 s at least) tiny.en's text is as good as the padded decode (measured on 90
        synthetic utterances, beam 5: 7.9 % WER against 8.5 % padded) at half the time. With
        less context Whisper starts looping, hence the margin and the token cap.
        """
        import ctranslate2
        from faster_whisper.transcribe import merge_punctuations

        model = self.model
        tokenizer = self._get_tokenizer()
        seconds = len(audio) / SAMPLE_RATE
        window = min(30.0, max(request.window or 30.0, seconds + CONTEXT_AFTER_S))
        features = model.feature_extractor(audio)
        frames = int(window * 100)
        padded = np.zeros((features.shape[0], frames), dtype=np.float32)
        used = min(frames, features.shape[1])
        padded[:, :used] = features[:, :used]
        encoded = model.model.encode(ctranslate2.StorageView.from_array(padded[None]), to_cpu=False)
        plain = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        previous = (
            tokenizer.encode(" " + request.prompt.strip())[-PROMPT_TOKENS:] if request.prompt.strip() else []
        )
        # About 5 tokens a second is fast speech; the cap stops a loop early.
        new_tokens = min(220, int(10 + seconds * 8))

        best: tuple[float, list[int], str, float, float] | None = None
        for temperature in request.temperatures or (0.0,):
            # Conditioned on what was said before, except when falling back: a bad context is
            # one reason for a bad decode (Whisper's prompt_reset_on_temperature).
            prompt = [tokenizer.sot_prev, *previous, *plain] if previous and temperature < 0.5 else plain
            max_length = len(prompt) + new_tokens
            sampling: dict[str, Any] = (
                {"beam_size": request.beam_size}
                if temperature == 0
                else {
                    "beam_size": 1,
                    "num_hypotheses": request.beam_size,
                    "sampling_topk": 0,
                    "sampling_temperature": temperature,
                }
            )
            result = model.model.generate(
                encoded,
                [prompt],
                max_length=max_length,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=list(self._suppress),
                **sampling,
            )[0]
            tokens = list(result.sequences_ids[0])
            text = tokenizer.decode(tokens).strip()
            avg_logprob = float(result.scores[0]) * len(tokens) / (len(tokens) + 1)
            candidate = (avg_logprob, tokens, text, compression_ratio(text), float(result.no_speech_prob))
            if best is None or candidate[0] > best[0]:
                best = candidate
            # Whisper's fallback rule: try a higher temperature when the text loops or is unlikely,
            # unless the audio is silence anyway.
            looping = candidate[3] > FALLBACK_COMPRESSION_RATIO or avg_logprob < FALLBACK_LOGPROB
            if not looping or candidate[4] > FALLBACK_NO_SPEECH:
                best = candidate
                break
        assert best is not None
        avg_logprob, tokens, text, ratio, no_speech = best

        words: tuple[Word, ...] = ()
        if request.word_timestamps and tokens:
            text_tokens = [t for t in tokens if t < tokenizer.eot]
            [alignment] = model.find_alignment(tokenizer, [text_tokens], encoded, min(used, frames))
            merge_punctuations(alignment, PREPEND_PUNCTUATION, APPEND_PUNCTUATION)
            words = tuple(
                Word(w["word"].strip(), float(w["start"]), float(w["end"]), float(w["probability"]))
                for w in alignment
                if w["word"].strip()
            )
        return (
            RecognizedSegment(
                text=text,
                start=0.0,
                end=seconds,
                words=words,
                avg_logprob=avg_logprob,
                no_speech_prob=no_speech,
                compression_ratio=ratio,
            ),
        )

    def _get_tokenizer(self) -> Any:
        if self._tokenizer is None:
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens

            model = self.model
            self._tokenizer = Tokenizer(
                model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=self.language
            )
            self._suppress = tuple(get_suppressed_tokens(self._tokenizer, (-1,)) or ())
        return self._tokenizer


def load_transcriber(settings: Settings, slots: int = 1) -> WhisperTranscriber:
    """Load the configured Whisper model (slow: call it once per process), able to run `slots`
    decodes at once; the CPU threads are shared between them."""
    from models.whisper import load_whisper

    model = load_whisper(
        settings.whisper_model,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=max(1, settings.whisper_threads // slots),
        num_workers=slots,
    )
    return WhisperTranscriber(model)
