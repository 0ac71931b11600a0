"""CIDEr-D as pycocoevalcap computes it: document frequency over the reference sets being scored
(each set counts once), idf log(N) - log(max(1, df)), tf-idf vectors for n = 1..4, clipped
similarity min(h, r) * r over the norms of the unclipped vectors, a Gaussian length penalty
(sigma 6) on the difference in bigram counts, mean over n, mean over references, times 10.
One case alone always scores 0 (log 1 = 0)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._ngrams import NgramCounts, Vocabulary, count_ngrams, lookup
from .base import Metric, MetricResult


@dataclass
class DocumentFrequency:
    """CIDEr's document frequencies over all the reference sets of a scoring call, gathered
    chunk by chunk (codes of one shared :class:`Vocabulary`): with them each chunk scores as it
    would inside the whole call."""

    vocabulary: Vocabulary
    max_n: int = 4
    cases: int = 0

    def __post_init__(self) -> None:
        empty = np.empty(0, dtype=np.int64)
        self.codes = [empty] * self.max_n
        self.counts = [empty] * self.max_n

    def add(self, ngrams: NgramCounts) -> None:
        """Count the reference sets of one chunk (counts made with this vocabulary)."""
        if ngrams.vocabulary is not self.vocabulary:
            raise ValueError("the n-gram counts were not made with this vocabulary")
        self.cases += ngrams.cases
        for n in range(1, self.max_n + 1):
            _hyp, ref = ngrams.split(n)
            pairs = np.unique(np.stack([ngrams.case_of(ref), ref.code]), axis=1)
            codes = np.concatenate([self.codes[n - 1], pairs[1]])
            counts = np.concatenate([self.counts[n - 1], np.ones(pairs.shape[1], np.int64)])
            order = np.argsort(codes, kind="stable")
            codes, counts = codes[order], counts[order]
            if len(codes):
                starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
                codes, counts = codes[starts], np.add.reduceat(counts, starts)
            self.codes[n - 1], self.counts[n - 1] = codes, counts


class Cider(Metric):
    name = "cider"
    keys = ("cider",)
    input = "tokens"
    help = "CIDEr-D as pycocoevalcap (document frequencies over the references scored)"

    def __init__(self, max_n: int = 4, sigma: float = 6.0):
        self.max_n = max_n
        self.sigma = sigma

    def settings(self) -> dict:
        return {"n": self.max_n, "sigma": self.sigma, "idf": "refs-scored"}

    def compute(
        self,
        hyps,
        refs,
        ngrams: NgramCounts | None = None,
        document_frequency: DocumentFrequency | None = None,
    ) -> MetricResult:
        """``ngrams``: counts already made for these inputs (shared with BLEU).
        ``document_frequency``: the frequencies of the whole call this chunk belongs to (then
        ``ngrams`` must use its vocabulary); by default, those of these references."""
        cases = len(hyps)
        if cases == 0:
            return MetricResult(self.name, 0.0, np.zeros(0), self.signature())
        vocabulary = document_frequency.vocabulary if document_frequency else None
        if (
            ngrams is None
            or ngrams.max_n < self.max_n
            or not ngrams.for_call(hyps, refs)
            or ngrams.vocabulary is not vocabulary
        ):
            ngrams = count_ngrams(hyps, refs, self.max_n, vocabulary)
        ref_count = len(ngrams.ref_case)
        all_cases = document_frequency.cases if document_frequency else cases
        log_cases = math.log(float(all_cases))
        # similarity of each reference to its hypothesis, per n (before the length penalty)
        similarity = np.zeros((ref_count, self.max_n))
        for n in range(1, self.max_n + 1):
            hyp, ref = ngrams.split(n)
            ref_case = ngrams.case_of(ref)
            case_keys = ref_case * ref.space + ref.code
            # document frequency: the number of cases whose references hold the n-gram
            if document_frequency is not None:
                df_codes = document_frequency.codes[n - 1]
                df_counts = document_frequency.counts[n - 1]
            else:
                present = case_keys if ref_count == cases else np.unique(case_keys)
                df_codes, df_counts = np.unique(present % ref.space, return_counts=True)

            def weights(rows, df_codes=df_codes, df_counts=df_counts):
                df = lookup(rows.code, df_codes, df_counts.astype(float))
                return rows.count.astype(float) * (log_cases - np.log(np.maximum(1.0, df)))

            hyp_weight, ref_weight = weights(hyp), weights(ref)
            hyp_norm = np.sqrt(np.bincount(hyp.segment, hyp_weight**2, minlength=cases))
            ref_segment = ref.segment - cases
            ref_norm = np.sqrt(np.bincount(ref_segment, ref_weight**2, minlength=ref_count))
            # clipped products over the n-grams both sides hold
            hyp_at = lookup(case_keys, hyp.segment * hyp.space + hyp.code, hyp_weight)
            products = np.minimum(hyp_at, ref_weight) * ref_weight
            dot = np.bincount(ref_segment, products, minlength=ref_count).astype(float)
            norms = hyp_norm[ngrams.ref_case] * ref_norm
            nonzero = (hyp_norm[ngrams.ref_case] != 0) & (ref_norm != 0)
            dot[nonzero] /= norms[nonzero]
            similarity[:, n - 1] = dot
        # Gaussian penalty on the difference in bigram counts (pycocoevalcap's "length")
        bigrams = np.maximum(ngrams.lengths - 1, 0) if self.max_n > 1 else 0 * ngrams.lengths
        hyp_bigrams, ref_bigrams = bigrams[:cases].tolist(), bigrams[cases:].tolist()
        scores = np.zeros(cases)
        total = np.zeros((cases, self.max_n))
        for r, c in enumerate(ngrams.ref_case.tolist()):
            delta = float(hyp_bigrams[c] - ref_bigrams[r])
            total[c] += similarity[r] * np.e ** (-(delta**2) / (2 * self.sigma**2))
        refs_per_case = np.bincount(ngrams.ref_case, minlength=cases)
        for c in range(cases):
            scores[c] = np.mean(total[c]) / refs_per_case[c] * 10.0
        return MetricResult(self.name, float(scores.mean()), scores, self.signature())
