"""build_report on a hand-tagged interview: every number of the report, with and without times."""

from __future__ import annotations

import pytest
from report_samples import SPEECH, TAGGED, untimed

from app.reports import Moment, build_report
from nlp.types import Tag, TaggedUtterance, Utterance


def test_build_audio_talk_metrics_come_from_the_speech_intervals():
    r = build_report(TAGGED, speech=SPEECH)
    t = r.talk
    assert (t.basis, t.timing) == ("time", "audio")
    assert t.interviewer_seconds == pytest.approx(3 + 3.9 + 3.9 + 4 + 29.5 + 27.2 + 5.9 + 4)
    assert t.customer_seconds == pytest.approx(9.6 + 10 + 2.4 + 24.8 + 3.4 + 11.5 + 43)
    assert t.interviewer_share == pytest.approx(
        t.interviewer_seconds / (t.interviewer_seconds + t.customer_seconds)
    )
    assert t.interruptions == 2  # 31.1 (0.1 s after the customer) and 131.1
    assert t.overlap_seconds == pytest.approx(0.4)
    assert r.duration == 200.0


def test_build_counts_questions_flags_and_behaviours():
    r = build_report(TAGGED)
    q, b = r.questions, r.behaviours
    assert (q.total, q.open, q.closed) == (4, 2, 2)
    assert q.by_flag == {
        "closed_question": 1,
        "leading_question": 1,
        "hypothetical_question": 1,
        "stacked_questions": 1,
        "compliment_fishing": 0,
    }
    assert (b.hot_tips, b.pitches, b.reflections, b.interviewer_turns) == (1, 1, 1, 6)
    assert b.reflection_to_question == pytest.approx(0.25)


def test_build_longest_monologue_and_story_with_their_words():
    r = build_report(TAGGED, speech=SPEECH)
    assert r.longest_monologue is not None and r.longest_story is not None
    assert (r.longest_monologue.start, r.longest_monologue.end) == (70.5, 128.0)
    assert r.longest_monologue.text.startswith("Right, so actually our tool")
    assert (r.longest_story.start, r.longest_story.end) == (157.0, 200.0)
    assert r.longest_story.text.startswith("We tried two apps")


def test_build_pains_and_workarounds_are_customer_quotes_with_times():
    r = build_report(TAGGED)
    assert [q.time for q in r.pains] == [10.4, 138.5]
    assert [q.time for q in r.workarounds] == [10.4, 45.2]
    assert r.workarounds[1].evidence == "keep a sticky note"


def test_build_flagged_moments_carry_message_suggestion_and_context():
    r = build_report(TAGGED, speech=SPEECH)
    kinds = [(m.time, m.kind) for m in r.moments]
    assert kinds == [(31.1, "closed_question"), (70.5, "pitch"), (131.1, "leading_question")]
    closed = r.moments[0]
    assert closed.suggestion == "How do you handle this today?"
    assert closed.message is not None and "yes or a no" in closed.message
    assert closed.before is not None and closed.before.speaker == "customer"
    assert closed.after is not None and closed.after.text == "Yes, Excel."
    # the interruption at 31.1 and the monologue at 70.5 are folded into the flagged utterance
    assert "interruption" in closed.flags
    assert "monologue" in r.moments[1].flags and "hot_tip" in r.moments[1].flags


def test_build_extra_moments_get_context_and_sort_by_time():
    buddy = Moment(time=60.0, speaker=None, text="", kind="buddy_flag", note="ask about it", source="buddy")
    r = build_report(TAGGED, extra_moments=[buddy])
    m = next(m for m in r.moments if m.source == "buddy")
    assert m.text.startswith("Exactly. The bank descriptions")
    assert m.speaker == "customer"
    assert m.before is not None and m.before.text == "So the matching is the slow part."
    assert [x.time for x in r.moments] == sorted(x.time for x in r.moments if x.time is not None)


def test_build_without_times_falls_back_to_words():
    r = build_report(untimed())
    t = r.talk
    assert (t.basis, t.timing) == ("words", "none")
    assert t.interviewer_share == pytest.approx(
        t.interviewer_words / (t.interviewer_words + t.customer_words)
    )
    assert t.interruptions is None and t.median_patience_seconds is None and t.interviewer_seconds is None
    assert r.longest_monologue is not None and r.longest_monologue.seconds is None
    assert r.longest_monologue.text.startswith("Right, so actually")
    assert r.timeline == {"interviewer": (), "customer": ()}
    assert all(m.kind not in ("monologue", "interruption") for m in r.moments)
    patience = next(c for c in r.listening_score.components if c.key == "patience")
    assert patience.points is None


def test_build_turn_starts_only_leave_out_gap_metrics():
    r = build_report(TAGGED, timing_source="starts")
    assert r.talk.basis == "time"
    assert r.talk.interruptions is None and r.talk.median_patience_seconds is None
    assert r.talk.overlap_seconds is None
    assert not any(m.kind == "interruption" or "interruption" in m.flags for m in r.moments)


def test_build_empty_call():
    r = build_report([])
    assert r.talk.interviewer_share is None
    assert r.moments == () and r.longest_monologue is None
    assert r.listening_score.score is None


def test_build_names_default_to_roles():
    r = build_report([TaggedUtterance(Utterance("interviewer", "hi"), Tag())])
    assert r.names == {"interviewer": "Interviewer", "customer": "Customer"}


def test_build_a_timing_nudge_shows_its_speakers_words():
    nudge = Moment(time=150.0, end=156.0, speaker="interviewer", text="", kind="no_patience", source="nudge")
    r = build_report(TAGGED, extra_moments=[nudge])
    m = next(m for m in r.moments if m.kind == "no_patience")
    assert (m.speaker, m.text) == ("interviewer", "Tell me more about the tools you tried.")
    assert m.before is not None and m.before.speaker == "customer"


def test_build_borrowed_text_brings_its_speaker():
    # nothing of the interviewer's within 5 s of 190: the customer's story is shown, as theirs
    nudge = Moment(time=190.0, speaker="interviewer", text="", kind="talk_share", source="nudge")
    m = next(m for m in build_report(TAGGED, extra_moments=[nudge]).moments if m.kind == "talk_share")
    assert (m.speaker, m.text[:9]) == ("customer", "We tried ")


@pytest.mark.parametrize(
    ("who", "scored"),
    [
        # Only the interviewer heard: the questions still say something, the talk share does not.
        ("interviewer", True),
        # Only the customer heard: no part of the score has evidence, so there is no score.
        ("customer", False),
    ],
)
def test_build_one_voice_leaves_talk_share_out_of_the_score(who, scored):
    one = [t for t in TAGGED if t.utterance.speaker == who]
    r = build_report(one, speech={who: SPEECH[who]})
    part = next(c for c in r.listening_score.components if c.key == "talk_share")
    assert r.talk.interviewer_share in (0.0, 1.0)
    assert part.points is None
    assert (r.listening_score.score is not None) == scored
