"""Scorer: every metric behind one object, built once (pipelines, caches), reused for many calls."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np

from ..extract import Extractor
from .base import MetricResult
from .bleu import Bleu
from .cider import Cider
from .clinical import ClinicalEfficacy
from .meteor import Meteor
from .meteor import backend as meteor_backend
from .rouge import RougeL
from .tokenize import tokenize

DEFAULT_METRICS = ("bleu", "meteor", "rouge_l", "cider", "ce")
ALL_METRICS = (*DEFAULT_METRICS, "chrf", "sacrebleu", "rouge_score", "bertscore")
_LABEL_CACHE_SIZE = 8192
_LEXICAL = {"bleu": Bleu, "meteor": Meteor, "rouge_l": RougeL, "cider": Cider}


class Scorer:
    """Scores generated reports against references.

    ``metrics``: names from ALL_METRICS. ``organs``: organ set for CE ('pet2rep', 'all', a file
    or a list). ``language``: 'zh', 'en' or None (detected from the references). ``meteor``:
    'python' (this package's METEOR 1.5) or 'java' (pycocoevalcap's jar; needs Java).
    Build it once: the extractor's pipelines and a cache of reference labels are kept.
    """

    def __init__(
        self,
        metrics: Sequence[str] = DEFAULT_METRICS,
        organs: Any = "pet2rep",
        language: str | None = None,
        zh_words: bool = False,
        extractor: Extractor | None = None,
        meteor: str = "python",
        bertscore_model: str | None = None,
        bertscore_layers: int | None = None,
    ):
        unknown = [m for m in metrics if m not in ALL_METRICS]
        if unknown:
            raise ValueError(f"unknown metric(s) {unknown}; choose from {', '.join(ALL_METRICS)}")
        if meteor not in ("python", "java"):
            raise ValueError("meteor must be 'python' or 'java'")
        if language not in (None, "auto", "zh", "en"):
            raise ValueError(f"language must be 'zh', 'en' or None, not {language!r}")
        self.metrics = tuple(dict.fromkeys(metrics))
        self.language = None if language == "auto" else language
        self.zh_words = zh_words
        self.meteor_backend = meteor
        self.clinical = ClinicalEfficacy(organs)
        self.extractor = extractor or Extractor()
        self._labels: OrderedDict[tuple[str, str], dict[str, list[str]]] = OrderedDict()
        if "meteor" in self.metrics and meteor == "python":
            from .meteor import warm_up

            warm_up()  # stemmer and function words load here, not inside the first score() call
        self._bertscore = None
        if "bertscore" in self.metrics:
            from .bertscore import BertScore

            self._bertscore = BertScore(bertscore_model, bertscore_layers)

    # ------------------------------------------------------------------ public
    def score(
        self,
        preds: Sequence[str],
        refs: Sequence[str] | Sequence[Sequence[str]],
        ref_labels: Sequence[dict[str, list[str]] | None] | None = None,
        per_case: bool = False,
    ) -> dict[str, Any]:
        """Corpus scores as a flat dict (bleu_1..bleu_4, meteor, rouge_l, cider, ce_precision,
        ce_recall, ce_f1, oua_accuracy, n, and the optional metrics asked for) plus ``config``.
        ``ref_labels``: gold organ x state labels per case (used instead of extracting the
        reference). ``per_case=True`` adds ``per_case``: a list per score, aligned with preds."""
        language = self.language_of(refs)
        results = self.results(preds, refs, ref_labels, language=language)
        out, per = self.summarize(results, language)
        if per_case:
            out["per_case"] = {
                k: [None if np.isnan(v) else float(v) for v in np.asarray(vals, dtype=float)]
                for k, vals in per.items()
            }
        return out

    def summarize(
        self, results: dict[str, MetricResult], language: str | None = None
    ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """(flat corpus figures with per-state/per-organ CE and ``config``, per-case arrays by
        score name) from :meth:`results`."""
        out: dict[str, Any] = {"n": len(next(iter(results.values())).per_case) if results else 0}
        per: dict[str, np.ndarray] = {}
        for name, result in results.items():
            out.update(result.pooled())
            if name == "bleu":
                for n in range(1, 5):
                    per[f"bleu_{n}"] = result.extra[f"per_case_bleu_{n}"]
            elif name == "ce":
                out["ce_per_state"] = result.extra["per_state"]
                out["ce_per_organ"] = result.extra["per_organ"]
                per["ce_f1"] = result.per_case
                per["oua_accuracy"] = result.extra["per_case_oua_accuracy"]
            elif name == "rouge_score":
                for k, key in enumerate(("rouge1", "rouge2", "rougeL_f1")):
                    per[key] = result.case_stats[:, k]
            else:
                per[result.name] = result.per_case
        out["config"] = self.config(results, language)
        return out, per

    def results(
        self,
        preds: Sequence[str],
        refs: Sequence[str] | Sequence[Sequence[str]],
        ref_labels: Sequence[dict[str, list[str]] | None] | None = None,
        language: str | None = None,
    ) -> dict[str, MetricResult]:
        """One :class:`MetricResult` per metric (with case statistics for intervals and tests).
        ``language``: the scoring language when the caller already knows it."""
        preds = [p if isinstance(p, str) else "" for p in preds]
        ref_lists = [[r] if isinstance(r, str) else list(r) for r in refs]
        if len(preds) != len(ref_lists):
            raise ValueError(f"{len(preds)} predictions but {len(ref_lists)} references")
        if any(not r for r in ref_lists):
            raise ValueError("every case needs at least one reference")
        language = language or self.language_of(ref_lists)
        results: dict[str, MetricResult] = {}
        lexical = [m for m in self.metrics if m in ("bleu", "meteor", "rouge_l", "cider")]
        meteor_future = None
        if lexical:
            hyp_tokens = [tokenize(p, language, self.zh_words) for p in preds]
            ref_tokens = [[tokenize(r, language, self.zh_words) for r in rs] for rs in ref_lists]
            for name in lexical:
                if name == "meteor" and self.meteor_backend == "java":
                    results[name] = _java_meteor(hyp_tokens, ref_tokens)
                elif name == "meteor" and meteor_backend() == "c" and len(preds) > 1:
                    # the compiled beam search releases the GIL: run it beside the rest
                    meteor_future = _worker().submit(Meteor().compute, hyp_tokens, ref_tokens)
                else:
                    metric = _LEXICAL[name]()
                    results[name] = metric.compute(hyp_tokens, ref_tokens)
        if "ce" in self.metrics:
            pred_labels = self.labels(preds, language)
            gold = list(ref_labels) if ref_labels is not None else [None] * len(preds)
            missing = [i for i, g in enumerate(gold) if g is None]
            extracted = iter(self.labels([ref_lists[i][0] for i in missing], language))
            reference = [g if g is not None else next(extracted) for g in gold]
            results["ce"] = self.clinical.compute_labels(pred_labels, reference)
        for name in ("chrf", "sacrebleu", "rouge_score"):
            if name in self.metrics:
                from . import sacre

                metric = {
                    "chrf": sacre.ChrF,
                    "sacrebleu": sacre.SacreBleu,
                    "rouge_score": sacre.RougeScore,
                }[name]()
                results[name] = metric.compute_text(preds, ref_lists, language)
        if self._bertscore is not None:
            results["bertscore"] = self._bertscore.compute_text(preds, ref_lists, language)
        if meteor_future is not None:
            results["meteor"] = meteor_future.result()
        return {name: results[name] for name in self.metrics if name in results}

    def labels(
        self, texts: Sequence[str], language: str | None = None
    ) -> list[dict[str, list[str]]]:
        """Organ x state labels of ``texts``, cached (reference texts repeat across calls)."""
        out: list[dict[str, list[str]] | None] = []
        todo: list[int] = []
        for i, text in enumerate(texts):
            key = (language or "", text)
            if key in self._labels:
                self._labels.move_to_end(key)
                out.append(self._labels[key])
            else:
                out.append(None)
                todo.append(i)
        for i, table in zip(todo, self.extractor.pipe([texts[i] for i in todo], language=language)):
            out[i] = table.labels
            self._labels[(language or "", texts[i])] = table.labels
            if len(self._labels) > _LABEL_CACHE_SIZE:
                self._labels.popitem(last=False)
        return out  # type: ignore[return-value]

    def config(
        self, results: dict[str, MetricResult] | None = None, language: str | None = None
    ) -> dict[str, Any]:
        """Every setting that changes a number: tokenisation, organ set, backends, versions."""
        import sacrebleu

        from .. import __version__

        tokenization = {
            "zh": "jieba-words" if self.zh_words else "cjk-char+ascii-runs,lower,no-punct",
            "en": "ptb(pycocoevalcap),lower,punct-removed",
        }
        return {
            "language": language,
            "tokenization": tokenization.get(language or "", tokenization),
            "organs": list(self.clinical.organs),
            "organ_set_size": len(self.clinical.organs),
            "metrics": list(self.metrics),
            "meteor_backend": self.meteor_backend,
            "extractor": self.extractor.signature,
            "signatures": {name: r.signature for name, r in (results or {}).items()},
            "versions": {"pet2rep_metrics": __version__, "sacrebleu": sacrebleu.__version__},
        }

    def language_of(self, refs) -> str:
        """The scoring language: the one given, else the majority detected in the references."""
        if self.language:
            return self.language
        from ..extract.normalize import detect_language

        votes = Counter(
            detect_language(r if isinstance(r, str) else (r[0] if r else "")) for r in refs[:200]
        )
        return votes.most_common(1)[0][0] if votes else "zh"


@cache
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pet2rep-meteor")


def _java_meteor(hyp_tokens: list[list[str]], ref_tokens: list[list[list[str]]]) -> MetricResult:
    """pycocoevalcap's Java METEOR on the same space-joined tokens (the reference backend)."""
    try:
        from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor
    except ImportError as exc:
        raise RuntimeError(
            "--meteor java needs pycocoevalcap and Java: pip install 'pet2rep-metrics[reference]'"
        ) from exc
    gts = {i: [" ".join(r) or " " for r in refs] for i, refs in enumerate(ref_tokens)}
    res = {i: [" ".join(h) or " "] for i, h in enumerate(hyp_tokens)}
    try:
        scorer = JavaMeteor()
        score, scores = scorer.compute_score(gts, res)
    except (OSError, FileNotFoundError) as exc:
        raise RuntimeError(
            f"Java METEOR could not run ({exc}); install Java 8+ or use meteor='python'"
        ) from exc
    return MetricResult(
        "meteor",
        float(score),
        np.array(scores, dtype=float),
        "meteor|impl:java(pycocoevalcap meteor-1.5 -l en -norm)",
    )
