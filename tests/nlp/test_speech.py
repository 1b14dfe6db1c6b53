"""Speech finals are cleaned for the detectors, and the original words stay quotable."""

from __future__ import annotations

import pytest

from nlp.speech import clean
from nlp.types import Utterance


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("So, uh, did you, did you ever retrain it?", "So, did you ever retrain it?"),
        ("What, what, what are the main issues?", "what are the main issues?"),
        ("Have you ever, have you ever used a benchmark?", "have you ever used a benchmark?"),
        ("Um, how do you evaluate it?", "how do you evaluate it?"),
        ("Anything else, um?", "Anything else?"),
        ("Wha-wha-what do you think?", "what do you think?"),
        ("Mm-hmm. Okay.", "Okay."),
        ("I think that that is fine.", "I think that is fine."),
        ("Do you use Excel for this?", "Do you use Excel for this?"),
        ("Why? Why?", "Why?"),
        ("", ""),
    ],
)
def test_speech_clean_drops_fillers_and_repeats(said, read):
    assert clean(said).text == read


def test_speech_original_span_quotes_the_words_as_said():
    cleaned = clean("So, uh, did you, did you ever retrain it?")
    start = cleaned.text.index("did")
    assert cleaned.original_span(start, len(cleaned.text)) == "did you ever retrain it?"
    # Dropped fillers between kept words are quoted too: evidence is what was said.
    cleaned = clean("Do you, um, use Excel?")
    assert cleaned.text == "Do you, use Excel?"
    assert cleaned.original_span(0, len(cleaned.text)) == "Do you, um, use Excel?"


@pytest.mark.parametrize(
    "said",
    [
        "What, what, what are the main issues you had?",
        "Did you, did you ever retrain the model?",
        "Um, so have you, have you ever, uh, used a benchmark?",
    ],
)
def test_speech_a_repeated_question_is_one_question(tagger, said):
    tag = tagger.tag(Utterance("interviewer", said))
    assert "stacked_questions" not in tag.flags
    assert tag.question is not None


def test_speech_evidence_quotes_the_original_words(tagger):
    tag = tagger.tag(Utterance("interviewer", "So, uh, do you, do you use Excel for this?"))
    hit = next(h for h in tag.hits if h.flag.value == "closed_question")
    assert hit.evidence == "do you use Excel for this?"
