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


@dataclass(frozen=True, slots=True)
class DecodeRequest:
    """How to decode one piece of audio."""

    kind: DecodeKind
    beam_size: int = 1
    temperatures: tuple[float, ...] = (0.0,)
    word_timestamps: bool = False
    window: float | None = None
    """Seconds of encoder context (>= the audio); None: Whisper's usual 30 s. Less is faster."""


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
    """A speech recogniser. Called from one worker thread at a time."""

    def transcribe(self, audio: Samples, request: DecodeRequest) -> Transcription: ...


@runtime_checkable
class BatchTranscriber(Transcriber, Protocol):
    """A recogniser that decodes several pieces of at most 30 s in one go (recordings)."""

    def transcribe_batch(self, audios: Sequence[Samples], request: DecodeRequest) -> list[Transcription]: ...


def final_request(settings: Settings, *, beam_size: int | None = None) -> DecodeRequest:
    return DecodeRequest(
        kind="final",
        beam_size=beam_size or settings.final_beam_size,
        temperatures=tuple(settings.final_temperatures) or (0.0,),
        word_timestamps=True,
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
        if request.window is not None and not request.word_timestamps:
            return self._short_window(audio, request)
        segments, _info = self.model.transcribe(
            audio,
            language=self.language,
            beam_size=request.beam_size,
            best_of=request.beam_size,
            temperature=list(request.temperatures),
            word_timestamps=request.word_timestamps,
            # Each segment is decoded alone: text carried over from the last one spreads errors.
            condition_on_previous_text=False,
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
            without_timestamps=True,
        )
        out: list[list[RecognizedSegment]] = [[] for _ in audios]
        for seg in segments:
            k = min(max(int(float(seg.start) // 30), 0), len(audios) - 1)
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
        """Greedy decode with the encoder run on a window shorter than 30 s.

        The encoder costs the same for 1 s of speech as for 30 s because faster-whisper pads
        every input to 30 s. CTranslate2 accepts shorter inputs; with at least ~10 s of context
        tiny.en's text stays close to the padded decode (measured: 8-9 % word difference on
        partial-length clips) at a third of the time. Below that Whisper starts looping, hence
        the floor and the token cap.
        """
        import ctranslate2
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self.model
        if self._tokenizer is None:
            self._tokenizer = Tokenizer(
                model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=self.language
            )
            self._suppress = tuple(get_suppressed_tokens(self._tokenizer, (-1,)) or ())
        tokenizer = self._tokenizer
        seconds = len(audio) / SAMPLE_RATE
        window = min(30.0, max(request.window or 30.0, seconds + 8.0))
        features = model.feature_extractor(audio)
        frames = int(window * 100)
        padded = np.zeros((features.shape[0], frames), dtype=np.float32)
        used = min(frames, features.shape[1])
        padded[:, :used] = features[:, :used]
        encoded = model.model.encode(ctranslate2.StorageView.from_array(padded[None]), to_cpu=False)
        prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        # About 4 tokens a second is fast speech; the cap stops a loop early.
        max_new = int(8 + seconds * 6)
        result = model.model.generate(
            encoded,
            [prompt],
            beam_size=request.beam_size,
            max_length=len(prompt) + max_new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=list(self._suppress),
        )[0]
        tokens: Sequence[int] = result.sequences_ids[0]
        text = tokenizer.decode(list(tokens)).strip()
        avg_logprob = float(result.scores[0]) * len(tokens) / (len(tokens) + 1)
        return (
            RecognizedSegment(
                text=text,
                start=0.0,
                end=seconds,
                avg_logprob=avg_logprob,
                no_speech_prob=float(result.no_speech_prob),
                compression_ratio=compression_ratio(text),
            ),
        )


def load_transcriber(settings: Settings) -> WhisperTranscriber:
    """Load the configured Whisper model (slow: call it once per process)."""
    from models.whisper import load_whisper

    model = load_whisper(
        settings.whisper_model,
        device=settings.whisper_device,
        compute_type=settings.whisper_compute_type,
        cpu_threads=settings.whisper_threads,
    )
    return WhisperTranscriber(model)
