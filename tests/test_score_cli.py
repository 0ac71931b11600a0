"""pet2rep-score: inputs, outputs and bad input."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from pet2rep_metrics.cli import score_app

runner = CliRunner()
REF_A = "肝右叶见一低密度肿块，FDG摄取明显增高，SUVmax约9.3。脾脏FDG摄取未见异常。"
REF_B = "双肺未见结节，FDG摄取未见异常。左肾囊肿，FDG摄取缺失。"


def _write(path, rows):
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.fixture
def refs(tmp_path):
    return _write(tmp_path / "refs.jsonl", [{"id": "a", "text": REF_A}, {"id": "b", "text": REF_B}])


def test_scores_json_and_per_case(tmp_path, refs):
    preds = _write(
        tmp_path / "preds.jsonl",
        [{"id": "b", "text": REF_B}, {"id": "a", "text": "肝脏FDG摄取增高。"}],
    )
    out_json, out_csv = tmp_path / "s.json", tmp_path / "c.csv"
    result = runner.invoke(
        score_app, [str(preds), str(refs), "--json", str(out_json), "--per-case", str(out_csv)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
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
        "config",
    ):
        assert key in report
    assert report["n"] == 2
    assert report["config"]["language"] == "zh"
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a", "b"]
    assert float(rows[1]["rouge_l"]) == pytest.approx(1.0)
    assert "bleu_4" in result.output


def test_pet2rep_result_rows_are_accepted(tmp_path, refs):
    preds = _write(
        tmp_path / "results.jsonl",
        [
            {"subject_id": "a", "llm_output": [REF_A], "ground_truth": REF_A},
            {"subject_id": "b", "llm_output": REF_B},
        ],
    )
    out_json = tmp_path / "s.json"
    result = runner.invoke(
        score_app, [str(preds), str(refs), "--json", str(out_json), "--metrics", "rouge_l,ce"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["rouge_l"] == pytest.approx(1.0) and report["oua_accuracy"] == 1.0


def test_template_baseline(refs, tmp_path):
    out_json = tmp_path / "t.json"
    result = runner.invoke(
        score_app, ["--template", str(refs), "--metrics", "bleu,ce", "--json", str(out_json)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["config"]["template"] is True and 0 < report["bleu_1"] < 1


def test_missing_ids_are_listed(tmp_path, refs):
    preds = _write(tmp_path / "p.jsonl", [{"id": "a", "text": "x"}, {"id": "zzz", "text": "y"}])
    result = runner.invoke(score_app, [str(preds), str(refs)])
    assert result.exit_code == 2
    assert "'b'" in result.output and "zzz" in result.output


def test_duplicate_ids(tmp_path, refs):
    preds = _write(tmp_path / "p.jsonl", [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}])
    result = runner.invoke(score_app, [str(preds), str(refs)])
    assert result.exit_code == 2
    assert "p.jsonl:2: duplicate id 'a'" in result.output


def test_non_json_line_and_missing_text(tmp_path, refs):
    bad = tmp_path / "p.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(score_app, [str(bad), str(refs)])
    assert result.exit_code == 2 and "p.jsonl:2: not valid JSON" in result.output
    missing = _write(tmp_path / "m.jsonl", [{"id": "a"}])
    result = runner.invoke(score_app, [str(missing), str(refs)])
    assert result.exit_code == 2 and "m.jsonl:1: missing prediction text field" in result.output


def test_empty_prediction_scores_zero_without_crashing(tmp_path, refs):
    preds = _write(tmp_path / "p.jsonl", [{"id": "a", "text": ""}, {"id": "b", "text": ""}])
    out_json = tmp_path / "s.json"
    result = runner.invoke(score_app, [str(preds), str(refs), "--json", str(out_json)])
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert (
        report["rouge_l"] == 0.0
        and report["meteor"] == 0.0
        and report["bleu_1"] == pytest.approx(0.0, abs=1e-6)
    )


def test_gold_labels_with_unknown_organ_are_rejected(tmp_path):
    refs = _write(
        tmp_path / "r.jsonl", [{"id": "a", "text": REF_A, "labels": {"livr": ["increased"]}}]
    )
    preds = _write(tmp_path / "p.jsonl", [{"id": "a", "text": REF_A}])
    result = runner.invoke(score_app, [str(preds), str(refs)])
    assert result.exit_code == 2 and "livr" in result.output


def test_bootstrap_and_against(tmp_path, refs):
    preds = _write(tmp_path / "p.jsonl", [{"id": "a", "text": REF_A}, {"id": "b", "text": REF_B}])
    other = _write(
        tmp_path / "o.jsonl", [{"id": "a", "text": "肝脏。"}, {"id": "b", "text": "肺。"}]
    )
    out_json = tmp_path / "s.json"
    args = [
        str(preds),
        str(refs),
        "--metrics",
        "bleu,ce",
        "--bootstrap",
        "50",
        "--against",
        str(other),
        "--json",
        str(out_json),
    ]
    result = runner.invoke(score_app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert "bleu_4" in report["ci95"] and "bleu_4" in report["paired_test"]["p_values"]


def test_workers_option_gives_the_same_report(tmp_path):
    from pet2rep_metrics._synthetic import zh_report

    n = 40  # 80 texts to extract: the helper takes a share
    refs = _write(tmp_path / "r.jsonl", [{"id": i, "text": zh_report(i)[0]} for i in range(n)])
    preds = _write(
        tmp_path / "p.jsonl", [{"id": i, "text": zh_report(i + 500)[0]} for i in range(n)]
    )
    reports = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.json"
        result = runner.invoke(
            score_app, [str(preds), str(refs), "--workers", workers, "--json", str(out)]
        )
        assert result.exit_code == 0, result.output
        report = json.loads(out.read_text(encoding="utf-8"))
        report.pop("config")
        reports.append(report)
    assert reports[0] == reports[1]
    assert runner.invoke(score_app, [str(preds), str(refs), "--workers", "0"]).exit_code == 2
