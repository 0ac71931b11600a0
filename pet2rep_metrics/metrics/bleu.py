"""BLEU-1..4 as pycocoevalcap computes it (option 'closest'), written from the definition:
clipped n-gram matches (max count over references), reference length closest to the hypothesis
(ties to the shorter), geometric mean of (matches + 1e-15) / (guesses + 1e-9) and the brevity
penalty with ratio (hyp + 1e-15) / (ref + 1e-9). The corpus score pools counts; it is not the
mean of the per-case scores."""

from __future__ import annotations

import math

import numpy as np

from ._ngrams import NgramCounts, count_ngrams, lookup
from .base import Metric, MetricResult

_TINY, _SMALL = 1e-15, 1e-9


class Bleu(Metric):
    name = "bleu"
    keys = ("bleu_1", "bleu_2", "bleu_3", "bleu_4")
    input = "tokens"
    help = "BLEU-1..4 as pycocoevalcap (closest reference length, its smoothing)"

    def __init__(self, max_n: int = 4):
        self.max_n = max_n

    def settings(self) -> dict:
        return {"n": self.max_n, "reflen": "closest", "smooth": "1e-15/1e-9"}

    def per_case(self, result: MetricResult) -> dict[str, np.ndarray]:
        return {f"bleu_{n}": result.extra[f"per_case_bleu_{n}"] for n in range(1, self.max_n + 1)}

    def compute(self, hyps, refs, ngrams: NgramCounts | None = None) -> MetricResult:
        """``ngrams``: counts already made for these inputs (shared with CIDEr)."""
        n_max = self.max_n
        if ngrams is None or ngrams.max_n < n_max or not ngrams.for_call(hyps, refs):
            ngrams = count_ngrams(hyps, refs, n_max)
        cases = len(hyps)
        correct = np.zeros((cases, n_max))
        guess = np.zeros((cases, n_max))
        test_len = ngrams.lengths[:cases].astype(float)
        ref_len = np.zeros(cases)
        ref_lengths = ngrams.lengths[cases:].tolist()
        k = 0
        for c, ref_list in enumerate(refs):
            lengths = ref_lengths[k : k + len(ref_list)]
            k += len(ref_list)
            hyp_length = len(hyps[c])
            ref_len[c] = min((abs(length - hyp_length), length) for length in lengths)[1]
        for n in range(1, n_max + 1):
            hyp, ref = ngrams.split(n)
            ref_keys = ngrams.case_of(ref) * ref.space + ref.code
            ref_counts = ref.count
            if len(ref_keys) > 1 and not np.all(ref_keys[1:] > ref_keys[:-1]):
                # several references: clip to the largest count of any of them
                order = np.argsort(ref_keys, kind="stable")
                ref_keys, ref_counts = ref_keys[order], ref_counts[order]
                starts = np.flatnonzero(np.r_[True, ref_keys[1:] != ref_keys[:-1]])
                ref_keys, ref_counts = ref_keys[starts], np.maximum.reduceat(ref_counts, starts)
            best = lookup(hyp.segment * hyp.space + hyp.code, ref_keys, ref_counts)
            correct[:, n - 1] = np.bincount(
                hyp.segment, weights=np.minimum(hyp.count, best), minlength=cases
            )
            guess[:, n - 1] = np.maximum(0.0, test_len - n + 1)

        per_case = np.zeros((cases, n_max))
        for c in range(cases):
            per_case[c] = _bleu(correct[c], guess[c], test_len[c], ref_len[c])

        def aggregate(stats: np.ndarray) -> dict[str, float]:
            k = n_max
            if not len(stats):
                return {f"bleu_{n}": 0.0 for n in range(1, k + 1)}
            values = _bleu(
                stats[:, :k].sum(0),
                stats[:, k : 2 * k].sum(0),
                stats[:, 2 * k].sum(),
                stats[:, 2 * k + 1].sum(),
            )
            return {f"bleu_{n}": float(values[n - 1]) for n in range(1, k + 1)}

        case_stats = np.column_stack([correct, guess, test_len, ref_len])
        corpus = aggregate(case_stats)
        return MetricResult(
            case_stats=case_stats,
            aggregate=aggregate,
            additive=True,
            name=f"bleu_{n_max}",
            score=corpus[f"bleu_{n_max}"],
            per_case=per_case[:, -1],
            signature=self.signature(),
            extra=corpus | {f"per_case_bleu_{n}": per_case[:, n - 1] for n in range(1, n_max + 1)},
        )


def _bleu(correct, guess, test_len: float, ref_len: float) -> np.ndarray:
    scores = np.zeros(len(correct))
    product = 1.0
    for k in range(len(correct)):
        product *= (float(correct[k]) + _TINY) / (float(guess[k]) + _SMALL)
        scores[k] = product ** (1.0 / (k + 1))
    ratio = (test_len + _TINY) / (ref_len + _SMALL)
    if ratio < 1:
        scores *= math.exp(1 - 1 / ratio)
    return scores
