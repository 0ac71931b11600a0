"""ROUGE-L as pycocoevalcap computes it: LCS per reference (rapidfuzz), the maximum precision
and the maximum recall across references taken separately, F with beta = 1.2; the corpus score
is the mean of the cases. Tokens come from splitting the space-joined text on single spaces, so
an empty hypothesis is one empty token (score 0), as there."""

from __future__ import annotations

import numpy as np
from rapidfuzz.distance import LCSseq

from .base import Metric, MetricResult


class RougeL(Metric):
    name = "rouge_l"
    keys = ("rouge_l",)
    input = "tokens"
    help = "ROUGE-L as pycocoevalcap (LCS, beta 1.2, best precision and recall over references)"

    def __init__(self, beta: float = 1.2):
        self.beta = beta

    def settings(self) -> dict:
        return {"beta": self.beta, "lcs": "rapidfuzz"}

    def compute(self, hyps, refs) -> MetricResult:
        scores = np.zeros(len(hyps))
        beta2 = self.beta**2
        for c, (hyp, ref_list) in enumerate(zip(hyps, refs)):
            candidate = hyp or [""]
            precision = recall = 0.0
            for ref in ref_list:
                reference = ref or [""]
                lcs = LCSseq.similarity(candidate, reference)
                precision = max(precision, lcs / len(candidate))
                recall = max(recall, lcs / len(reference))
            if precision and recall:
                scores[c] = (1 + beta2) * precision * recall / (recall + beta2 * precision)
        return MetricResult(
            self.name, float(scores.mean()) if len(scores) else 0.0, scores, self.signature()
        )
