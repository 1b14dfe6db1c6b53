"""Speech finals made readable for the detectors, without losing the words as they were said.

Whisper finals carry fillers ("uh", "um", "mm-hmm"), stutters ("wh-what") and repeated or
restarted phrases ("did you, did you ever", "what, what, what are the"). A detector that reads
them as written counts "what, what, what are the ..." as three questions. `clean` drops the
fillers and the first copy of a repeated phrase, keeps every other word, and remembers where
each kept word sits in the original text, so evidence can quote the words as they were said.

    cleaned = clean("So, uh, did you, did you ever retrain it?")
    cleaned.text                       # "So, did you ever retrain it?"
    cleaned.original_span(4, 18)       # "did you, did you ever" -> quoted from the original
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.normalize import normalize

# Sounds that carry no words. "like", "you know", "I mean" are left: they can be meaning.
FILLERS = frozenset({"uh", "um", "uhm", "umm", "uhh", "er", "erm", "hmm", "hm", "mm", "mhm", "mm-hmm", "ah"})
# The longest phrase whose immediate repeat is collapsed ("have you ever, have you ever").
MAX_REPEAT = 4
_WORD = re.compile(r"\S+")
_EDGE_PUNCT = ".,;:!?\"'()[]\u2014\u2013-"
_CLOSERS = "?.!"
_DASH_CHARS = frozenset("-\u2014\u2013")


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    """The word as the detectors read it (normalised, with its punctuation)."""
    start: int
    end: int
    """Where the word that produced it sits in the original text."""

    @property
    def core(self) -> str:
        return self.text.strip(_EDGE_PUNCT).lower()


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The cleaned text and, for each of its words, the original's character span."""

    original: str
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def original_span(self, start: int, end: int) -> str:
        """The original words behind cleaned characters [start, end), dropped words included."""
        covered: list[Word] = []
        pos = 0
        for word in self.words:
            w_end = pos + len(word.text)
            if pos < end and start < w_end:
                covered.append(word)
            pos = w_end + 1
        if not covered:
            return self.original[start:end].strip()
        return self.original[covered[0].start : covered[-1].end].strip(" ,;")


def _split(text: str) -> list[Word]:
    words: list[Word] = []
    for match in _WORD.finditer(text):
        written = match.group()
        # normalize() handles what sits inside one written word: "wh-what", "this--where". On a
        # word without a dash none of its patterns can match (the others need a space), so the
        # word is kept as it is without running them: a live final's words mostly have none.
        if not _DASH_CHARS.isdisjoint(written):
            written = normalize(written)
        for piece in written.split():
            words.append(Word(piece, match.start(), match.end()))
    return words


def _drop_fillers(words: list[Word]) -> list[Word]:
    kept: list[Word] = []
    for word in words:
        if word.core in FILLERS:
            closer = word.text[-1] if word.text[-1] in _CLOSERS else ""
            # "anything else, um?" still asks: the question mark moves to the word before.
            if closer and kept and kept[-1].text[-1] not in _CLOSERS:
                last = kept[-1]
                kept[-1] = Word(last.text.rstrip(",;:") + closer, last.start, last.end)
            continue
        kept.append(word)
    return kept


def _drop_repeats(words: list[Word]) -> list[Word]:
    """Drop the first copy of a phrase said twice in a row: the speaker restarted it."""
    out: list[Word] = []
    cores: list[str] = []  # out's words' cores, computed once per word
    for word in words:
        out.append(word)
        cores.append(word.core)
        changed = True
        while changed:
            changed = False
            for n in range(MAX_REPEAT, 0, -1):
                if len(out) < 2 * n:
                    continue
                second = cores[-n:]
                if cores[-2 * n : -n] == second and all(second):
                    # A finished question said twice ("Why? Why?") keeps its first copy's end.
                    if out[-n - 1].text[-1] in _CLOSERS and out[-1].text[-1] not in _CLOSERS:
                        break
                    del out[-2 * n : -n]
                    del cores[-2 * n : -n]
                    changed = True
                    break
    return out


def clean(text: str) -> Cleaned:
    """The final without fillers, stutters and repeated phrases; see the module docstring."""
    words = _drop_repeats(_drop_fillers(_split(text)))
    if words:
        first = words[0]
        # A turn that starts mid-sentence keeps its words, but not a leading lower-case comma.
        words[0] = (
            Word(first.text.lstrip(",;: "), first.start, first.end) if first.text.strip(",;: ") else first
        )
    return Cleaned(text, tuple(w for w in words if w.text))
