"""Disfluencies are collapsed before parsing."""

from __future__ import annotations

import pytest

from nlp.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Wha-wha-what do you think?", "what do you think?"),
        ("How's-how's that going?", "how's that going?"),
        ("the-the-the mailbox", "the mailbox"),
        ("what what do you want", "what do you want"),
        ("How does all this-- where does it leave you?", "How does all this \u2014 where does it leave you?"),
        ("What it- how does that sound?", "What it \u2014 how does that sound?"),
        ("-and, uh, and-and also", "and, uh, and also"),
        ("A well-known, long-term plan.", "A well-known, long-term plan."),
        ("  spaced   out  ", "spaced out"),
        # ASR glues the next word to a question mark; the question still ends there.
        ("a complicated problem?Uh, challenge.", "a complicated problem? Uh, challenge."),
        ("Is it 2?3?", "Is it 2?3?"),
    ],
)
def test_normalize_collapses_disfluencies(raw, clean):
    assert normalize(raw) == clean
