"""The shipped model's recipe, measured the honest way: whole real interviews held out.

`secondear eval ../shared/data/real-interviews/turns.jsonl --cv 5` reports the figures of the
README's quality table; this test repeats the open/closed part (the question head only, so the
suite stays quick) and fails if it drops more than 0.03 below what the README reports.
"""

from __future__ import annotations

import pytest

from nlp.decide import QUESTION_HEAD
from nlp.evaluation import evaluate, read_jsonl, utterances
from nlp.training import CORPUS, cross_validate, examples

# Grouped 5-fold CV open/closed macro-F1 on the real-interview turns (README, "Detectors").
REAL_TURNS_CV_MACRO_F1 = 0.86
TOLERANCE = 0.03


@pytest.fixture(scope="module")
def real_turns_cv(tagger, shared_data):
    target = shared_data / "real-interviews" / "turns.jsonl"
    extra = []
    for name in CORPUS:
        path = shared_data / name
        if path != target:
            rows = read_jsonl(path)
            extra += examples(rows, tagger.prepare_many(utterances(rows)))
    rows = read_jsonl(target)
    return evaluate(rows, cross_validate(tagger, rows, 5, "file", extra, heads={QUESTION_HEAD}))


def test_model_quality_real_turns_grouped_cv_open_closed(real_turns_cv):
    assert real_turns_cv.macro_f1 >= REAL_TURNS_CV_MACRO_F1 - TOLERANCE, real_turns_cv.as_dict()["question"]
