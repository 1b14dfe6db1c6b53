"""The listening score separates AnnoMI's high- from low-quality interviews (issue 2, section 5)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "annomi-dev.jsonl"

# bench/ is not an installed package: load the benchmark module from its file.
_spec = importlib.util.spec_from_file_location("bench_listening_score", REPO / "bench" / "listening_score.py")
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)
auc, load_transcripts, reports = bench.auc, bench.load_transcripts, bench.reports


def test_listening_auc_mann_whitney():
    assert auc([3, 4], [1, 2]) == 1.0
    assert auc([1, 2], [3, 4]) == 0.0
    assert auc([1, 3], [2, 2]) == 0.5
    assert auc([2], [2]) == 0.5
    with pytest.raises(ValueError):
        auc([], [1])


@pytest.mark.skipif(not DATA.exists(), reason="shared data (../shared) not present")
def test_listening_auc_annomi_dev_at_least_0_83():
    from nlp.pipeline import Tagger

    done = reports(load_transcripts(DATA), Tagger.load())
    high = [r.listening_score.score for q, r in done.values() if q == "high"]
    low = [r.listening_score.score for q, r in done.values() if q == "low"]
    assert len(high) > 10 and len(low) > 5
    # In-sample with the shipped model: 0.851 measured (README); the grouped-CV figure
    # (`python -m bench.listening_score --cv 5`) is 0.827, under the 0.85 target.
    assert auc(high, low) >= 0.83
