"""Extraction and per-case scoring on a local Ray cluster give what one process gives."""

from __future__ import annotations

import json

import pytest

from pet2rep_metrics import Extractor, Scorer
from pet2rep_metrics._synthetic import zh_report

try:
    import ray

    from pet2rep_metrics.ray_data import extract_dataset, score_dataset
except ImportError:
    ray = None

# a skip (not a collection error), so that CI can require it (PET2REP_REQUIRE=ray)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.ray,
    pytest.mark.skipif(ray is None, reason="the ray extra is not installed"),
]


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    yield
    ray.shutdown()


def test_extract_and_score_on_a_local_cluster(cluster):
    texts = [zh_report(i)[0] for i in range(24)] + ["Intense FDG uptake in the spleen."]
    rows = [{"id": str(i), "text": t} for i, t in enumerate(texts)]
    extracted = extract_dataset(ray.data.from_items(rows), concurrency=2, batch_size=5).take_all()
    assert [r["id"] for r in extracted] == [r["id"] for r in rows]
    alone = Extractor()
    assert [json.loads(r["labels"]) for r in extracted] == [alone(t).labels for t in texts]

    pairs = [{"prediction": texts[i], "reference": texts[-2 - i]} for i in range(12)]
    scored = score_dataset(
        ray.data.from_items(pairs), concurrency=2, batch_size=4, metrics=("rouge_l", "ce")
    ).take_all()
    expected = Scorer(metrics=("rouge_l", "ce")).score(
        [p["prediction"] for p in pairs], [p["reference"] for p in pairs], per_case=True
    )["per_case"]
    assert [r["rouge_l"] for r in scored] == pytest.approx(expected["rouge_l"])
    assert [r["ce_f1"] for r in scored] == pytest.approx(expected["ce_f1"])
