"""Bootstrap confidence intervals and paired significance tests over cases.

Both resample the per-case sufficient statistics of a metric and pool them again, so corpus
metrics that are not means of cases (BLEU, METEOR, CE) are treated correctly.

Two shortcuts give the numbers of the plain loop (draw, pool, repeat) in a fraction of its time:
a result whose pooling depends on its rows' column totals only (``MetricResult.additive``)
gets every resample's totals from one matrix product of draw counts by case statistics, then
pools each row of totals (the same totals as the loop's when the statistics are counts, as
BLEU's, METEOR's and CE's are; equal to rounding otherwise); a result that is the mean of its
per-case scores (and has no undefined case) takes every resample's mean at once. The random
draws are the loop's, in its order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .base import MetricResult

# resamples handled at once: at most 128, and at most about 2 million (resample, case) cells
# (16 MB an array) however many cases there are
_BLOCK = 128
_BLOCK_CELLS = 2_000_000


def bootstrap_ci(
    result: MetricResult, n_resamples: int = 1000, alpha: float = 0.05, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap (1 - alpha) intervals for every score ``result.pooled`` returns."""
    cases = len(result.per_case)
    if cases == 0 or n_resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    draws = (rng.integers(0, cases, cases) for _ in range(n_resamples))
    if result.additive and result.case_stats is not None:
        return _percentiles(_pooled_totals(result, draws, cases), alpha)
    means = _mean_pooled(result)
    if means is not None:
        return _percentiles(
            (
                {result.name: float(mean)}
                for block in _blocks(draws)
                for mean in means[np.stack(block)].mean(axis=1)
            ),
            alpha,
        )
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
    return _percentiles((figures(rng.integers(0, cases, cases)) for _ in range(n_resamples)), alpha)


def _percentiles(
    samples: Iterable[dict[str, float | None]], alpha: float
) -> dict[str, tuple[float, float]]:
    draws: dict[str, list[float]] = {}
    for sample in samples:
        for key, value in sample.items():
            draws.setdefault(key, [])
            if value is not None:
                draws[key].append(value)
    low, high = 100 * alpha / 2, 100 * (1 - alpha / 2)
    return {
        key: (float(np.percentile(v, low)), float(np.percentile(v, high)))
        for key, v in draws.items()
        if v
    }


def _blocks(rows: Iterable[np.ndarray]) -> Iterator[list[np.ndarray]]:
    block: list[np.ndarray] = []
    for row in rows:
        block.append(row)
        if len(block) >= min(_BLOCK, max(1, _BLOCK_CELLS // len(row))):
            yield block
            block = []
    if block:
        yield block


def _pooled_totals(
    result: MetricResult, draws: Iterable[np.ndarray], cases: int
) -> Iterator[dict[str, float]]:
    """``result.pool`` of each resample (drawn case indices), from its column totals."""
    stats = result.statistics
    for block in _blocks(draws):
        offsets = np.arange(len(block))[:, None] * cases
        counts = np.bincount((np.stack(block) + offsets).ravel(), minlength=len(block) * cases)
        for totals in counts.reshape(len(block), cases).astype(float) @ stats:
            yield result.pool(totals[None, :])


def _mean_pooled(result: MetricResult) -> np.ndarray | None:
    """The per-case scores of a result pooled as their mean, when none is undefined (NaN)."""
    if result.aggregate is not None:
        return None
    values = result.statistics[:, 0]
    return None if np.isnan(values).any() else values


def paired_randomization(
    a: MetricResult, b: MetricResult, n_trials: int = 1000, seed: int = 0
) -> dict[str, float]:
    """Approximate randomisation test of A vs B over the same cases: swap the two systems' case
    statistics at random, re-pool, and count differences at least as large as observed.
    Returns a two-sided p-value per score (with the +1 correction)."""
    if len(a.per_case) != len(b.per_case):
        raise ValueError("paired test needs the same cases for both systems")
    observed_a, observed_b = a.pooled(), b.pooled()
    observed = {k: abs(observed_a[k] - observed_b[k]) for k in observed_a}
    rng = np.random.default_rng(seed)
    swaps = (rng.random(len(a.per_case)) < 0.5 for _ in range(n_trials))
    hits = dict.fromkeys(observed, 0)
    for pooled_a, pooled_b in _swapped_pools(a, b, swaps):
        for key in observed:
            if abs(pooled_a[key] - pooled_b[key]) >= observed[key] - 1e-12:
                hits[key] += 1
    return {key: (hits[key] + 1) / (n_trials + 1) for key in observed}


def _swapped_pools(
    a: MetricResult, b: MetricResult, swaps: Iterable[np.ndarray]
) -> Iterator[tuple[dict[str, float], dict[str, float]]]:
    """(A's pooled scores, B's) after each swap of cases (True: the case's statistics trade
    places)."""
    stats_a, stats_b = a.statistics, b.statistics
    if a.additive and b.additive and a.case_stats is not None and b.case_stats is not None:
        total_a, total_b = stats_a.sum(0), stats_b.sum(0)
        difference = stats_b - stats_a
        for block in _blocks(swaps):
            for moved in np.stack(block).astype(float) @ difference:
                yield a.pool((total_a + moved)[None, :]), b.pool((total_b - moved)[None, :])
        return
    means_a, means_b = _mean_pooled(a), _mean_pooled(b)
    if means_a is not None and means_b is not None:
        for block in _blocks(swaps):
            swapped = np.stack(block)
            perm_a = np.where(swapped, means_b, means_a).mean(axis=1)
            perm_b = np.where(swapped, means_a, means_b).mean(axis=1)
            for value_a, value_b in zip(perm_a, perm_b):
                yield {a.name: float(value_a)}, {b.name: float(value_b)}
        return
    for swap in swaps:
        yield (
            a.pool(np.where(swap[:, None], stats_b, stats_a)),
            b.pool(np.where(swap[:, None], stats_a, stats_b)),
        )
