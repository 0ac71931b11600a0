"""TermScanner finds on characters exactly what spaCy's PhraseMatcher(attr="LOWER") finds over
one-character tokens (every occurrence, nested and overlapping ones, case folded, folded blanks
ignored); the Chinese tokens are coarse and a finding's span covers exactly its words."""

from __future__ import annotations

import pytest
import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from pet2rep_metrics.extract import build_pipeline
from pet2rep_metrics.extract.pipeline import FINDINGS_KEY
from pet2rep_metrics.extract.terms import TermScanner
from pet2rep_metrics.extract.tokenizer import fold_blanks

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_VOCAB = spacy.blank("xx").vocab


def _char_doc(text: str) -> Doc:
    """One token per character; a blank right after a token is its whitespace (the tokenizer
    the Chinese pipeline used before its tokens became coarse)."""
    words, spaces = fold_blanks(text)
    return Doc(_VOCAB, words=words, spaces=spaces)


def _phrase_matches(terms: list[str], text: str) -> set[tuple[int, int, int]]:
    matcher = PhraseMatcher(_VOCAB, attr="LOWER")
    for index, term in enumerate(terms):
        pattern = _char_doc(term)
        if len(pattern):
            matcher.add(str(index), [pattern])
    doc = _char_doc(text)
    return {
        (doc[start].idx, doc[end - 1].idx + 1, int(_VOCAB.strings[match_id]))
        for match_id, start, end in matcher(doc)
    }


_ALPHABET = "肝右肺门叶Aab "


@settings(max_examples=500, deadline=None)
@example(terms=["A"], text=" ")  # a blank that starts the text is a token, not whitespace
@example(terms=[" "], text=" ")
@given(
    terms=st.lists(st.text(_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=8),
    text=st.text(_ALPHABET, max_size=40),
)
def test_scanner_finds_what_a_phrase_matcher_over_characters_finds(terms, text):
    assert set(TermScanner(terms).find(text)) == _phrase_matches(terms, text)


def test_overlapping_nested_and_spaced_terms():
    terms = ["右肺", "肺门", "肺", "右肺门淋巴结", "Lymph Node"]
    found = set(TermScanner(terms).find("右肺门区 lymph  node 及LYMPHNODE"))
    assert (0, 2, 0) in found and (1, 3, 1) in found and (1, 2, 2) in found
    assert not any(index == 3 for _, _, index in found)  # 右肺门淋巴结 is not in the text
    # "lymph  node": the first blank folds into 'h', the second is a token: no match there
    assert {(s, e) for s, e, i in found if i == 4} == {(18, 27)}


def test_chinese_tokens_are_coarse_and_spans_cover_exactly_the_finding():
    nlp = build_pipeline("zh")
    text = "右肺门淋巴结FDG摄取增高，SUVmax 5.2。肝脏未见异常放射性浓聚。"
    doc = nlp(text)
    normalized = doc.text  # full-width punctuation folded, one character for one
    assert len(normalized) == len(text)
    assert len(nlp.make_doc(text)) < len(text) / 2  # not one token per character
    assert [t.text for t in nlp.make_doc(text)][:4] == ["右肺门淋巴结", "FDG", "摄取增高", ","]
    spans = doc.spans[FINDINGS_KEY]
    assert [s.label_ for s in spans] == ["mediastinal_lymph_node:increased", "liver:normal"]
    for span in spans:
        finding = span._.pet2rep_finding
        assert span.text == normalized[finding.start : finding.end]
