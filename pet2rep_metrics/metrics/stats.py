"""Bootstrap confidence intervals and paired significance tests over cases.

Both resample the per-case sufficient statistics of a metric and pool them again, so corpus
metrics that are not means of cases (BLEU, METEOR, CE) are treated correctly."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .base import MetricResult


def bootstrap_ci(
    result: MetricResult, n_resamples: int = 1000, alpha: float = 0.05, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap (1 - alpha) intervals for every score ``result.pooled`` returns."""
    cases = len(result.per_case)
    if cases == 0 or n_resamples <= 0:
        return {}
    return percentile_bootstrap(cases, result.pooled, n_resamples, alpha, seed)


def percentile_bootstrap(
    cases: int,
    figures: Callable[[np.ndarray], dict[str, float | None]],
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap (1 - alpha) intervals of every figure ``figures(rows)`` computes
    from ``cases`` cases resampled with replacement (rows: the drawn case indices). A figure
    that is None on a resample (undefined there) is left out of that figure's draws."""
    if cases == 0 or n_resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(n_resamples):
        for key, value in figures(rng.integers(0, cases, cases)).items():
            draws.setdefault(key, [])
            if value is not None:
                draws[key].append(value)
    low, high = 100 * alpha / 2, 100 * (1 - alpha / 2)
    return {
        key: (float(np.percentile(v, low)), float(np.percentile(v, high)))
        for key, v in draws.items()
        if v
    }


def paired_randomization(
    a: MetricResult, b: MetricResult, n_trials: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Approximate randomisation test of A vs B over the same cases: swap the two systems' case
    statistics at random, re-pool, and count differences at least as large as observed.
    Returns a two-sided p-value per score (with the +1 correction)."""
    if len(a.per_case) != len(b.per_case):
        raise ValueError("paired test needs the same cases for both systems")
    stats_a, stats_b = a.statistics, b.statistics
    observed_a, observed_b = a.pooled(), b.pooled()
    observed = {k: abs(observed_a[k] - observed_b[k]) for k in observed_a}
    rng = np.random.default_rng(seed)
    hits = dict.fromkeys(observed, 0)
    for _ in range(n_trials):
        swap = rng.random(len(stats_a)) < 0.5
        perm_a = np.where(swap[:, None], stats_b, stats_a)
        perm_b = np.where(swap[:, None], stats_a, stats_b)
        pooled_a = a.pool(perm_a)
        pooled_b = b.pool(perm_b)
        for key in observed:
            if abs(pooled_a[key] - pooled_b[key]) >= observed[key] - 1e-12:
                hits[key] += 1
    return {key: (hits[key] + 1) / (n_trials + 1) for key in observed}
