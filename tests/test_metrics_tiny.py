"""Lexical metrics and CE on tiny cases computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pet2rep_metrics import Scorer
from pet2rep_metrics.labels import organ_set
from pet2rep_metrics.metrics import (
    Bleu,
    Cider,
    ClinicalEfficacy,
    Meteor,
    RougeL,
    bootstrap_ci,
    paired_randomization,
    tokenize,
)
from pet2rep_metrics.metrics.base import MetricResult


def test_bleu_by_hand():
    hyp = ["a", "b", "c", "d"]
    ref = ["a", "b", "c", "e", "f"]
    result = Bleu().compute([hyp], [[ref]])
    # unigrams 3/4, bigrams 2/3, trigrams 1/2, 4-grams 0/1; brevity penalty exp(1 - 5/4)
    bp = math.exp(1 - 5 / 4)
    assert result.extra["bleu_1"] == pytest.approx(bp * 0.75, abs=1e-9)
    assert result.extra["bleu_2"] == pytest.approx(bp * math.sqrt(0.75 * 2 / 3), abs=1e-9)
    assert result.extra["bleu_4"] == pytest.approx(0.0, abs=1e-4)


def test_bleu_exact_match_is_not_quite_one():
    tokens = ["肝", "脏", "摄", "取", "增", "高"]
    ratio = (6 + 1e-15) / (6 + 1e-9)  # the smoothing makes even an exact match "short"
    expected = math.prod((g + 1e-15) / (g + 1e-9) for g in (6, 5, 4, 3)) ** 0.25 * math.exp(
        1 - 1 / ratio
    )
    score = Bleu().compute([tokens], [[tokens]]).score
    assert score == pytest.approx(expected, abs=1e-15) and score < 1.0


def test_bleu_closest_reference_length_ties_to_shorter():
    result = Bleu(1).compute([["a", "b", "c"]], [[["a", "b"], ["a", "b", "c", "d"]]])
    # |3-2| == |3-4|: the shorter (2) is taken, so no brevity penalty
    assert result.extra["bleu_1"] == pytest.approx(1.0, abs=1e-8)


def test_rouge_l_by_hand():
    result = RougeL().compute([["a", "b", "c", "d"]], [[["a", "c", "d", "e", "f"]]])
    p, r, b2 = 3 / 4, 3 / 5, 1.2**2
    assert result.score == pytest.approx((1 + b2) * p * r / (r + b2 * p))


def test_empty_prediction_scores_zero():
    scores = Scorer(metrics=["bleu", "rouge_l", "cider", "meteor", "ce"]).score(
        ["", "肝脏摄取增高"], ["肝脏摄取增高", "肝脏摄取增高"], per_case=True
    )
    per_case = scores["per_case"]
    assert per_case["bleu_4"][0] == pytest.approx(0.0, abs=1e-6)
    assert per_case["rouge_l"][0] == 0.0 and per_case["meteor"][0] == 0.0


def test_cider_single_case_is_zero_and_identical_pair_scores():
    assert Cider().compute([["a", "b"]], [[["a", "b"]]]).score == 0.0
    result = Cider().compute(
        [["a", "b", "c"], ["x", "y", "z"]], [[["a", "b", "c"]], [["x", "y", "w"]]]
    )
    assert result.per_case[0] > result.per_case[1] > 0


def test_meteor_identical_and_disjoint():
    tokens = ["a", "b", "c", "d"]
    assert Meteor().compute([tokens], [[tokens]]).score == pytest.approx(1.0 * (1 - 0.0))
    assert Meteor().compute([["x"]], [[["y"]]]).score == 0.0


def test_meteor_by_hand_one_chunk():
    # 3 of 4 matched in one chunk: P = 3/4, R = 3/3, frag = 1/3
    result = Meteor().compute([["ka", "kb", "kc", "kd"]], [[["ka", "kb", "kc"]]])
    p, r = 0.75, 1.0
    fmean = 1 / ((1 - 0.85) / p + 0.85 / r)
    assert result.score == pytest.approx(fmean * (1 - 0.6 * (1 / 3) ** 0.2))


def test_tokenize_zh_and_en():
    assert tokenize("18F-FDG摄取增高，SUVmax 5.2。", "zh") == [
        "18f-fdg",
        "摄",
        "取",
        "增",
        "高",
        "suvmax",
        "5.2",
    ]
    assert tokenize("ＦＤＧ，ＳＵＶ", "zh") == ["fdg", "suv"]
    assert tokenize("Can't exclude 10% (SUV 2.5).", "en") == [
        "ca",
        "n't",
        "exclude",
        "10",
        "%",
        "-lrb-",
        "suv",
        "2.5",
        "-rrb-",
    ]


def test_clinical_efficacy_by_hand():
    organs = ["liver", "lung", "bone"]
    metric = ClinicalEfficacy(organs)
    pred = [
        {"liver": ["increased"], "lung": ["normal"]},
        {"bone": ["decreased"], "lung": ["increased"]},
    ]
    ref = [
        {"liver": ["increased"], "lung": ["increased"]},
        {"bone": ["absent"], "lung": ["increased"], "spleen": ["increased"]},
    ]
    result = metric.compute(pred, ref)
    # increased: tp 2 (liver c0, lung c1), fn 1 (lung c0) -> P 1, R 2/3
    # decreased: fp 1 -> P 0, R 0 (no support); absent: fn 1 -> P 0, R 0
    precision, recall = (1 + 0 + 0) / 3, (2 / 3 + 0 + 0) / 3
    assert result.extra["ce_precision"] == pytest.approx(precision)
    assert result.extra["ce_recall"] == pytest.approx(recall)
    assert result.extra["ce_f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    # described organs in the set: liver, lung (c0), bone, lung (c1): exact for liver, lung(c1)
    assert result.extra["oua_accuracy"] == pytest.approx(2 / 4)
    assert result.extra["per_state"]["increased"]["support"] == 3
    assert result.per_case[0] == pytest.approx(2 * 1 * 0.5 / 1.5)  # case 0: tp 1, fn 1


def test_clinical_unknown_organ_in_set():
    with pytest.raises(ValueError, match="unknown organ"):
        ClinicalEfficacy(["liver", "kidneys"])
    assert organ_set("liver,lung") == ("liver", "lung")


def test_scorer_uses_gold_reference_labels():
    scorer = Scorer(metrics=["ce"], organs="all")
    preds = ["肝脏FDG摄取增高。"]
    out = scorer.score(preds, ["无关的参考文本。"], ref_labels=[{"liver": ["increased"]}])
    assert out["ce_f1"] > 0 and out["oua_accuracy"] == 1.0


def test_scorer_output_keys_and_signature():
    out = Scorer().score(["肝脏FDG摄取增高。"], ["肝脏FDG摄取增高。"])
    for key in (
        "bleu_1",
        "bleu_4",
        "meteor",
        "rouge_l",
        "cider",
        "ce_precision",
        "ce_recall",
        "ce_f1",
        "oua_accuracy",
        "n",
    ):
        assert key in out
    signatures = out["config"]["signatures"]
    assert signatures["bleu"].startswith("bleu|n:4|reflen:closest")
    assert "organs:21" in signatures["ce"]


def test_bootstrap_and_paired_test_are_deterministic():
    scorer = Scorer(metrics=["bleu", "ce"])
    refs = [
        "肝脏FDG摄取增高。",
        "脾脏FDG摄取未见异常。",
        "右肺结节FDG代谢增高。",
        "胃壁FDG摄取增高。",
    ]
    a = scorer.results(refs, refs)
    b = scorer.results(["肝脏。", "脾脏。", "肺。", "胃。"], refs)
    ci1, ci2 = bootstrap_ci(a["bleu"], 200, seed=1), bootstrap_ci(a["bleu"], 200, seed=1)
    assert ci1 == ci2 and ci1["bleu_4"][0] <= a["bleu"].score <= ci1["bleu_4"][1] + 1e-12
    p = paired_randomization(a["bleu"], b["bleu"], 500)
    assert 0 < p["bleu_4"] <= 0.2
    same = paired_randomization(a["ce"], a["ce"], 100)
    assert same["ce_f1"] == 1.0


def _loop_bootstrap(result, n, seed=0):
    # the plain algorithm the shortcuts of metrics/stats.py must reproduce bit for bit
    rng = np.random.default_rng(seed)
    draws: dict[str, list[float]] = {}
    for _ in range(n):
        for key, value in result.pooled(
            rng.integers(0, len(result.per_case), len(result.per_case))
        ).items():
            draws.setdefault(key, []).append(value)
    return {
        k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in draws.items()
    }


def _loop_paired(a, b, n, seed=0):
    rng = np.random.default_rng(seed)
    observed = {k: abs(a.pooled()[k] - b.pooled()[k]) for k in a.pooled()}
    hits = dict.fromkeys(observed, 0)
    for _ in range(n):
        swap = rng.random(len(a.per_case)) < 0.5
        pa = a.pool(np.where(swap[:, None], b.statistics, a.statistics))
        pb = b.pool(np.where(swap[:, None], a.statistics, b.statistics))
        for k in observed:
            hits[k] += abs(pa[k] - pb[k]) >= observed[k] - 1e-12
    return {k: (hits[k] + 1) / (n + 1) for k in observed}


def test_interval_and_test_shortcuts_give_the_numbers_of_the_plain_loop():
    from pet2rep_metrics._synthetic import zh_report

    refs = [zh_report(i)[0] for i in range(41)]
    scorer = Scorer()
    a = scorer.results([zh_report(i + 500)[0] for i in range(41)], refs)
    b = scorer.results([zh_report(i + 900)[0] for i in range(41)], refs)
    assert a["bleu"].additive and a["ce"].additive and a["meteor"].additive
    assert not a["rouge_l"].additive and a["rouge_l"].aggregate is None  # a mean of cases
    # a mean with an undefined case takes the loop
    nan_case = MetricResult("m", 0.5, np.array([0.2, np.nan, 0.9, 0.4]), "m")
    other = MetricResult("m", 0.3, np.array([0.1, 0.5, np.nan, 0.3]), "m")
    for result in [*a.values(), nan_case]:
        assert bootstrap_ci(result, 300, seed=3) == _loop_bootstrap(result, 300, seed=3)
    for name in a:
        assert paired_randomization(a[name], b[name], 300) == _loop_paired(a[name], b[name], 300)
    assert paired_randomization(nan_case, other, 300) == _loop_paired(nan_case, other, 300)


def test_scorer_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown metric"):
        Scorer(metrics=["bleu", "spice"])
    with pytest.raises(ValueError, match="predictions but"):
        Scorer().score(["a"], ["a", "b"])
    assert np.isfinite(Scorer(metrics=["rouge_l"]).score([""], [""])["rouge_l"])


@pytest.mark.compiled
def test_compiled_and_python_meteor_agree(monkeypatch):
    from pet2rep_metrics._synthetic import zh_report
    from pet2rep_metrics.metrics import meteor

    if meteor.backend() != "c":
        pytest.skip("the compiled METEOR search is not built here (no C compiler at install)")

    hyps = [tokenize(zh_report(i)[0], "zh") for i in range(6)]
    refs = [[tokenize(zh_report(i + 50)[0], "zh")] for i in range(6)]
    hyps.append(["kidneys", "show", "uptake"])
    refs.append([["the", "kidney", "shows", "uptake"]])
    first = Meteor().compute(hyps, refs)
    meteor.normalize.cache_clear()
    monkeypatch.setattr(meteor, "_native", lambda: None)
    second = Meteor().compute(hyps, refs)
    assert first.score == second.score
    assert np.array_equal(first.per_case, second.per_case)


def test_ngram_counts_recoded_densely_give_the_same_scores(monkeypatch):
    """Large vocabularies re-code n-grams densely to keep keys exact: same numbers."""
    from pet2rep_metrics._synthetic import zh_report
    from pet2rep_metrics.metrics import _ngrams

    hyps = [tokenize(zh_report(i)[0], "zh") for i in range(5)] + [[], ["x"]]
    refs = [[tokenize(zh_report(i + 40)[0], "zh")] for i in range(5)] + [[["x", "y"]], [["x"]]]
    refs[0].append(hyps[0][:30])
    direct = Bleu().compute(hyps, refs), Cider().compute(hyps, refs)
    monkeypatch.setattr(_ngrams, "_KEY_LIMIT", 2**24)
    recoded = Bleu().compute(hyps, refs), Cider().compute(hyps, refs)
    for before, after in zip(direct, recoded):
        assert before.score == after.score
        assert np.array_equal(before.per_case, after.per_case)


def test_bleu_and_cider_share_one_count():
    from pet2rep_metrics.metrics._ngrams import count_ngrams

    hyps = [["a", "b", "c", "d"], ["b", "c"]]
    refs = [[["a", "b", "c"], ["d", "a", "b"]], [["c", "b"]]]
    counts = count_ngrams(hyps, refs, 4)
    shared, own = Bleu().compute(hyps, refs, counts), Bleu().compute(hyps, refs)
    assert np.array_equal(shared.case_stats, own.case_stats)
    assert shared.extra["bleu_2"] == own.extra["bleu_2"] > 0
    assert Cider().compute(hyps, refs, counts).score == Cider().compute(hyps, refs).score
    # bigram rows of the first hypothesis: ab, bc, cd once each
    hyp_rows, _ = counts.split(2)
    assert hyp_rows.count[hyp_rows.segment == 0].tolist() == [1, 1, 1]


def test_chinese_tokens_skip_nfkc_only_where_it_changes_nothing():
    import random
    import unicodedata

    from pet2rep_metrics.metrics.tokenize import _ZH_TOKEN

    rng = random.Random(7)
    pool = list("肝脏摄取增高ＡＢ１２ａ.．/-－，。×°℃㎝µ〇﨑Ⅷ①ｃｍ  abcXYZ09") + [
        chr(rng.randrange(0x20, 0x3100)) for _ in range(400)
    ]
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(1, 24)))
        expected = _ZH_TOKEN.findall(unicodedata.normalize("NFKC", text).lower())
        assert tokenize(text, "zh") == expected, text
    assert tokenize("病灶２．５ｃｍ，SUVmax＝３．１", "zh") == [
        "病",
        "灶",
        "2.5cm",
        "suvmax",
        "3.1",
    ]


def test_meteor_split_over_threads_gives_the_same_statistics():
    from pet2rep_metrics._synthetic import zh_report
    from pet2rep_metrics.metrics import meteor

    if meteor.backend() != "c":
        pytest.skip("the C search was not built: threads only split compiled calls")
    hyps = [tokenize(zh_report(i)[0], "zh") for i in range(7)]
    refs = [[tokenize(zh_report(i + 90)[0], "zh"), hyps[i][5:60]] for i in range(7)]
    one, three = Meteor().compute(hyps, refs), Meteor(threads=3).compute(hyps, refs)
    assert np.array_equal(one.case_stats, three.case_stats)
    assert one.score == three.score


def test_an_english_report_in_a_chinese_corpus_gets_its_labels():
    """CE reads each report in its own language; the corpus language only tokenises."""
    from pet2rep_metrics import Extractor, Scorer

    english = "Intense FDG uptake in the spleen."
    preds = ["肝脏FDG摄取增高。", english, "脾脏FDG摄取未见异常。"]
    refs = ["肝脏FDG摄取增高。", "脾脏FDG摄取增高。", "脾脏FDG摄取未见异常。"]
    scorer = Scorer(metrics=["ce"])
    assert scorer.language_of(refs) == "zh"
    assert scorer.labels([english]) == [Extractor()(english).labels] == [{"spleen": ["increased"]}]
    result = scorer.score(preds, refs, per_case=True)
    assert result["per_case"]["ce_f1"][1] == 1.0  # the English prediction matches its reference
