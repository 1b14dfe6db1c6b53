"""Interviewer statements: hot tips, pitches, reflections."""

from __future__ import annotations

import pytest

from nlp.decide import _vetoed
from nlp.types import Flag, Utterance


def flags(tagger, text: str) -> list[str]:
    return tagger.tag(Utterance("interviewer", text)).flags


@pytest.mark.parametrize(
    "text",
    [
        "Oh, you can just drag the file onto the page.",
        "You just need to enable the integration first.",
        "That's because we recalculate everything overnight.",
        "If you click the little arrow it shows the history.",
        "There's a setting for that in your profile.",
        "Did you know you can share a link instead?",
        "The reason it does that is the permissions model.",
        "You should try the keyboard shortcut, it's faster.",
        "I'd recommend starting with one team.",
        "What you want to do is pin the filter.",
        "Research shows that short reminders work better.",
        "The way it's built, every change needs an approval.",
        "It's important to back up the file first.",
    ],
)
def test_statements_hot_tip_fires(tagger, text):
    assert "hot_tip" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "What do you think you should do next?",
        "How do you export it today?",
        "So it sounds like you need to get approval first.",
        "Thanks, that's really helpful.",
        "Can you show me where you click?",
        "It's a topic which we can come back to.",
        "I'll be taking notes while we talk.",
        "Our next release will fix that.",
    ],
)
def test_statements_hot_tip_stays_quiet(tagger, text):
    assert "hot_tip" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        # The moderator running the call is not giving a tip (codebook), by the rules or the model.
        "If you click that chat button at the top, the link I sent you will open.",
        "There's a green button in the center of the Zoom window, that's share screen.",
        "You can just turn off the blur on your camera.",
    ],
)
def test_statements_call_logistics_are_not_hot_tips(tagger, shipped_tagger, text):
    assert "hot_tip" not in flags(tagger, text)
    assert "hot_tip" not in flags(shipped_tagger, text)


def test_statements_product_tip_still_reaches_the_model(shipped_tagger):
    assert "hot_tip" in flags(shipped_tagger, "I'd recommend starting with one team.")


@pytest.mark.parametrize(
    "text",
    [
        # Describing what we build, asking nothing, is a pitch, not a restatement (codebook).
        "Our next release will fix that, it has an assistant that drafts the report for you.",
        "We're building a tool that does exactly this, it pulls everything from your bank automatically.",
    ],
)
def test_statements_a_pitch_is_not_a_reflection(tagger, shipped_tagger, text):
    tagged = flags(shipped_tagger, text)
    assert "pitch" in tagged
    assert "reflection" not in tagged
    # The veto itself, whatever the model makes of these (it has seen them in training).
    assert _vetoed(tagger.prepare_many([Utterance("interviewer", text)])[0], Flag.REFLECTION)


def test_statements_a_pitch_in_a_turn_that_asks_leaves_reflection_to_the_model(tagger):
    """A requirements summary that asks can be both (codebook): the veto holds only where nothing is asked."""
    text = "So we could allow the users to filter on what they need. Would that be a good solution for you?"
    prepared = tagger.prepare_many([Utterance("interviewer", text)])[0]
    assert any(f.flag == Flag.PITCH for f in prepared.findings)
    assert not _vetoed(prepared, Flag.REFLECTION)


@pytest.mark.parametrize(
    "text",
    [
        "We're building an assistant that drafts the report.",
        "We're working on a new importer right now.",
        "We'll launch the mobile app next quarter.",
        "Our new version handles that automatically.",
        "What we're thinking about is a single inbox for all of it.",
        "Our idea is a bot that chases the approvals.",
        "So we could allow the users to filter on what they need.",
        "So we'll implement that as well.",
        "We just enable you to change all the information.",
        "Just to summarize the new features that we're going to bring.",
    ],
)
def test_statements_pitch_fires(tagger, text):
    assert "pitch" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "We're going to wrap up in five minutes.",
        "We'll have a look at that later.",
        "We cache the data every hour.",
        "What are you building your reports with?",
        "Well, if you don't have anything else, we can let you go.",
        "We will show you a few pages today.",
        "The features that you use the most, which are they?",
    ],
)
def test_statements_pitch_stays_quiet(tagger, text):
    assert "pitch" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "So it sounds like the approvals slow everything down.",
        "What I'm hearing is that nobody trusts the numbers.",
        "You're worried the month will be off.",
        "So you check every invoice twice.",
        "You feel like the tool works against you.",
        "So for you, the real cost is the time.",
    ],
)
def test_statements_reflection_fires(tagger, text):
    assert "reflection" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "So you check every invoice twice?",
        "You should check the logs.",
        "Do you feel like it works against you?",
        "Thanks for that.",
    ],
)
def test_statements_reflection_stays_quiet(tagger, text):
    assert "reflection" not in flags(tagger, text)
