"""Scorer: every metric behind one object, built once (pipelines, caches), reused for many calls.

It sits above the extractor and the metrics: it tokenises (one language per corpus), extracts
labels (each report in its own language; cached, optionally in helper processes), dispatches
every metric of the registry (metrics/registry.py) by the input it takes, scores large calls
in chunks, and adds to each result's signature what it chose (tokenisation, language,
extractor)."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections import Counter, OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _validate
from ._cache import bounded_cache
from ._gc import paused
from .language import check_language, detect_language
from .metrics import registry
from .metrics._ngrams import Vocabulary, count_ngrams
from .metrics.base import Metric, MetricResult
from .metrics.bleu import Bleu
from .metrics.cider import Cider, DocumentFrequency
from .metrics.clinical import ClinicalEfficacy
from .metrics.meteor import Meteor
from .metrics.meteor import backend as meteor_backend
from .metrics.rouge import RougeL
from .metrics.tokenize import tokenize

if TYPE_CHECKING:  # the extractor (and spaCy with it) is imported when a report is first read
    from .extract import Extractor
    from .extract.worker import ExtractionHelper

_TOKENIZATION = {"zh": "cjk-char+ascii-runs,lower,no-punct", "en": "ptb,lower,no-punct"}
DEFAULT_METRICS = registry.default_names()
# the package's metrics on tokens with a shared fast path (one n-gram count for BLEU and
# CIDEr, METEOR on a second thread), by name and the class that has it
_FAST_PATH = {"bleu": Bleu, "meteor": Meteor, "rouge_l": RougeL, "cider": Cider}
# labels of recent texts (references repeat across training steps): at most 8192 texts of up
# to 8192 characters (about 100 MB at worst; a PET2Rep report is about 1,000 characters)
_LABEL_CACHE_SIZE = 8192
_LABEL_CACHE_CHARS = 8192
# reference tokens (references repeat across the calls of a training loop): at most 2,048 lists
# of texts up to 8,192 characters (a PET2Rep report: ~1,000 tokens, ~8 KB of list)
_TOKEN_CACHE_SIZE = 2048
_MIN_SHARED = 64  # below this many texts to extract, helpers cost more than they save
# A helper's answer is awaited at most this long (seconds, for the batch it was sent, plus a
# start-up allowance); the extractor reads over 200 reports/s, so this is ten times its pace.
_HELPER_START_S = 60.0
_HELPER_S_PER_TEXT = 0.05


class Scorer:
    """Scores generated reports against references.

    ``metrics``: names from the metric registry (``registry.names()``: the package's own and any
    registered). ``organs``: organ set for CE ('pet2rep', 'all', a file
    or a list). ``language``: 'zh', 'en' or None (detected from the references). ``meteor``:
    'python' (this package's METEOR 1.5) or 'java' (pycocoevalcap's jar; needs Java).
    ``extractor``: the :class:`Extractor` of CE labels (default: one made when a report is first
    read, so that building a scorer and the lexical metrics do not wait for spaCy).
    ``workers``: processes that extract labels for CE; with 2 or more, helper processes (each
    with its own pipelines, started here) extract part of every large batch while this one
    computes the lexical metrics. ``chunk_size``: a call with more cases computes the lexical
    metrics that many cases at a time (memory of one chunk, numbers of one call). Build it
    once: the extractor's pipelines and a cache of labels are kept; :meth:`close` (or a
    ``with`` block) stops the helpers.
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
        workers: int = 1,
        chunk_size: int = 1000,
    ):
        if isinstance(metrics, str):
            metrics = [m.strip() for m in metrics.split(",") if m.strip()]
        unknown = [m for m in metrics if m not in registry.names()]
        if unknown:
            raise ValueError(
                f"unknown metric(s) {unknown}; choose from {', '.join(registry.names())}"
            )
        if meteor not in ("python", "java"):
            raise ValueError("meteor must be 'python' or 'java'")
        self.metrics = tuple(dict.fromkeys(metrics))
        self.language = check_language(language)
        self.zh_words = zh_words
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, not {workers!r}")
        if not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer, not {chunk_size!r}")
        self.chunk_size = chunk_size
        self.meteor_backend = meteor
        options = registry.ScorerOptions(organs, meteor, bertscore_model, bertscore_layers)
        self._metrics: dict[str, Metric] = {
            name: registry.entry(name).build(options) for name in self.metrics
        }
        # the metrics asked for by the input they take (tokens, text, labels), in registry order
        self._inputs: dict[str, list[str]] = {kind: [] for kind in registry.INPUTS}
        for name in self.metrics:
            self._inputs[registry.entry(name).input].append(name)
        self._fast = tuple(
            name
            for name, kind in _FAST_PATH.items()
            if type(self._metrics.get(name)) is kind  # a metric registered over it: generic path
        )
        self.clinical = self._metrics.get("ce") or ClinicalEfficacy(organs)
        self._extractor = extractor
        self._labels: OrderedDict[tuple[str, str], dict[str, list[str]]] = OrderedDict()
        self._reference_tokens = bounded_cache(_TOKEN_CACHE_SIZE, _LABEL_CACHE_CHARS)(
            lambda text, language: tokenize(text, language, self.zh_words)
        )
        self._helpers: list[ExtractionHelper] = []
        if workers > 1 and self._inputs["labels"]:
            from .extract import Extractor

            if type(self.extractor) is not Extractor:
                raise ValueError("workers > 1 needs a plain Extractor (helpers rebuild it)")
            self._start_helpers(workers - 1)
        if "meteor" in self.metrics and meteor == "python":
            from .metrics.meteor import warm_up

            warm_up()  # stemmer and function words load here, not inside the first score() call

    @property
    def extractor(self) -> Extractor:
        """The extractor of CE labels: the one given, or a default :class:`Extractor` made on
        first use (spaCy is imported when a report is first read, so that the lexical metrics,
        METEOR's search included, start without waiting for it)."""
        if self._extractor is None:
            from .extract import Extractor

            self._extractor = Extractor()
        return self._extractor

    def _start_helpers(self, count: int) -> None:
        from .extract.worker import ExtractionHelper, HelperError

        started = []
        try:
            for _ in range(count):
                started.append(ExtractionHelper(self.extractor.settings))
        except HelperError as exc:
            warnings.warn(f"{exc}; extracting in this process", stacklevel=3)
        # this process builds its own pipelines while the helpers build theirs
        for language in [self.language] if self.language else ("zh", "en"):
            self.extractor("", language=language)
        for helper in started:
            try:
                helper.wait_ready()
                self._helpers.append(helper)
            except HelperError as exc:
                warnings.warn(f"{exc}; extracting in this process", stacklevel=3)

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
            metric = self._metrics[name]
            out.update(result.pooled())
            out.update(metric.details(result))
            per.update(metric.per_case(result))
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
        # Python's cyclic collector would walk every live object (pipelines included) many
        # times over the allocations of a large call; nothing here makes reference cycles
        # (the default extractor, made on first use, pauses it too)
        with paused(self._extractor.pause_gc if self._extractor is not None else True):
            return self._results(preds, refs, ref_labels, language)

    def _results(self, preds, refs, ref_labels, language) -> dict[str, MetricResult]:
        preds = _validate.texts("preds", preds)
        ref_lists = _validate.references("refs", refs)
        if len(preds) != len(ref_lists):
            raise ValueError(f"{len(preds)} predictions but {len(ref_lists)} references")
        if ref_labels is not None:
            ref_labels = _validate.label_tables("ref_labels", ref_labels, len(preds))
        language = language or self.language_of(ref_lists)
        gold = list(ref_labels) if ref_labels is not None else [None] * len(preds)
        results: dict[str, MetricResult] = {}
        if len(preds) <= self.chunk_size:
            lexical, pred_labels, reference = self._chunk(preds, ref_lists, gold, language, None)
            results.update(lexical)
        else:
            # A large call, chunk_size cases at a time: memory stays that of one chunk, the
            # numbers those of one call (case statistics are joined, then pooled; CIDEr takes its
            # document frequencies from a first pass over every reference set).
            frequencies = self._cider_frequencies(preds, ref_lists, language)
            parts: dict[str, list[MetricResult]] = {}
            pred_labels, reference = [], []
            for a in range(0, len(preds), self.chunk_size):
                b = min(a + self.chunk_size, len(preds))
                lexical, chunk_pred, chunk_ref = self._chunk(
                    preds[a:b], ref_lists[a:b], gold[a:b], language, frequencies, True
                )
                for name, result in lexical.items():
                    parts.setdefault(name, []).append(result)
                pred_labels += chunk_pred
                reference += chunk_ref
            results.update({name: MetricResult.concat(p) for name, p in parts.items()})
            if "cider" in self._fast and frequencies is None:
                # a vocabulary too large for global 64-bit n-gram codes: one pass over all
                hyps, refs = self._tokens(preds, ref_lists, language)
                results["cider"] = self._metrics["cider"].compute(hyps, refs)
        for name in self._inputs["labels"]:
            results[name] = self._metrics[name].compute(pred_labels, reference)
            results[name].signature += f"|{self.extractor.signature}"
        for name in self._inputs["text"]:
            results[name] = self._metrics[name].compute(preds, ref_lists, language)
            results[name].signature += f"|lang:{language}"
        context = f"|tok:{self._tokenization(language)}|lang:{language}"
        for name in self._inputs["tokens"]:
            results[name].signature += context
        return {name: results[name] for name in self.metrics}

    def _chunk(self, preds, ref_lists, gold, language, frequencies, in_chunks=False):
        """(lexical results, predicted labels, reference labels) of consecutive cases: helpers
        (if any) extract their share while this thread computes the lexical metrics."""
        pending_labels = None
        if self._inputs["labels"]:
            missing = [i for i, g in enumerate(gold) if g is None]
            # each report is read in its own language (an English report in a Chinese corpus
            # too) unless the scorer was given one; the corpus language only tokenises
            pending_labels = self._start_labels(
                [*preds, *(ref_lists[i][0] for i in missing)], self.language
            )
        results: dict[str, MetricResult] = {}
        try:
            meteor_future = self._lexical(
                preds, ref_lists, language, results, frequencies, in_chunks
            )
        except BaseException as exc:
            if pending_labels is not None:
                self._abandon(pending_labels, drain=isinstance(exc, Exception))
            raise
        pred_labels: list[dict[str, list[str]]] = []
        reference: list[dict[str, list[str]]] = []
        if pending_labels is not None:
            labels = self._finish_labels(pending_labels)
            pred_labels, extracted = labels[: len(preds)], iter(labels[len(preds) :])
            reference = [g if g is not None else next(extracted) for g in gold]
        if meteor_future is not None:
            results["meteor"] = meteor_future.result()
        return results, pred_labels, reference

    def _tokens(self, preds, ref_lists, language):
        hyps = [tokenize(p, language, self.zh_words) for p in preds]
        refs = [[self._reference_tokens(r, language) for r in rs] for rs in ref_lists]
        return hyps, refs

    def _cider_frequencies(self, preds, ref_lists, language) -> DocumentFrequency | None:
        """CIDEr's document frequencies over every reference set, chunk by chunk (None when
        CIDEr is not asked for, or the vocabulary is too large for global n-gram codes)."""
        if "cider" not in self._fast:
            return None
        spans = range(0, len(preds), self.chunk_size)
        words: set[str] = set()
        for a in spans:
            hyps, refs = self._tokens(
                preds[a : a + self.chunk_size], ref_lists[a : a + self.chunk_size], language
            )
            words.update(chain.from_iterable(hyps))
            words.update(chain.from_iterable(r for rs in refs for r in rs))
        vocabulary = Vocabulary.of(words)
        if not vocabulary.codes_fit(4):
            return None
        frequencies = DocumentFrequency(vocabulary)
        for a in spans:
            hyps, refs = self._tokens(
                preds[a : a + self.chunk_size], ref_lists[a : a + self.chunk_size], language
            )
            frequencies.add(count_ngrams(hyps, refs, 4, vocabulary))
        return frequencies

    def _lexical(
        self, preds, ref_lists, language, results, frequencies=None, in_chunks=False
    ) -> Future | None:
        """The metrics on tokens into ``results``: BLEU, ROUGE-L and CIDEr from one n-gram count,
        METEOR too, or its future when the compiled search runs on the worker thread, then any
        other metric on tokens. ``in_chunks``: these cases are a chunk of a larger call, whose
        CIDEr needs ``frequencies`` (without them it is left to that call)."""
        lexical = self._fast
        if not self._inputs["tokens"]:
            return None
        hyp_tokens, ref_tokens = self._tokens(preds, ref_lists, language)
        meteor_future = None
        if "meteor" in lexical:
            meteor = self._metrics["meteor"]
            if self.meteor_backend == "java":
                results["meteor"] = meteor.compute(hyp_tokens, ref_tokens)
            elif meteor_backend() == "c" and len(preds) > 1:
                # the compiled search releases the GIL: it runs beside everything else, split
                # in two only where this thread has no extraction to do (measured: a split
                # search slows the extraction more than it gains)
                threads = 2 if not self._inputs["labels"] and (os.cpu_count() or 1) > 1 else 1
                threaded = Meteor(use_stem=meteor.use_stem, threads=threads)
                meteor_future = _worker().submit(threaded.compute, hyp_tokens, ref_tokens)
            else:
                results["meteor"] = meteor.compute(hyp_tokens, ref_tokens)
        cider = "cider" in lexical and (frequencies is not None or not in_chunks)
        ngrams = None
        if "bleu" in lexical and cider:
            vocabulary = frequencies.vocabulary if frequencies is not None else None
            ngrams = count_ngrams(hyp_tokens, ref_tokens, 4, vocabulary)  # shared by both
        if "bleu" in lexical:
            results["bleu"] = self._metrics["bleu"].compute(hyp_tokens, ref_tokens, ngrams)
        if "rouge_l" in lexical:
            results["rouge_l"] = self._metrics["rouge_l"].compute(hyp_tokens, ref_tokens)
        if cider:
            cider_metric = self._metrics["cider"]
            results["cider"] = cider_metric.compute(hyp_tokens, ref_tokens, ngrams, frequencies)
        for name in self._inputs["tokens"]:
            if name not in lexical:
                results[name] = self._metrics[name].compute(hyp_tokens, ref_tokens)
        return meteor_future

    def _abandon(self, pending: _PendingLabels, drain: bool) -> None:
        """Leave no request in flight after an error: collect the helpers' answers (``drain``)
        or, on an interrupt, stop them."""
        for helper, _part in pending.sent:
            from .extract.worker import HelperError  # helpers were started: it is imported

            if drain:
                with contextlib.suppress(HelperError):
                    helper.result()
            else:
                helper.close()
                self._helpers.remove(helper)

    def labels(
        self, texts: Sequence[str], language: str | None = None
    ) -> list[dict[str, list[str]]]:
        """Organ x state labels of ``texts``, cached (reference texts repeat across calls).
        ``language``: read every text as this language (default: the scorer's, or each text's
        own, detected)."""
        texts = _validate.texts("texts", texts)
        return self._finish_labels(self._start_labels(texts, language or self.language))

    def _start_labels(self, texts: Sequence[str], language: str | None) -> _PendingLabels:
        """Look ``texts`` up in the cache and send a share of the rest to the helpers."""
        key = language or ""
        found: dict[str, dict[str, list[str]]] = {}
        todo: list[str] = []
        for text in dict.fromkeys(texts):  # each distinct text once
            cached = self._labels.get((key, text))
            if cached is None:
                todo.append(text)
            else:
                self._labels.move_to_end((key, text))
                found[text] = cached
        for helper in [h for h in self._helpers if not h.alive]:
            warnings.warn(
                "an extraction helper exited between calls; its share is extracted in this "
                "process from now on",
                stacklevel=4,
            )
            helper.close()
            self._helpers.remove(helper)
        helpers = list(self._helpers) if len(todo) >= _MIN_SHARED else []
        share = -(-len(todo) // (len(helpers) + 1))  # ceil: this process takes the first share
        sent = []
        for k, helper in enumerate(helpers, start=1):
            part = todo[k * share : (k + 1) * share]
            if part:
                helper.submit(part, language)
                sent.append((helper, part))
        return _PendingLabels(list(texts), language, found, todo[:share] if sent else todo, sent)

    def _finish_labels(self, pending: _PendingLabels) -> list[dict[str, list[str]]]:
        """Extract this process's share, collect the helpers', fill the cache, in text order."""
        try:
            extracted = self._extract_here(pending.own, pending.language)
        except BaseException as exc:
            self._abandon(pending, drain=isinstance(exc, Exception))
            raise
        for helper, part in pending.sent:
            from .extract.worker import HelperError  # helpers were started: it is imported

            try:
                timeout = _HELPER_START_S + _HELPER_S_PER_TEXT * len(part)
                extracted.update(zip(part, helper.result(timeout=timeout)))
            except HelperError as exc:
                warnings.warn(f"{exc}; extracting its share in this process", stacklevel=3)
                self._helpers.remove(helper)
                extracted.update(self._extract_here(part, pending.language))
        key = pending.language or ""
        for text, labels in extracted.items():
            if len(text) <= _LABEL_CACHE_CHARS:
                self._labels[(key, text)] = labels
        while len(self._labels) > _LABEL_CACHE_SIZE:
            self._labels.popitem(last=False)
        found = pending.found | extracted
        return [found[text] for text in pending.texts]

    def _extract_here(self, texts: list[str], language: str | None) -> dict[str, dict]:
        from .extract import Extractor

        if isinstance(self.extractor, Extractor):  # labels only: no reading outlives a batch
            tables = self.extractor.pipe(texts, language=language, findings=False)
        else:
            tables = self.extractor.pipe(texts, language=language)
        return dict(zip(texts, (table.labels for table in tables)))

    def close(self) -> None:
        """Stop the helper processes (the scorer goes on without them)."""
        helpers, self._helpers = self._helpers, []
        for helper in helpers:
            helper.close()

    def __enter__(self) -> Scorer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_helpers", None):
            with contextlib.suppress(Exception):  # at shutdown; helpers also exit on EOF
                self.close()

    def config(
        self, results: dict[str, MetricResult] | None = None, language: str | None = None
    ) -> dict[str, Any]:
        """Every setting that changes a number: tokenisation, organ set, backends, versions."""
        from importlib.metadata import version  # not an import of sacrebleu: its version only

        from . import __version__

        return {
            "language": language,
            "tokenization": self._tokenization(language)
            if language in _TOKENIZATION
            else {lang: self._tokenization(lang) for lang in _TOKENIZATION},
            "organs": list(self.clinical.organs),
            "organ_set_size": len(self.clinical.organs),
            "metrics": list(self.metrics),
            "meteor_backend": self.meteor_backend,
            # the extractor changes CE's numbers only (without CE, none is made)
            "extractor": self.extractor.signature if self._inputs["labels"] else None,
            "signatures": {name: r.signature for name, r in (results or {}).items()},
            "versions": {"pet2rep_metrics": __version__, "sacrebleu": version("sacrebleu")},
        }

    def _tokenization(self, language: str | None) -> str:
        if language == "zh" and self.zh_words:
            return "jieba-words"
        return _TOKENIZATION.get(language or "zh", "?")

    def language_of(self, refs) -> str:
        """The scoring language: the one given, else the majority detected in the references."""
        if self.language:
            return self.language
        votes = Counter(
            detect_language(r if isinstance(r, str) else (r[0] if r else "")) for r in refs[:200]
        )
        return votes.most_common(1)[0][0] if votes else "zh"


@dataclass
class _PendingLabels:
    texts: list[str]
    language: str | None
    found: dict[str, dict[str, list[str]]]  # from the cache
    own: list[str]  # extracted in this process
    sent: list[tuple[ExtractionHelper, list[str]]]  # (helper, its share)


@cache
def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pet2rep-meteor")
