"""Metrics from other packages, wired to keep Chinese intact: chrF and BLEU from sacrebleu,
ROUGE-1/2/L from rouge-score with a tokenizer that keeps CJK (its default drops every
non-ASCII character)."""

from __future__ import annotations

import numpy as np

from .base import Metric, MetricResult
from .tokenize import tokenize


def _sacrebleu(metric, name: str, hyps: list[str], refs: list[list[str]]) -> MetricResult:
    """Corpus and sentence scores (/100) of a sacrebleu metric object, with its signature."""
    n_refs = max((len(r) for r in refs), default=1)
    streams = [[r[k] if k < len(r) else "" for r in refs] for k in range(n_refs)]
    corpus = metric.corpus_score(hyps, streams).score / 100
    signature = f"{name}|{metric.get_signature()}"
    per_case = np.array([metric.sentence_score(h, r).score / 100 for h, r in zip(hyps, refs)])
    return MetricResult(name, corpus, per_case, signature)


class ChrF(Metric):
    name = "chrf"
    keys = ("chrf",)
    input = "text"
    help = "chrF (sacrebleu), on the texts"

    def compute(self, hyps: list[str], refs: list[list[str]], language: str | None) -> MetricResult:
        from sacrebleu.metrics import CHRF

        return _sacrebleu(CHRF(), self.name, hyps, refs)


class SacreBleu(Metric):
    name = "sacrebleu"
    keys = ("sacrebleu",)
    input = "text"
    help = "BLEU as sacrebleu computes it (zh tokenizer for Chinese, 13a otherwise)"

    def compute(self, hyps: list[str], refs: list[list[str]], language: str | None) -> MetricResult:
        from sacrebleu.metrics import BLEU

        metric = BLEU(tokenize="zh" if language == "zh" else "13a", effective_order=True)
        return _sacrebleu(metric, self.name, hyps, refs)


class _KeepCJK:
    """rouge-score tokenizer object: this package's tokens (CJK characters kept)."""

    def __init__(self, language: str | None):
        self.language = language

    def tokenize(self, text: str) -> list[str]:
        return tokenize(text, self.language)


class RougeScore(Metric):
    name = "rouge_score"
    keys = ("rouge1", "rouge2", "rougeL_f1")
    input = "text"
    help = "ROUGE-1/2/L (rouge-score, with this package's tokens so that Chinese is kept)"

    def per_case(self, result: MetricResult) -> dict[str, np.ndarray]:
        return {key: result.case_stats[:, k] for k, key in enumerate(self.keys)}

    def signature(self) -> str:
        return (
            "rouge-score|types:rouge1,rouge2,rougeL|f1|tokenizer:pet2rep|agg:mean-of-max-over-refs"
        )

    def compute(self, hyps: list[str], refs: list[list[str]], language: str | None) -> MetricResult:
        from rouge_score import rouge_scorer

        scorer = rouge_scorer.RougeScorer(
            ["rouge1", "rouge2", "rougeL"], tokenizer=_KeepCJK(language)
        )
        table = np.zeros((len(hyps), 3))
        for c, (hyp, ref_list) in enumerate(zip(hyps, refs)):
            best = (
                scorer.score_multi(ref_list, hyp)
                if len(ref_list) > 1
                else scorer.score(ref_list[0], hyp)
            )
            table[c] = [best["rouge1"].fmeasure, best["rouge2"].fmeasure, best["rougeL"].fmeasure]
        means = _rouge_means(table)
        return MetricResult(
            "rouge1",
            means["rouge1"],
            table[:, 0],
            self.signature(),
            extra=means,
            case_stats=table,
            aggregate=_rouge_means,
        )


def _rouge_means(table: np.ndarray) -> dict[str, float]:
    means = table.mean(0) if len(table) else np.zeros(3)
    return dict(zip(("rouge1", "rouge2", "rougeL_f1"), map(float, means)))
