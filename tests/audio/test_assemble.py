"""FinalAssembler alone: results back into finals, in piece order, invented words dropped."""

from __future__ import annotations

import numpy as np

from app.audio.asr import DecodeRequest, Guards, RecognizedSegment
from app.audio.assemble import FinalAssembler, TextContext
from app.audio.events import Final, Word
from app.audio.gate import CHUNK_S, BleedMask
from app.audio.jobs import DecodeJob, DecodeLedger

# The planner's ledger, where results are handed back; the assembler only reads it.
LEDGER = DecodeLedger()


def job(piece: int, offset: float, end: float, *, seconds: float = 3.0) -> DecodeJob:
    audio = np.zeros(int(seconds * 16000), dtype=np.float32)
    return LEDGER.plan(
        DecodeJob("final", DecodeRequest("final"), audio, offset, piece, offset, end, 0, ledger=LEDGER)
    )


def said(*words: tuple[str, float, float]) -> tuple[RecognizedSegment, ...]:
    ws = tuple(Word(t, s, e, 0.9) for t, s, e in words)
    return (RecognizedSegment(" ".join(w.text for w in ws), ws[0].start, ws[-1].end, ws),)


def assembler(bleed: BleedMask | None = None) -> tuple[FinalAssembler, TextContext]:
    context = TextContext()
    return FinalAssembler("customer", Guards(), context, bleed or BleedMask(0.0), ledger=LEDGER), context


def test_assemble_releases_finals_in_piece_order() -> None:
    a, context = assembler()
    first, second = job(1, 0.0, 2.0), job(2, 3.0, 5.0)
    a.expect(first)
    a.expect(second)
    LEDGER.answer(second, said(("later", 0.2, 0.6)))
    assert a.release() == []  # the first piece's text is not in yet
    LEDGER.answer(first, said(("first", 0.1, 0.5)))
    finals = a.release()
    assert [f.text for f in finals if isinstance(f, Final)] == ["first", "later"]
    assert context.recent() == "first later"


def test_assemble_drops_words_in_the_silent_tail() -> None:
    # Whisper's "Thank you." on the silence after speech ends at 2.0 s is not the customer's.
    a, _ = assembler()
    j = job(1, 0.0, 2.0)
    a.expect(j)
    LEDGER.answer(j, said(("We", 0.2, 0.4), ("export.", 0.5, 1.2), ("Thanks.", 1.95, 2.4)))
    (final,) = a.release()
    assert isinstance(final, Final) and final.text == "We export."


def test_assemble_drops_words_said_during_mic_bleed() -> None:
    bleed = BleedMask(0.0)
    for i in range(int(1.0 / CHUNK_S), int(2.0 / CHUNK_S)):
        bleed.mark(i, True)
    a, _ = assembler(bleed)
    j = job(1, 0.0, 3.0, seconds=3.5)
    a.expect(j)
    LEDGER.answer(j, said(("mine", 0.2, 0.6), ("leaked", 1.3, 1.6), ("too", 2.2, 2.5)))
    (final,) = a.release()
    assert isinstance(final, Final) and final.text == "mine too"


def test_assemble_a_result_of_nothing_gives_no_final() -> None:
    a, _ = assembler()
    j = job(1, 0.0, 2.0)
    a.expect(j)
    LEDGER.answer(j, ())
    assert a.release() == []
