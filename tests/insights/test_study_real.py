"""`secondear study` on the shared real interviews: every quote is verbatim in its source, every
cluster cites at least two interviews, and the output is the same on a second run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture(scope="module")
def real_study(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    folder = shared_data / "real-interviews" / "transcripts"
    out = tmp_path_factory.mktemp("study") / "study.json"
    assert main(["study", str(folder), "--format", "json", "-o", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8")), folder


def _customer_text(path: Path) -> str:
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return "\n".join(str(x["text"]) for x in lines if x.get("speaker") == "customer")


def test_study_real_quotes_are_verbatim_and_clusters_span_two_interviews(
    real_study: tuple[dict, Path],
) -> None:
    study, folder = real_study
    assert len(study["interviews"]) == 25
    assert study["clusters"], "no cluster found in 25 real interviews"
    said = {p.stem: _customer_text(p) for p in folder.glob("*.jsonl")}
    for cluster in study["clusters"]:
        assert cluster["kind"] in ("pain", "workaround")
        assert len(cluster["interviews"]) >= 2, cluster["label"]
        assert {q["interview"] for q in cluster["quotes"]} == set(cluster["interviews"])
    quotes = [q for c in study["clusters"] for q in c["quotes"]]
    quotes += study["problem_statement"]["quotes"]
    quotes += study["behaviour"]["past"] + study["behaviour"]["stated"]
    for q in quotes:
        assert q["text"].strip()
        assert q["text"] in said[q["interview"]], (q["interview"], q["text"])
    assert study["problem_statement"]["text"] in {q["text"] for q in study["problem_statement"]["quotes"]}
    for phrase in study["phrases"]:
        assert len(phrase["interviews"]) >= 2
