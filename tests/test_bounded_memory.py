"""Bounded memory: large calls are scored in chunks with the numbers of one call, caches keep
at most a fixed number of bounded entries, and an English pipeline's StringStore cannot grow
without end."""

from __future__ import annotations

import numpy as np
import pytest

from pet2rep_metrics import Extractor, Scorer
from pet2rep_metrics._cache import TokenMemo, bounded_cache
from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.metrics import tokenize
from pet2rep_metrics.metrics._ngrams import Vocabulary, count_ngrams
from pet2rep_metrics.metrics.bleu import Bleu
from pet2rep_metrics.metrics.cider import Cider, DocumentFrequency

METRICS = ["bleu", "meteor", "rouge_l", "cider", "ce"]
EN = [
    "A 2.1 cm nodule in the right upper lobe shows intense FDG uptake, SUVmax 7.2.",
    "No hypermetabolic mediastinal lymph nodes. The liver shows physiologic uptake.",
    "Diffusely increased splenic uptake, greater than liver. Marrow uptake is normal.",
    "The thyroid is metabolically unremarkable; mild uptake in the left tonsil.",
]


def _same(a: dict, b: dict) -> None:
    assert {k: v for k, v in a.items() if k != "config"} == {
        k: v for k, v in b.items() if k != "config"
    }


def test_chunks_give_the_numbers_of_one_call_zh():
    preds = [zh_report(i)[0] for i in range(90)]
    refs = [zh_report(i + 400)[0] for i in range(90)]
    whole = Scorer(metrics=METRICS).score(preds, refs, per_case=True)
    chunked = Scorer(metrics=METRICS, chunk_size=25).score(preds, refs, per_case=True)
    _same(whole, chunked)


def test_chunks_give_the_numbers_of_one_call_en_several_references():
    preds = [EN[i % 4] + f" Case {i}." for i in range(30)]
    refs = [[EN[(i + 1) % 4], EN[(i + 2) % 4] + f" Item {i}."] for i in range(30)]
    labels = [{"liver": ["normal"]} if i % 3 else None for i in range(30)]
    whole = Scorer(metrics=METRICS).score(preds, refs, ref_labels=labels, per_case=True)
    chunked = Scorer(metrics=METRICS, chunk_size=7).score(
        preds, refs, ref_labels=labels, per_case=True
    )
    _same(whole, chunked)


def test_global_ngram_codes_count_what_call_codes_count():
    # many segments and a large vocabulary: the (segment, code) pair path, not one 64-bit key
    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in range(9000)]
    hyps = [list(rng.choice(words, 30)) for _ in range(600)]
    refs = [[list(rng.choice(words, 30))] for _ in range(600)]
    vocabulary = Vocabulary.of(w for s in [*hyps, *(r[0] for r in refs)] for w in s)
    shared = count_ngrams(hyps, refs, 4, vocabulary)
    assert shared.vocabulary is vocabulary
    assert Bleu().compute(hyps, refs, shared).score == Bleu().compute(hyps, refs).score
    frequencies = DocumentFrequency(vocabulary)
    frequencies.add(shared)
    with_df = Cider().compute(hyps, refs, shared, frequencies).per_case
    np.testing.assert_array_equal(with_df, Cider().compute(hyps, refs).per_case)


def test_cider_frequencies_need_their_vocabulary():
    hyps, refs = [tokenize("肝脏摄取增高", "zh")], [[tokenize("脾脏摄取增高", "zh")]]
    frequencies = DocumentFrequency(Vocabulary.of(["x"]))
    with pytest.raises(ValueError, match="vocabulary"):
        frequencies.add(count_ngrams(hyps, refs, 4))


def test_bounded_cache_keeps_only_short_keys():
    calls = []

    @bounded_cache(maxsize=4, max_chars=5)
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    for text in ["ab", "ab", "abcdefgh", "abcdefgh"]:
        assert upper(text) == text.upper()
    assert calls == ["ab", "abcdefgh", "abcdefgh"]  # the long text is never kept
    assert upper.cache_info().currsize == 1


def test_token_memo_keeps_at_most_its_bound_of_short_tokens():
    calls = []

    def upper(token: str) -> tuple[str]:
        calls.append(token)
        return (token.upper(),)

    memo = TokenMemo(upper, maxsize=3, max_chars=4)
    assert memo.map(["ab", "cd", "ab", "toolong", "toolong"]) == [
        ("AB",), ("CD",), ("AB",), ("TOOLONG",), ("TOOLONG",)
    ]  # fmt: skip
    assert calls == ["ab", "cd", "toolong", "toolong"]  # a long token is never kept
    memo.map(["e", "f", "g"])
    assert len(memo) == 3 and memo.map(["g"]) == [("G",)] and calls[-1] == "g"
    assert memo.map(["ab"]) == [("AB",)] and calls[-1] == "ab"  # the oldest went first


def test_an_english_pipeline_is_rebuilt_past_its_string_bound(monkeypatch):
    from pet2rep_metrics.extract import pipeline

    monkeypatch.setitem(pipeline.STRING_GROWTH_LIMIT, "en", 50)
    extractor = Extractor(language="en")
    texts = [
        f"Nodule {i} of {i * 7919} mm in the liver with SUVmax {i}.{i % 7}." for i in range(120)
    ]
    first = extractor.pipeline("en")
    labels = [t.labels for t in extractor.pipe(texts, batch_size=10)]
    assert extractor.pipeline("en") is not first  # rebuilt at least once
    assert len(extractor.pipeline("en").vocab.strings) < len(first.vocab.strings)
    assert labels == [t.labels for t in Extractor(language="en").pipe(texts)]
