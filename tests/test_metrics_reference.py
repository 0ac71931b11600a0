"""The lexical metrics against pycocoevalcap itself (its Python scorers, its Java PTBTokenizer
and METEOR), fed the same space-joined tokens. Skipped with a reason where pycocoevalcap or Java
is missing; run in CI, where both are installed."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.metrics import Bleu, Cider, Meteor, RougeL, tokenize

try:
    import pycocoevalcap
except ImportError:
    pycocoevalcap = None

# skips (not collection errors), so that CI can turn them into failures (PET2REP_REQUIRE)
pytestmark = [
    pytest.mark.reference,
    pytest.mark.skipif(
        pycocoevalcap is None, reason="pycocoevalcap not installed (pip install '.[reference]')"
    ),
]
needs_java = pytest.mark.skipif(
    shutil.which("java") is None, reason="Java not on PATH: pycocoevalcap's jars cannot run"
)

EN_SENTENCES = [
    "Intense FDG uptake in the right upper lobe (SUVmax 11.2).",
    "No FDG-avid nodes; can't exclude 10% change.",
    "The patient's liver, spleen, and kidneys are unremarkable.",
    'Uptake ≥2.5 is "abnormal" [see Fig. 2].',
    "e.g. mild uptake... Dr. Smith's note: 3-4 lesions, 1,000 mg.",
    "Hypermetabolic left neck mass - possibly reactive -- or not?",
    "It isn't avid; they're stable. U.S. guidelines.",
    "SUV max 6.0/5.2 and 18F-FDG PET/CT.",
    "Nonspecific physiologic activity seen in the tonsils / base of tongue.",
    "(a) Axial image; (b) coronal image.",
    "The mass measures 2.3 x 1.4 cm and abuts the aorta.",
    "1. Hypermetabolic nodes. 2. No bone lesions.",
]


def _zh_corpus(n: int = 40):
    hyps = [tokenize(zh_report(i)[0], "zh") for i in range(n)]
    refs = [[tokenize(zh_report(i + 7000)[0], "zh")] for i in range(n)]
    hyps[1] = []
    hyps[2] = hyps[2][:40]
    refs[3].append(tokenize(zh_report(99)[0], "zh"))  # two references for one case
    return hyps, refs


def _en_corpus():
    """English cases with two or three references each (PTB tokens, a larger vocabulary)."""
    sentences = [tokenize(s, "en") for s in EN_SENTENCES]
    hyps = list(sentences)
    refs = [
        [sentences[(i + 1) % len(sentences)], sentences[i][::-1], sentences[i][1:]][: 2 + i % 2]
        for i in range(len(sentences))
    ]
    return hyps, refs


def _corpus(name: str):
    return _zh_corpus() if name == "zh" else _en_corpus()


def _coco(hyps, refs):
    gts = {i: [" ".join(r) for r in rs] for i, rs in enumerate(refs)}
    res = {i: [" ".join(h)] for i, h in enumerate(hyps)}
    return gts, res


@pytest.mark.parametrize("corpus", ["zh", "en"])
def test_bleu_equals_pycocoevalcap(corpus):
    from pycocoevalcap.bleu.bleu import Bleu as CocoBleu

    hyps, refs = _corpus(corpus)
    corpus, per_case = CocoBleu(4).compute_score(*_coco(hyps, refs), verbose=0)
    mine = Bleu().compute(hyps, refs)
    for n in range(4):
        assert mine.extra[f"bleu_{n + 1}"] == pytest.approx(corpus[n], abs=1e-12)
        assert np.allclose(mine.extra[f"per_case_bleu_{n + 1}"], per_case[n], atol=1e-12, rtol=0)


def test_rouge_l_equals_pycocoevalcap():
    from pycocoevalcap.rouge.rouge import Rouge

    hyps, refs = _zh_corpus(12)
    corpus, per_case = Rouge().compute_score(*_coco(hyps, refs))
    mine = RougeL().compute(hyps, refs)
    assert mine.score == pytest.approx(corpus, abs=1e-12)
    assert np.allclose(mine.per_case, per_case, atol=1e-12, rtol=0)


@pytest.mark.parametrize("corpus", ["zh", "en"])
def test_cider_equals_pycocoevalcap(corpus):
    from pycocoevalcap.cider.cider import Cider as CocoCider

    hyps, refs = _corpus(corpus)
    corpus, per_case = CocoCider().compute_score(*_coco(hyps, refs))
    mine = Cider().compute(hyps, refs)
    assert mine.score == pytest.approx(corpus, abs=1e-12)
    assert np.allclose(mine.per_case, per_case, atol=1e-12, rtol=0)


@needs_java
def test_meteor_equals_java_on_chinese():
    from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor

    hyps, refs = _zh_corpus(12)
    gts, res = _coco(hyps, refs)
    res[1] = [" "]  # pycocoevalcap cannot send an empty segment
    corpus, per_case = JavaMeteor().compute_score(gts, res)
    mine = Meteor().compute(hyps, refs)
    assert abs(mine.score - corpus) <= 1e-9  # issue target: 0.001
    assert np.allclose(mine.per_case, per_case, atol=1e-9)


@needs_java
def test_meteor_stem_matches_equal_java_where_stemmers_disagree():
    """Words whose stems differ between NLTK's Snowball port and the jar's stemmer: METEOR's
    stem module must match (or not) exactly as the jar does."""
    from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor

    pairs = [
        ("realizers", "realize"),
        ("realizations", "realiz"),
        ("nstated", "nstat"),
        ("nstated", "nstate"),
        ("stringizer", "stringize"),
        ("cognizer", "cogniz"),
        ("lateral", "later"),
        ("internal", "interns"),
        ("organizations", "organ"),
    ]
    hyps = [["uptake", "in", "the", a, "region"] for a, _ in pairs]
    refs = [[["uptake", "in", "the", b, "region"]] for _, b in pairs]
    _, per_case = JavaMeteor().compute_score(*_coco(hyps, refs))
    mine = Meteor().compute(hyps, refs)
    assert np.allclose(mine.per_case, per_case, atol=1e-9)
    assert len(set(np.round(per_case, 6))) > 1  # some pairs match by stem, some do not


@needs_java
def test_ptb_tokenizer_equals_java():
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    out = PTBTokenizer().tokenize({i: [{"caption": s}] for i, s in enumerate(EN_SENTENCES)})
    for i, sentence in enumerate(EN_SENTENCES):
        assert tokenize(sentence, "en") == (out[i][0].split(" ") if out[i][0] else []), sentence


@needs_java
def test_java_meteor_backend_reports_the_jars_pooled_score():
    """--meteor java: the corpus score is the jar's pooled one, not the mean of its cases."""
    from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor

    from pet2rep_metrics import Scorer

    preds = [zh_report(i)[0] for i in range(10)]
    texts = [zh_report(i + 7000)[0] for i in range(10)]
    hyps = [tokenize(p, "zh") for p in preds]
    refs = [[tokenize(t, "zh")] for t in texts]
    corpus, per_case = JavaMeteor().compute_score(*_coco(hyps, refs))
    assert abs(corpus - float(np.mean(per_case))) > 1e-6  # the two differ on this corpus
    scored = Scorer(metrics=["meteor"], meteor="java", language="zh").score(preds, texts)
    assert scored["meteor"] == pytest.approx(corpus, abs=1e-12)
