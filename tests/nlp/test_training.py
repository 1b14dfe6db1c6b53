"""The learned model: deterministic training, grouped folds, the saved file, live vs report-only."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.linear import Head, LinearModel
from nlp.training import Example, folds, row_labels, train
from nlp.types import Utterance


def _examples() -> list[Example]:
    data = []
    for i in range(12):
        closed = i % 2 == 0
        feats = ("i:q1=do", "i:w=you") if closed else ("i:q1=how", "i:w=you")
        labels = {"question": "closed" if closed else "open", "pitch": "yes" if i % 3 == 0 else "no"}
        extra = ("i:w=our_tool",) if i % 3 == 0 else ()
        data.append(Example(feats + extra, f"call-{i % 4}", "real", labels))
    return data


def test_training_is_deterministic_and_learns():
    first, second = train(_examples()), train(_examples())
    assert first.to_json() == second.to_json()
    head = first.heads["question"]
    assert head.classes[int(head.probabilities(first.indices(["i:q1=do", "i:w=you"])).argmax())] == "closed"
    assert head.classes[int(head.probabilities(first.indices(["i:q1=how", "i:w=you"])).argmax())] == "open"
    pitch = first.heads["pitch"]
    assert pitch.probabilities(first.indices(["i:w=our_tool", "i:q1=do"]))[1] > 0.5
    # A head whose rows hold one class only is not trained (nothing to learn).
    assert "hot_tip" not in first.heads


def test_training_model_file_round_trips():
    model = train(_examples())
    again = LinearModel.from_json(model.to_json())
    names = ["i:q1=do", "i:w=you"]
    assert np.allclose(
        again.heads["question"].probabilities(again.indices(names)),
        model.heads["question"].probabilities(model.indices(names)),
        atol=1e-3,
    )


def test_training_folds_hold_out_whole_groups():
    groups = ["b", "a", "c", "a", "d", "b"]
    assigned = folds(groups, 2)
    for g in set(groups):
        assert len({f for f, name in zip(assigned, groups, strict=True) if name == g}) == 1
    assert set(assigned) == {0, 1}
    with pytest.raises(ValueError, match="groups cannot fill"):
        folds(["a", "a"], 2)
    with pytest.raises(ValueError, match="at least 2"):
        folds(groups, 1)


@pytest.mark.parametrize(
    ("row", "fmt", "labels"),
    [
        (
            {"speaker": "interviewer", "question": "closed", "flags": ["closed_question", "pitch"]},
            "interview-lines",
            {"question": "closed", "pitch": "yes", "hot_tip": "no", "reflection": "no"},
        ),
        ({"speaker": "customer", "question": None, "flags": ["pain"]}, "interview-lines", {"pain": "yes"}),
        (
            {"speaker": "interviewer", "question": None, "input": "advice", "reflection": None},
            "annomi",
            {"question": "none", "hot_tip": "yes", "reflection": "no"},
        ),
        ({"speaker": "customer", "question": None, "input": None, "reflection": None}, "annomi", {}),
    ],
)
def test_training_row_labels(row, fmt, labels):
    found = row_labels(row, fmt)
    assert {k: found[k] for k in labels} == labels
    if fmt == "annomi":
        assert set(found) == set(labels)


def _model(p_pitch: float) -> LinearModel:
    """A one-feature model whose pitch head gives p_pitch to a turn with that feature."""
    logit = float(np.log(p_pitch / (1 - p_pitch)))
    heads = {
        "pitch": Head(("no", "yes"), np.array([0.0, -10.0]), np.array([[0.0, 10.0 + logit]])),
    }
    return LinearModel(["i:w=platform"], heads, {"thresholds": {"default": {"report": 0.5, "live": 0.8}}})


@pytest.mark.parametrize(
    ("p", "flags", "live"), [(0.9, ["pitch"], ["pitch"]), (0.6, ["pitch"], []), (0.3, [], [])]
)
def test_training_confident_flags_go_live_the_rest_to_the_report(tagger, p, flags, live):
    text = "We are building a platform that will do it."
    prepared = tagger.prepare_many([Utterance("interviewer", text)])[0]
    assert "i:w=platform" in prepared.features
    tag = tagger.tag_prepared(prepared, _model(p))
    assert tag.flags == flags and tag.live_flags == live
    for hit in tag.hits:
        assert hit.evidence and hit.evidence in text
        assert hit.confidence == pytest.approx(p, abs=1e-3)


def test_training_missing_or_broken_model_is_one_clear_error(tmp_path):
    from models.errors import ModelError
    from nlp.pipeline import load_model

    with pytest.raises(ModelError, match=r"cannot be read.*make train"):
        load_model(tmp_path / "none.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"features": []}', encoding="utf-8")
    with pytest.raises(ModelError, match="not a model file"):
        load_model(broken)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("You could just export it to a sheet.", {"i:mod=you_could"}, set()),
        ("Try the weekly view first.", {"i:imp=1", "i:imp=try"}, set()),
        ("It will lower the risk by 20 percent.", {"i:mod=it_will", "i:num=1"}, set()),
        # What is asked is not told: a question's modal is no advice.
        ("Could you export it to a sheet?", set(), {"i:mod=you_could", "i:imp=1"}),
    ],
)
def test_training_telling_features_read_statements_only(tagger, text, present, absent):
    names = set(tagger.features_many([Utterance("interviewer", text)])[0])
    assert present <= names, sorted(n for n in names if n.split("=")[0][2:] in ("mod", "imp", "num"))
    assert not absent & names


def test_training_telling_features_are_the_interviewers_only(tagger):
    names = tagger.features_many([Utterance("customer", "You could just export it to a sheet.")])[0]
    assert not [n for n in names if n.startswith("c:mod=")]


@pytest.mark.parametrize(
    ("text", "full"),
    [
        ("How do you test it? What tools do you use for that?", "i:nfq=2"),
        # A short clarifying fragment is not a second question (codebook: not a stack).
        ("How do you test the model? Like tools?", "i:nfq=1"),
        ("How do you ensure the model stays good? Once deployed?", "i:nfq=1"),
    ],
)
def test_training_full_questions_leave_out_fragments(tagger, text, full):
    names = set(tagger.features_many([Utterance("interviewer", text)])[0])
    assert full in names, sorted(n for n in names if n.startswith("i:n"))


def test_training_only_the_stacked_head_reads_the_full_question_count(shipped_tagger):
    """`nfq` is for the stack (READ_ONLY_BY): every other head's weights on it are zero."""
    model = shipped_tagger.model
    nfq = [i for name, i in model.index.items() if name.startswith("i:nfq=")]
    assert nfq
    assert model.heads["stacked_questions"].weights[nfq].any()
    others = [name for name in model.heads if name != "stacked_questions"]
    assert others
    assert not any(model.heads[name].weights[nfq].any() for name in others)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # The judged question's cue, crossed with whether the turn holds a "?".
        ("Tell me why you're here.", {"i:qcue?=request_open_False"}, {"i:qcue?=request_open_True"}),
        ("Can you tell me why you're here?", {"i:qcue?=request_open_True"}, set()),
        ("So you run it weekly?", {"i:qcue?=mark_True"}, set()),
        # A fact question matches the wh-word-and-verb cue too: that cue is overruled, named apart.
        (
            "How many drinks would you have in a week?",
            {"i:r=form.wh.fact.count", "i:r~=form.wh.open.verb", "i:l~=wh_open"},
            {"i:r=form.wh.open.verb", "i:l=wh_open"},
        ),
        ("What kind of drinks would you have?", {"i:r=form.wh.open.verb", "i:l=wh_open"}, {"i:l~=wh_open"}),
    ],
)
def test_training_question_cue_features(tagger, text, present, absent):
    names = set(tagger.features_many([Utterance("interviewer", text)])[0])
    assert present <= names, sorted(n for n in names if n[2:].startswith(("qcue", "r", "l")))
    assert not absent & names
