"""Interviewer question flags: closed, leading, hypothetical, stacked, compliment fishing."""

from __future__ import annotations

import pytest

from nlp.types import Utterance


def flags(tagger, text: str, speaker: str = "interviewer") -> list[str]:
    return tagger.tag(Utterance(speaker, text)).flags  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "Do you track this anywhere?",
        "So you do it by hand?",
        "Is that the slow part, right?",
        "How many invoices a week?",
    ],
)
def test_questions_closed_question_fires(tagger, text):
    assert "closed_question" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "How do you track this today?",
        "Tell me about the last invoice you chased.",
        "I see, that makes sense.",
    ],
)
def test_questions_closed_question_stays_quiet(tagger, text):
    assert "closed_question" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "Don't you think the old tool was too slow?",
        "Isn't the problem really the approvals?",
        "Wouldn't it be easier with one login?",
        "That must be so annoying, right?",
        "You'd agree the import is the worst part?",
        "Surely that takes too long?",
        "That's got to be frustrating, right?",
        "So I suppose you already test it with your users?",
        "So is the issue maybe that the filter is too coarse?",
        "It can be useful, but I guess not the main priority. Or is it?",
    ],
)
def test_questions_leading_fires(tagger, text):
    assert "leading_question" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "Why don't you walk me through it?",
        "What was the hardest part?",
        "Is it fair to say the export is slow?",
        "It must be hard to keep up with all of it.",
        "It's not the approvals, is it? How do they work?",
        "What is the problem that you have without it?",
        "And you don't have to be very neat. Okay?",
        "I suppose that makes sense. What happened next?",
    ],
)
def test_questions_leading_stays_quiet(tagger, text):
    assert "leading_question" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "Would you use a tool that did this for you?",
        "How much would you pay for that?",
        "If we added an API, would your team switch?",
        "Imagine the report wrote itself. What would you do with the time?",
        "What would you change if you could?",
        "Will you buy it when it launches?",
        "How much are you willing to pay for it?",
    ],
)
def test_questions_hypothetical_fires(tagger, text):
    assert "hypothetical_question" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "What did you do the last time it broke?",
        "Would you say it was confusing?",
        "Would it be okay if I took some notes?",
        "Would you like to take a short break?",
        "I can imagine that being stressful. What happened next?",
        "If you could tell me a bit about your role, that would help.",
    ],
)
def test_questions_hypothetical_stays_quiet(tagger, text):
    assert "hypothetical_question" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "Who owns the report and how often does it change?",
        "Do you like it? What would you change?",
        "How do you do it today, what do you use, and does it hurt?",
    ],
)
def test_questions_stacked_fires(tagger, text):
    assert "stacked_questions" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "Was it the sync that failed, or the login?",
        "Is it the price or is it the setup?",
        "If we built it, would you switch?",
        "My manager, who approves it, checks it on Fridays. How does that work?",
        "Do you-- How often do you run it?",
        "What happened next?",
    ],
)
def test_questions_stacked_stays_quiet(tagger, text):
    assert "stacked_questions" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "What do you think of our prototype?",
        "Do you like the new design?",
        "Would this work for your team?",
        "Do you think our tool would help you?",
        "Would you find this useful?",
        "So if you had to give it a one to 5 score, where would you land",
        "And then a one to 5 score would be great.",
        "So this will be really useful for you?",
        "Any suggestions or feedback for making this page better",
        "Any thoughts on ways to improve this",
    ],
)
def test_questions_compliment_fishing_fires(tagger, text):
    assert "compliment_fishing" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "What do you think about that?",
        "Do you like your job?",
        "What do you think of the current process?",
        "Does it work for you today?",
    ],
)
def test_questions_compliment_fishing_stays_quiet(tagger, text):
    assert "compliment_fishing" not in flags(tagger, text)


def test_questions_wording_after_the_last_question_does_not_count(tagger):
    # "must be" after the question is a statement, not part of what is asked.
    assert "leading_question" not in flags(tagger, "How did it go? It must be hard.")


def test_questions_customer_gets_no_interviewer_flags(tagger):
    assert flags(tagger, "Would you use a tool that did this for me?", "customer") == []
