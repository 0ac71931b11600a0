"""Extraction and per-case scoring over a Ray Data dataset: past one machine on an existing
engine (``pip install "pet2rep-metrics[ray]"``).

Each Ray actor builds its :class:`~pet2rep_metrics.Extractor` or
:class:`~pet2rep_metrics.Scorer` once and then serves batch after batch
(``Dataset.map_batches`` with a callable class), so the pipelines load once per actor, not
once per batch. The output rows are those one process gives; Ray Data keeps the input order
when ``ray.data.DataContext.get_current().execution_options.preserve_order = True``.

    import ray
    from pet2rep_metrics.ray_data import extract_dataset, score_dataset

    ray.init()                                    # or ray.init(address="auto") on a cluster
    reports = ray.data.read_json("reports.jsonl")  # columns id, text (optional language)
    labels = extract_dataset(reports, concurrency=8)
    labels.write_json("labels/")                   # id, language, labels (JSON text)

    pairs = ray.data.read_json("pairs.jsonl")      # columns prediction, reference
    rewards = score_dataset(pairs, metrics=("rouge_l", "ce"), concurrency=8)

On a multi-node cluster the same code runs unchanged after ``ray start --head`` on one node
and ``ray start --address=HEAD:6379`` on the others: ``concurrency`` actors are spread over
the nodes, and every node needs this package installed (or a ``runtime_env`` that installs it).
Per-case scores are what a dataset gives naturally (a reward per generation); corpus scores
pool the case statistics of every case, so compute them with :class:`Scorer` in one process.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .extract import Extractor
from .extract.parallel import tables_of
from .scoring import Scorer


class ExtractBatch:
    """A Ray Data batch function: adds ``language`` and ``labels`` (JSON text: organ id ->
    states) to every row; with ``findings=True`` also ``findings`` (JSON text)."""

    def __init__(
        self, text_column: str = "text", findings: bool = False, **extractor_settings: Any
    ):
        self.extractor = Extractor(**extractor_settings)
        self.text_column = text_column
        self.findings = findings

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch[self.text_column]]
        given = batch.get("language")
        languages = [None] * len(texts) if given is None else [v or None for v in given]
        tables = tables_of(
            self.extractor, texts, [None if v is None else str(v) for v in languages]
        )
        out = dict(batch)
        out["language"] = np.array([t.language for t in tables], dtype=object)
        out["labels"] = np.array(
            [json.dumps(t.labels, ensure_ascii=False) for t in tables], dtype=object
        )
        if self.findings:
            out["findings"] = np.array(
                [json.dumps(t.to_dict()["findings"], ensure_ascii=False) for t in tables],
                dtype=object,
            )
        return out


class ScoreBatch:
    """A Ray Data batch function: adds one column per per-case score (``ce_f1``,
    ``oua_accuracy``, ``rouge_l``, ``bleu_4``, ...) to every row of prediction/reference pairs."""

    def __init__(
        self,
        prediction_column: str = "prediction",
        reference_column: str = "reference",
        **scorer_settings: Any,
    ):
        self.scorer = Scorer(**scorer_settings)
        self.prediction_column = prediction_column
        self.reference_column = reference_column

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        preds = [str(t) for t in batch[self.prediction_column]]
        refs = [str(t) for t in batch[self.reference_column]]
        per_case = self.scorer.score(preds, refs, per_case=True)["per_case"]
        out = dict(batch)
        for name, values in per_case.items():
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        return out


def extract_dataset(dataset, concurrency: int = 2, batch_size: int = 256, **options: Any):
    """``dataset`` with ``language`` and ``labels`` columns (see :class:`ExtractBatch`; its
    keyword arguments and the Extractor's settings go in ``options``)."""
    return dataset.map_batches(
        ExtractBatch,
        fn_constructor_kwargs=options,
        concurrency=concurrency,
        batch_size=batch_size,
        batch_format="numpy",
    )


def score_dataset(dataset, concurrency: int = 2, batch_size: int = 256, **options: Any):
    """``dataset`` with one column per per-case score (see :class:`ScoreBatch`; its keyword
    arguments and the Scorer's settings, e.g. ``metrics``, go in ``options``)."""
    return dataset.map_batches(
        ScoreBatch,
        fn_constructor_kwargs=options,
        concurrency=concurrency,
        batch_size=batch_size,
        batch_format="numpy",
    )
