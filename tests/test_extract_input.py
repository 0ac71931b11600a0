"""Bad and unusual input for the extractor and pet2rep-extract."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pet2rep_metrics.cli import extract_app
from pet2rep_metrics.io import InputError, read_reports

runner = CliRunner()


def test_empty_text(extractor):
    table = extractor("")
    assert table.labels == {} and table.findings == ()


def test_text_with_no_organ(extractor):
    assert extractor("患者男，65岁，体检发现CEA升高。").labels == {}
    assert extractor("Clinical history: weight loss.").labels == {}


def test_non_string_raises(extractor):
    with pytest.raises(TypeError, match="must be str"):
        extractor(None)


def test_one_megabyte_report(extractor):
    text = ("肝脏形态正常，FDG摄取未见异常。" * 70000)[:1_000_000]
    table = extractor(text)
    assert table.labels == {"liver": ["normal"]}


def test_non_utf8_text_file(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes("肝脏FDG摄取增高。\n".encode() + "脾脏".encode("gbk"))
    with pytest.raises(InputError, match=r"report\.txt:2: not UTF-8"):
        read_reports(path)
    result = runner.invoke(extract_app, [str(path)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_malformed_jsonl_names_line_and_writes_nothing(tmp_path):
    source = tmp_path / "reports.jsonl"
    source.write_text(
        '{"id": "a", "text": "肝脏FDG摄取增高。"}\n{"id": "b", "text": \n', encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(extract_app, [str(source), "-o", str(out)])
    assert result.exit_code == 2
    assert "reports.jsonl:2" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [source]  # no temporary file left behind


def test_jsonl_missing_text_and_duplicate_id(tmp_path):
    source = tmp_path / "r.jsonl"
    source.write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.jsonl:1: missing field 'text'"):
        read_reports(source)
    source.write_text('{"id": "a", "text": "x"}\n\n{"id": "a", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.jsonl:3: duplicate id 'a' \(first on line 1\)"):
        read_reports(source)


def test_cli_jsonl_round_trip(tmp_path):
    source = tmp_path / "reports.jsonl"
    rows = [
        {"id": "zh1", "text": "肝右叶见高代谢灶，SUVmax 6.1。"},
        {"id": "en1", "text": "No FDG-avid nodes in the axilla.", "language": "en"},
    ]
    source.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(extract_app, [str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in written] == ["zh1", "en1"]
    assert written[0]["labels"] == {"liver": ["increased"]}
    assert written[0]["findings"][0]["suvmax"] == 6.1
    assert written[1]["labels"] == {"axillary_lymph_node": ["normal"]}


def test_cli_table_on_terminal(tmp_path):
    path = tmp_path / "case7.txt"
    path.write_text("Intense FDG uptake in the left adrenal gland.", encoding="utf-8")
    result = runner.invoke(extract_app, [str(path)])
    assert result.exit_code == 0
    assert "adrenal" in result.output and "increased" in result.output and "case7" in result.output


def test_cli_rejects_bad_language(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("x", encoding="utf-8")
    result = runner.invoke(extract_app, [str(path), "--language", "fr"])
    assert result.exit_code == 2
    assert "--language" in result.output


def test_workers_give_the_same_rows_in_input_order(tmp_path):
    from typer.testing import CliRunner

    from pet2rep_metrics._synthetic import zh_report
    from pet2rep_metrics.cli import extract_app
    from pet2rep_metrics.extract import parallel

    rows = [{"id": f"r{i}", "text": zh_report(i)[0]} for i in range(40)]
    rows.insert(7, {"id": "en", "text": "Intense FDG uptake in the spleen.", "language": "en"})
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}.jsonl"
        result = CliRunner().invoke(
            extract_app, [str(source), "-o", str(out), "--workers", str(workers)]
        )
        assert result.exit_code == 0, result.output
        outputs[workers] = out.read_text("utf-8")
    assert outputs[1] == outputs[2]
    ids = [json.loads(line)["id"] for line in outputs[1].splitlines()]
    assert ids == [r["id"] for r in rows]
    assert parallel.BATCH > 0


def test_an_empty_jsonl_and_a_json_array_are_refused(tmp_path):
    from typer.testing import CliRunner

    from pet2rep_metrics.cli import extract_app

    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", "utf-8")
    array = tmp_path / "reports.json"
    array.write_text('[{"id": "a", "text": "x"}]', "utf-8")
    for path, message in ((empty, "no reports"), (array, "give JSONL")):
        result = CliRunner().invoke(extract_app, [str(path), "-o", str(tmp_path / "o.jsonl")])
        assert result.exit_code == 2 and message in result.output
        assert not (tmp_path / "o.jsonl").exists()
