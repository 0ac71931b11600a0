"""The metric interface: every metric says its name, scores a corpus and each case, and prints a
signature of every setting that changes its number (after sacrebleu)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class MetricResult:
    """Corpus-level ``score`` (and named sub-scores in ``extra``), the per-case scores (aligned
    with the input; NaN where a case has none), and the metric's ``signature``."""

    name: str
    score: float
    per_case: np.ndarray
    signature: str
    extra: dict[str, Any] = field(default_factory=dict)
    # per-case sufficient statistics and the function that pools them into the corpus score(s):
    # what bootstrap intervals and paired tests resample
    case_stats: np.ndarray | None = None
    aggregate: Callable[[np.ndarray], dict[str, float]] | None = None
    # True when ``aggregate(rows)`` depends on the rows only through their column totals
    # (rows.sum(0)): intervals and paired tests then pool each resample from its totals, all
    # resamples' totals from one matrix product
    additive: bool = False

    @property
    def statistics(self) -> np.ndarray:
        """One row of sufficient statistics per case (the per-case score where there are none)."""
        return self.case_stats if self.case_stats is not None else self.per_case[:, None]

    def pool(self, stats: np.ndarray) -> dict[str, float]:
        """Corpus score(s) from rows of :attr:`statistics` (resampled or permuted ones too)."""
        if self.aggregate is not None:
            return self.aggregate(stats)
        values = stats[:, 0]
        values = values[~np.isnan(values)]
        return {self.name: float(values.mean()) if len(values) else 0.0}

    def pooled(self, rows: np.ndarray | None = None) -> dict[str, float]:
        """Corpus score(s) recomputed from the case statistics of ``rows`` (all by default; a
        metric without case statistics, such as sacrebleu's chrF, gives its own corpus score
        for all rows and the mean of the resampled cases otherwise)."""
        if rows is None and self.aggregate is None and self.case_stats is None:
            return {self.name: float(self.score)}
        return self.pool(self.statistics if rows is None else self.statistics[rows])

    @classmethod
    def concat(cls, parts: list[MetricResult]) -> MetricResult:
        """One result for consecutive chunks of cases scored with the same metric: per-case
        arrays joined, corpus scores pooled again from all the case statistics (the same
        numbers as one call over all cases)."""
        first = parts[0]
        sizes = [len(p.per_case) for p in parts]
        per_case = np.concatenate([p.per_case for p in parts])
        case_stats = (
            np.concatenate([p.case_stats for p in parts]) if first.case_stats is not None else None
        )
        extra = {
            key: np.concatenate([p.extra[key] for p in parts])
            for key, value in first.extra.items()
            if isinstance(value, np.ndarray) and len(value) == sizes[0]
        }
        joined = cls(
            first.name,
            0.0,
            per_case,
            first.signature,
            extra,
            case_stats,
            first.aggregate,
            first.additive,
        )
        # a metric without case statistics pools to the mean of its per-case scores
        pooled = joined.pool(joined.statistics)
        joined.extra.update(pooled if first.aggregate is not None else {})
        joined.score = float(pooled.get(first.name, next(iter(pooled.values()))))
        return joined


class Metric:
    """The one metric interface (see metrics/registry.py to add one). Subclasses set:

    - ``name``: what ``--metrics`` and ``Scorer(metrics=...)`` take;
    - ``keys``: the corpus scores its result pools to, in table order;
    - ``input``: what :meth:`compute` takes: ``"tokens"`` (``hyps``: one token list per case,
      ``refs``: one list of reference token lists per case), ``"text"`` (``hyps``, ``refs`` as
      texts, and ``language``) or ``"labels"`` (predicted and reference label tables);
    - ``help``: one line for ``--help``;

    and implement :meth:`compute`. :meth:`signature` prints every setting that changes the
    number (after sacrebleu); the scorer adds the tokenisation, language or extractor."""

    name = "metric"
    keys: tuple[str, ...] = ()
    input = "tokens"
    help = ""

    def settings(self) -> dict[str, Any]:
        return {}

    def signature(self) -> str:
        parts = [f"{key}:{value}" for key, value in self.settings().items()]
        from .. import __version__

        return "|".join([self.name, *parts, f"version:{__version__}"])

    def compute(self, hyps, refs, *args, **kwargs) -> MetricResult:
        raise NotImplementedError

    def per_case(self, result: MetricResult) -> dict[str, np.ndarray]:
        """Per-case scores by key (for rewards and the per-case table)."""
        return {self.keys[0] if self.keys else self.name: result.per_case}

    def details(self, result: MetricResult) -> dict[str, Any]:
        """Further figures of the report besides the corpus scores (per state, per organ)."""
        return {}
