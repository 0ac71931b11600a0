"""compile_caseless matches exactly what re.IGNORECASE matches: its table of letter forms is the
engine's own, every lexicon pattern finds the same matches (spans and groups) on the test
reports both ways, and random patterns over letters and operators agree on random text."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

import pet2rep_metrics.extract.caseless as caseless
from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.extract import Extractor
from pet2rep_metrics.extract.caseless import compile_caseless, write_cases

hypothesis = pytest.importorskip("hypothesis", reason="property tests need hypothesis")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HERE = Path(__file__).parent


def test_the_forms_of_each_letter_are_those_re_matches():
    characters = [chr(c) for c in range(0x3000)]  # every case partner of a Latin letter is here
    for letter in string.ascii_letters:
        regex = re.compile(re.escape(letter), re.IGNORECASE)
        forms = {c for c in characters if regex.fullmatch(c)}
        assert forms == set(caseless._FORMS[letter]), letter


def test_every_lexicon_pattern_matches_as_with_ignorecase(monkeypatch):
    sources: list[str] = []

    def recording(pattern: str) -> re.Pattern[str]:
        sources.append(pattern)
        return compile_caseless(pattern)

    from pet2rep_metrics.extract import cues, lexicon, organs, pipeline

    for module in (lexicon, organs, cues, pipeline):
        monkeypatch.setattr(module, "compile_caseless", recording)
    lexicon.load_lexicon.cache_clear()
    pipeline._modifier_regexes.cache_clear()
    pipeline._laterality_finder.cache_clear()
    texts = [zh_report(seed)[0] for seed in range(30)]
    for name in ("written_probes.jsonl", "written_heldout.jsonl"):
        lines = (HERE / "data" / name).read_text("utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines]
    extractor = Extractor()
    for text in [*texts[:40], "Left kidney: photopenic. 右肾未见显示。"]:
        assert extractor(text).findings is not None  # builds every pattern of both languages
    lexicon.load_lexicon.cache_clear()  # no recording pattern outlives the test
    pipeline._modifier_regexes.cache_clear()
    pipeline._laterality_finder.cache_clear()
    assert len(set(sources)) > 100
    written = 0
    for source in dict.fromkeys(sources):
        written += write_cases(source) is not None
        reference, fast = re.compile(source, re.IGNORECASE), compile_caseless(source)
        for text in texts:
            expected = [(m.span(), m.groupdict()) for m in reference.finditer(text)]
            assert [(m.span(), m.groupdict()) for m in fast.finditer(text)] == expected, source
    assert written == len(set(sources))  # none fell back to the flag


_PIECES = ["a", "A", "k", "s", "i", "İ", "ſ", "K", "z", "FDG", "1", " ", ".", "-", "摄"]
_OPERATORS = ["", "?", "*", "+", "{1,2}"]


@st.composite
def _patterns(draw, depth: int = 0) -> str:
    branches = []
    for _ in range(draw(st.integers(1, 3))):
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.integers(0, 6 if depth < 2 else 3))
            if kind <= 1:
                atom = re.escape(draw(st.sampled_from(_PIECES)))
            elif kind == 2:
                atom = "[" + draw(st.sampled_from(["a-f", "^s", "kK1", "A-Z", "i-k", "摄a"])) + "]"
            elif kind == 3:
                atom = draw(st.sampled_from([r"\b", r"\s", r"\w", r"\d", "^", "$"]))
            elif kind == 4:
                atom = "(?:" + draw(_patterns(depth + 1)) + ")"
            elif kind == 6:  # a scoped flag, as in a pattern made of written ones
                atom = "(?i:" + draw(_patterns(depth + 1)) + ")"
            else:
                atom = (
                    "(?P<g" + str(depth) + str(len(parts)) + ">" + draw(_patterns(depth + 1)) + ")"
                )
            parts.append(atom + draw(st.sampled_from(_OPERATORS)))
        branches.append("".join(parts))
    return "|".join(branches)


@settings(max_examples=500, deadline=None)
@example(pattern="a(?P<g01>a)", text="aA")  # a letter-led alternative holding a named group
@example(pattern="x(a)|y", text="XA y")
@example(pattern="(?i:s)?k|(?i:a(?P<g10>b))", text="ſK ab AB")
@given(pattern=_patterns(), text=st.text("aAkKsSiIİıKſzZfdgFDG1 .-摄", max_size=30))
def test_random_patterns_match_as_with_ignorecase(pattern, text):
    try:
        reference = re.compile(pattern, re.IGNORECASE)
    except re.error:
        return  # e.g. a group name used twice
    fast = compile_caseless(pattern)
    expected = [(m.span(), m.groups()) for m in reference.finditer(text)]
    assert [(m.span(), m.groups()) for m in fast.finditer(text)] == expected
