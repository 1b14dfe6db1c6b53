"""Coaching lines and open rephrases."""

from __future__ import annotations

import pytest

from nlp.messages import load_messages
from nlp.types import Flag, Utterance


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Do you use Excel for this?", "Walk me through how you use Excel for this."),
        ("Can you export it to PDF?", "Walk me through how you export it to PDF."),
        ("So you run it every week?", "Walk me through how you run it every week."),
        ("Did you try the export button?", "Walk me through what happened with the export button."),
        ("Have you ever missed a deadline?", "Tell me about the last time you missed a deadline."),
        ("Have you ever lost data?", "Tell me about the last time that happened."),
        ("Is that a big problem for you?", "How does that affect you?"),
        ("Was it the sync that failed, or the login?", "Walk me through what happened."),
        ("Would you say the onboarding was confusing?", "What's your experience with the onboarding?"),
        ("Who sets the targets and how often do they change?", "Who sets the targets?"),
    ],
)
def test_suggest_rephrases_from_the_question(tagger, text, suggestion):
    assert tagger.tag(Utterance("interviewer", text)).suggestion == suggestion


def test_suggest_open_question_gets_none(tagger):
    tag = tagger.tag(Utterance("interviewer", "What happened after that?"))
    assert tag.suggestion is None
    assert tag.message is None


def test_suggest_hypothetical_beats_closed(tagger):
    # A prediction question is rephrased toward past behaviour, not merely opened up.
    tag = tagger.tag(Utterance("interviewer", "Would you use a feature that did this?"))
    assert tag.flags == ["closed_question", "hypothetical_question"]
    assert tag.message == load_messages()[Flag.HYPOTHETICAL_QUESTION].message
    assert tag.suggestion == "When did this last come up, and what did you do about it?"


def test_suggest_fixed_probe_for_customer_workaround(tagger):
    tag = tagger.tag(Utterance("customer", "I just paste it into a spreadsheet."))
    messages = load_messages()
    assert tag.message == messages[Flag.WORKAROUND].message
    assert tag.suggestion == messages[Flag.WORKAROUND].suggestion


def test_suggest_message_is_the_most_important_flag(tagger):
    tag = tagger.tag(Utterance("interviewer", "Don't you think it would be easier if it were automatic?"))
    messages = load_messages()
    top = min((Flag(f) for f in tag.flags), key=lambda f: messages[f].rank)
    assert top == Flag.LEADING_QUESTION
    assert tag.message == messages[top].message
    assert all(hit.message == messages[hit.flag].message for hit in tag.hits)
