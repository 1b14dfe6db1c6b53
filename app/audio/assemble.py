"""Assembling a track's text from decode results: finals in the order their pieces were spoken,
words Whisper invented dropped (guards, the silent tail, mic bleed), partials cleaned.

Pure bookkeeping over results: no VAD, no decoding, no I/O.
"""

from __future__ import annotations

from collections import deque

from app.audio.asr import Guards, Transcription
from app.audio.events import Event, Final, Word
from app.audio.gate import BleedMask
from app.audio.jobs import DecodeJob, DecodeLedger
from nlp.types import Speaker

# A word starting this close to the end of speech (or later) was not spoken: it is Whisper filling
# the silent tail ("Thank you.", "Okay."). Real last words start well before the VAD's end.
LATE_WORD_S = 0.1


class TextContext:
    """The last words said on a call (both tracks when shared), Whisper's context for finals.

    Conditioning on earlier text is what makes a whole-file decode better than isolated
    segments: names and topic words ("depression", "vitals") come back right.
    """

    def __init__(self, max_words: int = 80) -> None:
        self._words: deque[str] = deque(maxlen=max(max_words, 1))
        self._enabled = max_words > 0

    def add(self, text: str) -> None:
        if self._enabled:
            self._words.extend(text.split())

    def recent(self) -> str:
        return " ".join(self._words) if self._enabled else ""


class FinalAssembler:
    """Finals of one track, released in piece order once each result is in."""

    def __init__(
        self, track: Speaker, guards: Guards, context: TextContext, bleed: BleedMask, *, ledger: DecodeLedger
    ) -> None:
        """`ledger`: where the planner keeps its jobs' results (this class only reads it)."""
        self.track: Speaker = track
        self._ledger = ledger
        self._guards = guards
        self._context = context
        self._bleed = bleed
        self._awaiting: deque[DecodeJob] = deque()  # confirmed finals not yet released, in order

    def expect(self, job: DecodeJob) -> None:
        """`job` is a confirmed final: its text comes out after every earlier one."""
        self._awaiting.append(job)

    def release(self) -> list[Event]:
        """Finals in piece order, each once its result is in and its endpoint confirmed."""
        events: list[Event] = []
        while self._awaiting:
            job = self._awaiting[0]
            if job.cancelled:  # the track stopped: nothing more to say
                self._awaiting.popleft()
                continue
            answer = self._ledger.answer_of(job)
            if answer is None:
                break
            self._awaiting.popleft()
            final = self.final(job, answer.result, silent_tail=job.trailing and not answer.packed)
            if final is not None:
                self._context.add(final.text)
                events.append(final)
        return events

    def final(self, job: DecodeJob, result: Transcription, *, silent_tail: bool) -> Final | None:
        """`silent_tail`: the decoded audio ended in the silence after speech, where a word that
        begins is Whisper's invention."""
        words: list[Word] = []
        # The VAD places speech more precisely than Whisper's word alignment: keep words inside it.
        lo, hi = job.start, job.offset + job.duration
        for seg in result:
            if self._guards.reason_to_drop(seg) is not None:
                continue
            seg_words = seg.words or (Word(seg.text, seg.start, seg.end, 1.0),)
            for w in seg_words:
                if silent_tail and job.offset + w.start >= job.end - LATE_WORD_S:
                    continue  # begins in the silent tail: Whisper's "Thank you." on silence
                start = min(max(job.offset + w.start, lo), hi)
                end = min(max(job.offset + w.end, start), hi)
                if self._bleed.at_time((start + end) / 2):
                    continue
                words.append(Word(w.text, round(start, 3), round(end, 3), w.probability))
        text = " ".join(w.text for w in words).strip()
        if not text:
            return None
        return Final(self.track, text, words[0].start, words[-1].end, tuple(words))

    def partial_text(self, result: Transcription) -> str:
        kept = [seg.text.strip() for seg in result if self._guards.reason_to_drop(seg) is None]
        return " ".join(t for t in kept if t)
