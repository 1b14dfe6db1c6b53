"""Scores, format detection and the report table."""

from __future__ import annotations

import json

import pytest

from nlp.evaluation import (
    DataError,
    Score,
    detect_format,
    evaluate,
    format_table,
    read_jsonl,
    score,
    utterances,
)
from nlp.types import Flag, FlagHit, Tag


def test_evaluation_score_measures():
    s = score("x", [(True, True), (True, True), (True, False), (False, True), (False, False)])
    assert (s.tp, s.fp, s.fn, s.support) == (2, 1, 1, 3)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 / 3)


def test_evaluation_score_without_predictions_is_zero():
    assert Score("x", 0, 0, 3).f1 == 0.0


@pytest.mark.parametrize(
    ("row", "fmt"),
    [
        ({"speaker": "interviewer", "text": "x", "flags": []}, "interview-lines"),
        ({"transcript": "1", "speaker": "interviewer", "text": "x", "input": None}, "annomi"),
    ],
)
def test_evaluation_detects_format(row, fmt):
    assert detect_format([row]) == fmt


def test_evaluation_unknown_format_is_an_error():
    with pytest.raises(DataError, match="unknown format"):
        detect_format([{"speaker": "interviewer", "text": "x"}])


def test_evaluation_bad_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"speaker": "interviewer", "text": "a"}\n{oops\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"^line 2: "):
        read_jsonl(path)


def test_evaluation_bad_speaker_is_named():
    with pytest.raises(DataError, match=r"^utterance 2: 'speaker'"):
        utterances([{"speaker": "interviewer", "text": "a"}, {"speaker": "host", "text": "b"}])


def _tag(question=None, *flags: Flag) -> Tag:
    return Tag(question=question, hits=tuple(FlagHit(f, "r", "e", "m") for f in flags))


def test_evaluation_interview_lines_scores_flags_and_forms():
    rows = [
        {"speaker": "interviewer", "text": "a", "question": "closed", "flags": ["closed_question"]},
        {"speaker": "interviewer", "text": "b", "question": "open", "flags": []},
        {"speaker": "customer", "text": "c", "question": None, "flags": ["pain"]},
    ]
    tags = [_tag("closed", Flag.CLOSED_QUESTION), _tag("closed", Flag.CLOSED_QUESTION), _tag(None)]
    report = evaluate(rows, tags)
    by = {s.label: s for s in report.flag_scores}
    assert (by["closed_question"].tp, by["closed_question"].fp) == (1, 1)
    assert (by["pain"].tp, by["pain"].fn) == (0, 1)
    forms = {s.label: s for s in report.question_scores}
    assert forms["closed"].precision == 0.5 and forms["open"].recall == 0.0
    assert report.macro_f1 == pytest.approx((0.0 + 2 / 3) / 2)


def test_evaluation_annomi_counts_no_prediction_against_gold():
    rows = [
        {
            "transcript": "1",
            "speaker": "interviewer",
            "text": "a",
            "question": "open",
            "input": None,
            "reflection": None,
        },
        {
            "transcript": "1",
            "speaker": "interviewer",
            "text": "b",
            "question": None,
            "input": "advice",
            "reflection": None,
        },
        {
            "transcript": "1",
            "speaker": "customer",
            "text": "c",
            "question": None,
            "input": None,
            "reflection": None,
        },
        {
            "transcript": "1",
            "speaker": "interviewer",
            "text": "d",
            "question": None,
            "input": None,
            "reflection": "simple",
        },
    ]
    tags = [_tag(None), _tag(None, Flag.HOT_TIP), _tag(None, Flag.HOT_TIP), _tag(None)]
    report = evaluate(rows, tags)
    assert report.format == "annomi" and report.question_support == 1
    assert {s.label: s.fn for s in report.question_scores}["open"] == 1
    by = {s.label: s for s in report.flag_scores}
    assert (by["hot_tip"].tp, by["hot_tip"].fp) == (1, 0)  # the customer row is not scored
    assert by["reflection"].fn == 1


def test_evaluation_table_and_json_hold_every_label():
    rows = [{"speaker": "interviewer", "text": "a", "question": "open", "flags": []}]
    report = evaluate(rows, [_tag("open")])
    table = format_table(report)
    assert "question=open" in table and "hot_tip" in table and "macro-F1 0.500" in table
    data = json.loads(json.dumps(report.as_dict()))
    assert data["question"]["classes"]["open"]["f1"] == 1.0
    assert set(data["flags"]) == {f.value for f in Flag}
