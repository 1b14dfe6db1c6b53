"""Customer utterances: workarounds and pains."""

from __future__ import annotations

import pytest

from nlp.types import Utterance


def flags(tagger, text: str, speaker: str = "customer") -> list[str]:
    return tagger.tag(Utterance(speaker, text)).flags  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "I just copy the totals into a spreadsheet every Friday.",
        "We keep a checklist on the wiki for the steps.",
        "Honestly we do it all manually.",
        "I built a little macro that cleans up the dates.",
        "Usually I just ask Priya and she exports it for me.",
        "There's a sticky note on my screen with the codes.",
        "The monitoring is pretty manual.",
        "So manual gathering of data is okay for now.",
    ],
)
def test_customer_workaround_fires(tagger, text):
    assert "workaround" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "We use it every day.",
        "It works fine for us.",
        "I'm the finance lead.",
        "I just started last month.",
        "I read the manual first.",
    ],
)
def test_customer_workaround_stays_quiet(tagger, text):
    assert "workaround" not in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "It's so frustrating when the numbers don't match.",
        "It takes ages to get anything approved.",
        "The worst part is chasing people for receipts.",
        "I'm always worried I'll miss something.",
        "Half the time the sync just breaks.",
        "I can never find the latest version.",
        "We just can't trust the numbers it gives us.",
    ],
)
def test_customer_pain_fires(tagger, text):
    assert "pain" in flags(tagger, text)


@pytest.mark.parametrize(
    "text",
    [
        "It's fine, it mostly works.",
        "We mostly use it on Tuesdays.",
        "Yeah, that part is easy.",
        "I like the new layout.",
        "You can see it in the chart and then you can get the totals.",
        "I can't remember just right now.",
    ],
)
def test_customer_pain_stays_quiet(tagger, text):
    assert "pain" not in flags(tagger, text)


def test_customer_flags_are_not_given_to_the_interviewer(tagger):
    assert flags(tagger, "I just copy it by hand, it's so frustrating.", "interviewer") == []
