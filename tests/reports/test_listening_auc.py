"""The listening score separates AnnoMI's high- from low-quality interviews (issue 2, section 5; issue 8).

In-sample (the shipped detector model, trained on AnnoMI dev among others) and under grouped
cross-validation (every transcript tagged by a model trained without it), the honest figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# bench/ is not an installed package: import it from the repository root.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.listening_score import auc, cross_validated_tags, load_transcripts, reports  # noqa: E402

# `python -m bench.listening_score --cv 5` (README, "Detectors"): 0.796 under grouped 5-fold CV,
# 0.837 in-sample (0.827 / 0.851 before issue 8's flags and AnnoMI rounds); the formula is the
# coaching anchors (`--fit`: no fitted formula did better).
CV_AUC = 0.796
IN_SAMPLE_AUC = 0.837
TOLERANCE = 0.03


def test_listening_auc_mann_whitney():
    assert auc([3, 4], [1, 2]) == 1.0
    assert auc([1, 2], [3, 4]) == 0.0
    assert auc([1, 3], [2, 2]) == 0.5
    assert auc([2], [2]) == 0.5
    with pytest.raises(ValueError):
        auc([], [1])


def _auc(done):
    high = [r.listening_score.score for q, r in done.values() if q == "high"]
    low = [r.listening_score.score for q, r in done.values() if q == "low"]
    assert len(high) > 10 and len(low) > 5
    return auc(high, low)


def test_listening_auc_annomi_dev_in_sample(shared_data, shipped_tagger):
    done = reports(load_transcripts(shared_data / "annomi-dev.jsonl"), shipped_tagger)
    assert _auc(done) >= IN_SAMPLE_AUC - TOLERANCE


@pytest.mark.slow
def test_listening_auc_annomi_dev_grouped_cv(shared_data, shipped_tagger):
    """About two minutes on 2 cores: five detector models are trained."""
    path = shared_data / "annomi-dev.jsonl"
    tags = cross_validated_tags(path, shipped_tagger, 5)
    assert _auc(reports(load_transcripts(path), shipped_tagger, tags)) >= CV_AUC - TOLERANCE
