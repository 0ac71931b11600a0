"""BLEU-1..4 as pycocoevalcap computes it (option 'closest'), written from the definition:
clipped n-gram matches (max count over references), reference length closest to the hypothesis
(ties to the shorter), geometric mean of (matches + 1e-15) / (guesses + 1e-9) and the brevity
penalty with ratio (hyp + 1e-15) / (ref + 1e-9). The corpus score pools counts; it is not the
mean of the per-case scores."""

from __future__ import annotations

import math

import numpy as np

from ._ngrams import Vocabulary, ngram_counts
from .base import Metric, MetricResult

_TINY, _SMALL = 1e-15, 1e-9


class Bleu(Metric):
    name = "bleu"

    def __init__(self, max_n: int = 4):
        self.max_n = max_n

    def settings(self) -> dict:
        return {"n": self.max_n, "reflen": "closest", "smooth": "1e-15/1e-9"}

    def compute(self, hyps, refs) -> MetricResult:
        n_max = self.max_n
        vocab = Vocabulary()
        cases = len(hyps)
        correct = np.zeros((cases, n_max))
        guess = np.zeros((cases, n_max))
        test_len = np.zeros(cases)
        ref_len = np.zeros(cases)
        for c, (hyp, ref_list) in enumerate(zip(hyps, refs)):
            hyp_ids = vocab.encode(hyp)
            ref_ids = [vocab.encode(r) for r in ref_list]
            test_len[c] = len(hyp)
            lengths = [len(r) for r in ref_list]
            ref_len[c] = min((abs(length - len(hyp)), length) for length in lengths)[1]
            for n in range(1, n_max + 1):
                codes, counts = ngram_counts(hyp_ids, n, vocab)
                guess[c, n - 1] = max(0, len(hyp) - n + 1)
                if len(codes) == 0:
                    continue
                best = np.zeros(len(codes), dtype=np.int64)
                for ids in ref_ids:
                    r_codes, r_counts = ngram_counts(ids, n, vocab)
                    pos = np.searchsorted(r_codes, codes)
                    pos_clipped = np.minimum(pos, max(len(r_codes) - 1, 0))
                    present = (
                        (pos < len(r_codes)) & (r_codes[pos_clipped] == codes)
                        if len(r_codes)
                        else np.zeros(len(codes), bool)
                    )
                    best = np.maximum(
                        best, np.where(present, r_counts[pos_clipped] if len(r_codes) else 0, 0)
                    )
                correct[c, n - 1] = np.minimum(counts, best).sum()

        per_case = np.zeros((cases, n_max))
        for c in range(cases):
            per_case[c] = _bleu(correct[c], guess[c], test_len[c], ref_len[c])
        corpus = (
            _bleu(correct.sum(0), guess.sum(0), test_len.sum(), ref_len.sum())
            if cases
            else np.zeros(n_max)
        )

        def aggregate(stats: np.ndarray) -> dict[str, float]:
            k = n_max
            values = _bleu(
                stats[:, :k].sum(0),
                stats[:, k : 2 * k].sum(0),
                stats[:, 2 * k].sum(),
                stats[:, 2 * k + 1].sum(),
            )
            return {f"bleu_{n}": float(values[n - 1]) for n in range(1, k + 1)}

        return MetricResult(
            case_stats=np.column_stack([correct, guess, test_len, ref_len])
            if cases
            else np.zeros((0, 2 * n_max + 2)),
            aggregate=aggregate,
            name=f"bleu_{n_max}",
            score=float(corpus[-1]),
            per_case=per_case[:, -1] if cases else np.zeros(0),
            signature=self.signature(),
            extra={f"bleu_{n}": float(corpus[n - 1]) for n in range(1, n_max + 1)}
            | {f"per_case_bleu_{n}": per_case[:, n - 1] for n in range(1, n_max + 1)},
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
