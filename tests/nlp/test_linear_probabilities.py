"""All heads at once give bit for bit what each head gives alone (decide.py relies on it)."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.types import Utterance

LINES = [
    ("interviewer", "Do you use a spreadsheet for this?"),
    ("interviewer", "How do you do it today, what tools do you use, and is it painful?"),
    ("interviewer", "Oh, you can just click the gear icon and export it."),
    ("interviewer", "So it sounds like the export eats most of your Friday."),
    ("interviewer", "Would you pay for something that did this automatically?"),
    ("interviewer", "Mm-hmm."),
    ("customer", "I just copy everything into a sheet and fix the dates by hand."),
    ("customer", "It drives me crazy every single Monday, honestly it takes forever."),
    ("customer", ""),
]


@pytest.mark.parametrize(("speaker", "text"), LINES)
def test_every_head_at_once_equals_each_head_alone(shipped_tagger, speaker, text):
    model = shipped_tagger.model
    prepared = shipped_tagger.prepare_many([Utterance(speaker, text)])[0]
    indices = model.indices(prepared.features)
    together = model.probabilities(indices)
    assert set(together) == set(model.heads)
    for name, head in model.heads.items():
        alone = head.probabilities(indices)
        assert np.array_equal(together[name], alone), (name, together[name], alone)


def test_no_features_is_each_heads_bias(shipped_tagger):
    model = shipped_tagger.model
    together = model.probabilities([])
    for name, head in model.heads.items():
        assert np.array_equal(together[name], head.probabilities([]))
