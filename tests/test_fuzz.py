"""Property tests on random text: random Unicode, and mixes of the extractor's own vocabulary
(organ words, cue words, negations, SUV values, punctuation, blanks). For every text: no
exception, the same output twice and in a batch, every finding's span indexes the original
text and lies inside its sentence, and the JSON written is valid (no NaN or Infinity)."""

from __future__ import annotations

import json

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pet2rep_metrics import Extractor, Scorer  # noqa: E402
from pet2rep_metrics.io import json_line  # noqa: E402

VOCABULARY = [
    "肝脏",
    "脾",
    "双肺",
    "纵隔",
    "淋巴结",
    "颈部",
    "腋窝",
    "骨髓",
    "胆囊",
    "甲状腺",
    "上述病灶",
    "FDG",
    "摄取",
    "代谢",
    "增高",
    "减低",
    "缺损",
    "未见",
    "异常",
    "正常",
    "均匀",
    "生理性",
    "考虑",
    "与肝脏相仿",
    "低于纵隔血池",
    "术后缺如",
    "见",
    "及",
    "、",
    "，",
    "。",
    "：",
    ":",
    ";",
    "\n",
    " ",
    "\r\n",
    "\u2028",
    "（",
    "）",
    "(",
    ")",
    "[",
    "]",
    "【",
    "】",
    "liver",
    "spleen",
    "lymph nodes",
    "lung",
    "bone marrow",
    "thyroid",
    "the lesion",
    "it",
    "increased",
    "uptake",
    "hypermetabolic",
    "FDG-avid",
    "no",
    "not",
    "without",
    "physiologic",
    "below the blood pool",
    "similar to the liver",
    "photopenic",
    "surgically absent",
    "mild",
    "SUVmax",
    "SUVmax 7.2",
    "SUV max of",
    "12",
    "3.5",
    "999999999",
    "History:",
    "IMPRESSION:",
    "1.",
    "Lymph nodes:",
    "淋巴结：",
    ", ",
    ". ",
    "all of these lesions",
    "This corresponded to",
]
vocabulary_text = st.lists(st.sampled_from(VOCABULARY), max_size=60).map("".join)
unicode_text = st.text(max_size=300)
any_text = st.one_of(
    vocabulary_text, unicode_text, st.tuples(vocabulary_text, unicode_text).map("".join)
)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fresh():
    return Extractor()


def _view(table):
    return table.labels, [f.to_dict() for f in table.findings]


@FUZZ
@given(text=any_text)
def test_extract_random_text(extractor, fresh, text):
    table = extractor(text)
    again = fresh(text)
    assert _view(table) == _view(again)
    for finding in table.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.evidence
        assert finding.sentence_start <= finding.start
        assert finding.end <= finding.sentence_end
    line = json_line({"id": "x", **table.to_dict()})
    json.loads(line, parse_constant=lambda c: pytest.fail(f"non-finite number {c}"))


@FUZZ
@given(texts=st.lists(any_text, min_size=1, max_size=6))
def test_batch_equals_one_by_one(extractor, texts):
    assert [t.labels for t in extractor.pipe(texts)] == [extractor(t).labels for t in texts]


@pytest.fixture(scope="module")
def scorer():
    return Scorer(metrics=["bleu", "rouge_l", "cider", "ce"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preds=st.lists(any_text, min_size=2, max_size=4))
def test_score_random_predictions(scorer, preds):
    refs = ["肝脏FDG摄取增高。脾脏FDG摄取未见异常。"] * len(preds)
    first = scorer.score(preds, refs, per_case=True)
    assert scorer.score(preds, refs, per_case=True) == first
    json.loads(json_line(first), parse_constant=lambda c: pytest.fail(f"non-finite number {c}"))
