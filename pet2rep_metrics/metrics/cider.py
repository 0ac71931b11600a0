"""CIDEr-D as pycocoevalcap computes it: document frequency over the reference sets being scored
(each set counts once), idf log(N) - log(max(1, df)), tf-idf vectors for n = 1..4, clipped
similarity min(h, r) * r over the norms of the unclipped vectors, a Gaussian length penalty
(sigma 6) on the difference in bigram counts, mean over n, mean over references, times 10.
One case alone always scores 0 (log 1 = 0)."""

from __future__ import annotations

import math

import numpy as np

from ._ngrams import Vocabulary, ngram_counts
from .base import Metric, MetricResult


class Cider(Metric):
    name = "cider"

    def __init__(self, max_n: int = 4, sigma: float = 6.0):
        self.max_n = max_n
        self.sigma = sigma

    def settings(self) -> dict:
        return {"n": self.max_n, "sigma": self.sigma, "idf": "refs-scored"}

    def compute(self, hyps, refs) -> MetricResult:
        vocab = Vocabulary()
        cases = len(hyps)
        if cases == 0:
            return MetricResult(self.name, 0.0, np.zeros(0), self.signature())
        hyp_counts = []
        ref_counts = []
        df_parts: list[list[np.ndarray]] = [[] for _ in range(self.max_n)]
        # encode everything first: n-gram codes depend on the vocabulary size
        encoded = [
            (vocab.encode(hyp), [vocab.encode(r) for r in ref_list])
            for hyp, ref_list in zip(hyps, refs)
        ]
        for h_ids, r_ids in encoded:
            hyp_counts.append([ngram_counts(h_ids, n, vocab) for n in range(1, self.max_n + 1)])
            per_ref = [
                [ngram_counts(ids, n, vocab) for n in range(1, self.max_n + 1)] for ids in r_ids
            ]
            ref_counts.append(per_ref)
            for n in range(self.max_n):
                codes = [r[n][0] for r in per_ref if len(r[n][0])]
                if codes:
                    df_parts[n].append(np.unique(np.concatenate(codes)))
        df_tables = []
        for n in range(self.max_n):
            if df_parts[n]:
                codes, counts = np.unique(np.concatenate(df_parts[n]), return_counts=True)
            else:
                codes, counts = np.empty(0, np.int64), np.empty(0, np.int64)
            df_tables.append((codes, counts.astype(float)))
        ref_len = math.log(float(cases))

        def vector(n: int, codes: np.ndarray, counts: np.ndarray) -> np.ndarray:
            table_codes, table_df = df_tables[n]
            df = np.zeros(len(codes))
            if len(table_codes) and len(codes):
                pos = np.minimum(np.searchsorted(table_codes, codes), len(table_codes) - 1)
                found = table_codes[pos] == codes
                df[found] = table_df[pos[found]]
            return counts.astype(float) * (ref_len - np.log(np.maximum(1.0, df)))

        scores = np.zeros(cases)
        for c in range(cases):
            h_vecs = [vector(n, *hyp_counts[c][n]) for n in range(self.max_n)]
            h_norms = [math.sqrt(float(v @ v)) for v in h_vecs]
            h_len = float(hyp_counts[c][1][1].sum()) if self.max_n > 1 else 0.0
            total = np.zeros(self.max_n)
            for per_ref in ref_counts[c]:
                r_len = float(per_ref[1][1].sum()) if self.max_n > 1 else 0.0
                penalty = math.exp(-((h_len - r_len) ** 2) / (2 * self.sigma**2))
                for n in range(self.max_n):
                    r_codes, r_counts = per_ref[n]
                    r_vec = vector(n, r_codes, r_counts)
                    r_norm = math.sqrt(float(r_vec @ r_vec))
                    h_codes = hyp_counts[c][n][0]
                    value = 0.0
                    if len(h_codes) and len(r_codes):
                        common, h_idx, r_idx = np.intersect1d(
                            h_codes, r_codes, assume_unique=True, return_indices=True
                        )
                        if len(common):
                            rv = r_vec[r_idx]
                            value = float((np.minimum(h_vecs[n][h_idx], rv) * rv).sum())
                    if h_norms[n] != 0 and r_norm != 0:
                        value /= h_norms[n] * r_norm
                    total[n] += value * penalty
            scores[c] = total.mean() / len(ref_counts[c]) * 10.0
        return MetricResult(self.name, float(scores.mean()), scores, self.signature())
