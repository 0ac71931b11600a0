"""The spaCy pipeline is the extractor: nlp(text) gives the labels Extractor gives (on every
test report), traditional characters included; findings are spans; the pipeline saves with
nlp.to_disk and loads with spacy.load in a fresh interpreter; displacy shows the findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pet2rep_metrics.extract import Extractor, build_pipeline
from pet2rep_metrics.extract.normalize import detect_language
from pet2rep_metrics.extract.pipeline import FINDINGS_KEY

HERE = Path(__file__).parent


def _test_reports() -> list[str]:
    from test_extract_classes import CLASS_CASES
    from test_extract_labels import CASE_GROUPS

    texts = [t for cases in CASE_GROUPS.values() for t, _ in cases]
    texts += [t for cases in CLASS_CASES.values() for t, _ in cases]
    probes = (HERE / "data" / "written_probes.jsonl").read_text("utf-8").splitlines()
    return texts + [json.loads(line)["text"] for line in probes]


@pytest.fixture(scope="module")
def pipelines():
    return {language: build_pipeline(language) for language in ("zh", "en")}


def test_nlp_equals_the_extractor_on_every_test_report(pipelines, extractor):
    texts = _test_reports()
    assert len(texts) > 500
    for text in texts:
        doc = pipelines[detect_language(text)](text)
        table = extractor(text)
        assert doc._.pet2rep_labels == table.labels, text
        spans = doc.spans[FINDINGS_KEY]
        from_spans = sorted((s._.pet2rep_finding for s in spans), key=repr)
        assert from_spans == sorted(table.findings, key=repr), text


def test_traditional_characters_through_the_pipeline(pipelines):
    doc = pipelines["zh"]("肝臟FDG攝取增高。脾臟FDG攝取未見異常。")
    assert doc._.pet2rep_labels == {"liver": ["increased"], "spleen": ["normal"]}
    assert [s.label_ for s in doc.spans[FINDINGS_KEY]] == ["liver:increased", "spleen:normal"]
    assert doc.spans[FINDINGS_KEY][0]._.pet2rep_finding.evidence == "肝臟FDG攝取增高"


def test_to_disk_and_spacy_load_in_a_fresh_interpreter(tmp_path, pipelines):
    text = "肝右叶见一低密度肿块，FDG摄取明显增高。Intense uptake in the spleen."
    for language, nlp in pipelines.items():
        folder = tmp_path / language
        nlp.to_disk(folder)
        code = (
            "import json, sys, spacy\n"
            f"doc = spacy.load({str(folder)!r})({text!r})\n"
            "print(json.dumps(doc._.pet2rep_labels, ensure_ascii=False))\n"
            "assert 'pet2rep_metrics' in sys.modules  # found by spaCy's entry points\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert json.loads(out.stdout) == nlp(text)._.pet2rep_labels


def test_blank_pipeline_tokens_carry_the_cheap_lexical_attributes(pipelines, tmp_path):
    from spacy import attrs

    nlp = pipelines["zh"]
    doc = nlp("右肺门见FDG摄取增高灶，SUVmax 5.1。")
    fdg = next(t for t in doc if t.text == "FDG")
    comma = next(t for t in doc if t.text == ",")  # the normalised full-width comma
    assert (fdg.lower_, fdg.norm_, fdg.is_alpha, fdg.is_upper, fdg.is_ascii) == (
        "fdg", "fdg", True, True, True,
    )  # fmt: skip
    assert comma.is_punct and not comma.is_alpha and doc[0].lang_ == "zh"
    # the costly ones are not computed (spaCy recomputes them for every unseen token)
    left_out = {attrs.SHAPE, attrs.PREFIX, attrs.SUFFIX, attrs.LIKE_NUM, attrs.LIKE_URL}
    assert not left_out & set(nlp.vocab.lex_attr_getters)
    assert fdg.shape_ == "" and not next(t for t in doc if t.text == "5").like_num
    # the same vocabulary after a save and load (the tokenizer sets it)
    nlp.to_disk(tmp_path / "zh")
    import spacy

    loaded = spacy.load(tmp_path / "zh")
    assert set(loaded.vocab.lex_attr_getters) == set(nlp.vocab.lex_attr_getters)
    assert not left_out & set(pipelines["en"].vocab.lex_attr_getters)  # blank English too
    liver = pipelines["en"]("Intense LIVER uptake.")[1]
    assert (liver.lower_, liver.is_alpha, liver.is_upper) == ("liver", True, True)


def test_displacy_shows_the_findings():
    html = Extractor().show("肝脏FDG摄取增高。脾脏FDG摄取未见异常。")
    assert "liver:increased" in html.lower() and "spleen:normal" in html.lower()
    assert html.lstrip().lower().startswith("<!doctype html>")


def test_pipe_without_findings_keeps_the_labels_and_refuses_findings(extractor):
    texts = _test_reports()[:80]
    full = list(extractor.pipe(texts))
    light = list(extractor.pipe(texts, findings=False))
    assert [t.labels for t in light] == [t.labels for t in full]
    assert any(t.findings for t in full)
    with pytest.raises(ValueError, match="findings=False"):
        _ = light[0].findings
