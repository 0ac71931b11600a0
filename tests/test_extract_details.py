"""Finding fields, offsets, sections, language detection, normalisation and determinism."""

from __future__ import annotations

import pytest

from pet2rep_metrics import Extractor, extract
from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.extract.normalize import detect_language, normalize_text


def _one(table, organ):
    found = [f for f in table.findings if f.organ == organ]
    assert found, f"no finding for {organ}: {table.findings}"
    return found[0]


def test_finding_fields_zh(extractor):
    text = "影像所见：右肺上叶见一结节，局灶性FDG摄取明显增高，SUVmax约7.4。\n影像诊断：右肺上叶结节，考虑肺癌可能。"
    finding = _one(extractor(text), "lung")
    assert finding.state == "increased"
    assert finding.suvmax == 7.4
    assert finding.laterality == "right"
    assert finding.pattern == "focal"
    assert finding.intensity == "intense"
    assert finding.section == "findings"
    assert finding.negated is False
    # offsets index the original text
    assert text[finding.start : finding.end] == finding.evidence
    assert "增高" in finding.evidence
    assert text[finding.sentence_start : finding.sentence_end].startswith("右肺上叶")


def test_finding_fields_en(extractor):
    text = "IMPRESSION: Mildly FDG-avid left axillary node (SUVmax 3.2), possibly reactive."
    finding = _one(extractor(text), "axillary_lymph_node")
    assert (finding.state, finding.intensity, finding.laterality, finding.suvmax) == (
        "increased",
        "mild",
        "left",
        3.2,
    )
    assert finding.uncertain is True
    assert finding.section == "impression"


def test_negated_and_normal_flags(extractor):
    finding = _one(extractor("脾脏未见异常放射性浓聚。"), "spleen")
    assert finding.state == "normal" and finding.negated is True


def test_offsets_survive_full_width_and_brackets(extractor):
    text = "甲状腺【形态正常】，ＦＤＧ【摄取增高】，ＳＵＶｍａｘ　５．１。"
    table = extractor(text)
    finding = _one(table, "thyroid")
    assert finding.suvmax == 5.1
    assert text[finding.start : finding.end] == finding.evidence
    assert finding.evidence.startswith("甲状腺")


def test_to_frame_and_to_dict(extractor):
    table = extractor("肝脏FDG摄取增高。脾脏FDG摄取未见异常。")
    frame = table.to_frame()
    assert list(frame["organ"]) == ["liver", "spleen"]
    assert {"state", "suvmax", "evidence", "start", "end"} <= set(frame.columns)
    as_dict = table.to_dict()
    assert as_dict["labels"] == {"liver": ["increased"], "spleen": ["normal"]}
    assert len(as_dict["findings"]) == 2


def test_public_extract_function():
    assert extract("The spleen shows intense FDG uptake.").labels == {"spleen": ["increased"]}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("肝脏FDG摄取增高，SUVmax 5.2。", "zh"),
        ("Liver: intense FDG uptake, SUVmax 5.2.", "en"),
        ("PET/CT: 双肺多发结节 FDG avid", "zh"),
        ("", "en"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_language_override(extractor):
    # a Chinese report read with the English pipeline finds nothing: the override is honoured
    assert extractor("肝脏FDG摄取增高。", language="en").labels == {}
    with pytest.raises(ValueError, match="unsupported language"):
        extractor("text", language="fr")


def test_normalize_maps_offsets_back():
    original = "ＦＤＧ【摄取】  增高\u3000，SUV‑max"
    norm = normalize_text(original)
    assert norm.text == "FDG摄取 增高 ,SUV-max"
    for i, char in enumerate(norm.text):
        source = original[norm.origin[i]]
        assert source == char or source in "ＦＤＧ\u3000，‑ "


def test_same_input_same_output():
    texts = [zh_report(seed)[0] for seed in range(20)]
    first = [t.to_dict() for t in Extractor().pipe(texts)]
    second = [t.to_dict() for t in Extractor().pipe(reversed(texts))]
    assert first == list(reversed(second))


def test_pipe_matches_single_calls(extractor):
    texts = ["肝脏FDG摄取增高。", "No abnormal uptake in the liver.", "", "胃壁FDG代谢增高。"]
    assert [t.labels for t in extractor.pipe(texts, batch_size=2)] == [
        extractor(t).labels for t in texts
    ]


def test_synthetic_reports_are_read_exactly(extractor):
    reports = [zh_report(seed) for seed in range(300)]
    wrong = [
        seed
        for seed, ((text, labels), table) in enumerate(
            zip(reports, extractor.pipe(r[0] for r in reports))
        )
        if table.labels != labels
    ]
    assert wrong == []
