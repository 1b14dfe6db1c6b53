"""Fixing speakers on a report: swap the roles (turns tagged again), rename, recompute."""

from __future__ import annotations

from app.reports import build_report
from app.reports.speakers import SpeakerFix, fix_speakers, fixed_names
from nlp.types import Interval, TaggedUtterance, Utterance


def _tagged(tagger, rows):
    utterances = [Utterance(sp, text, start, end) for sp, text, start, end in rows]
    return [TaggedUtterance(u, t) for u, t in zip(utterances, tagger.tag_many(utterances), strict=True)]


# The tracks were the wrong way round: the "customer" asked the questions.
ROWS = [
    ("customer", "Do you use Excel for this?", 0.0, 2.0),
    (
        "interviewer",
        "Yes, every Friday I export the bank statement and match every invoice by hand.",
        3.0,
        12.0,
    ),
    ("customer", "Is that painful?", 13.0, 14.0),
    ("interviewer", "It takes me the whole afternoon and I hate it.", 15.0, 19.0),
]
SPEECH = {"customer": [Interval(0, 2), Interval(13, 14)], "interviewer": [Interval(3, 12), Interval(15, 19)]}


def test_speakers_swap_recomputes_talk_share_and_questions(tagger):
    tagged = _tagged(tagger, ROWS)
    before = build_report(tagged, speech=SPEECH, duration=20)
    fixed, speech = fix_speakers(tagged, SPEECH, SpeakerFix(swap=True), tagger.tag_many)
    after = build_report(fixed, speech=speech, duration=20)
    assert before.talk.interviewer_share > 0.7
    assert after.talk.interviewer_share < 0.3
    assert before.questions.total == 0  # questions asked by the "customer" are not the interviewer's
    assert after.questions.closed == 2
    assert [t.utterance.speaker for t in fixed] == ["interviewer", "customer", "interviewer", "customer"]


def test_speakers_no_swap_leaves_the_inputs_alone(tagger):
    tagged = _tagged(tagger, ROWS)

    def never(_):
        raise AssertionError("nothing to tag again")

    fixed, speech = fix_speakers(tagged, SPEECH, SpeakerFix(names={"interviewer": "Dana"}), never)
    assert fixed == tagged and speech == SPEECH


def test_speakers_names_follow_the_swap_then_the_renames():
    assert fixed_names("Ann", "Bob", SpeakerFix(swap=True)) == ("Bob", "Ann")
    assert fixed_names("Ann", "Bob", SpeakerFix(swap=True, names={"customer": "Cleo"})) == ("Bob", "Cleo")
    assert fixed_names("Ann", None, SpeakerFix(names={"customer": "Cleo"})) == ("Ann", "Cleo")
