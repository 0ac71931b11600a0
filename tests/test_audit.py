"""pet2rep-audit: every figure against hand counts and scikit-learn, inputs, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pet2rep_metrics.audit import agreement, category
from pet2rep_metrics.audit.agreement import cohen_kappa
from pet2rep_metrics.cli import audit_app, compare_app, score_app

runner = CliRunner()
ORGANS = ("liver", "lung", "bone", "spleen")
GOLD = [
    {"liver": ["increased"], "lung": ["normal"]},
    {"liver": ["increased", "absent"], "bone": ["decreased"]},
    {"lung": ["increased"]},
    {"spleen": ["normal"], "bone": ["normal"]},
]
PRED = [
    {"liver": ["increased"], "lung": ["increased"]},
    {"liver": ["increased"], "bone": ["decreased"], "spleen": ["normal"]},
    {},
    {"spleen": ["normal"], "bone": ["normal"]},
]


def test_micro_and_per_state_by_hand():
    figures = agreement(GOLD, PRED, ORGANS)
    # triples gold 8, pred 7; tp: liver-inc(r0), liver-inc(r1), bone-dec(r1), spleen-norm(r3), bone-norm(r3) = 5
    assert figures["micro_precision"] == pytest.approx(5 / 7)
    assert figures["micro_recall"] == pytest.approx(5 / 8)
    increased = figures["per_state"]["increased"]  # tp 2, fp 1 (lung r0), fn 1 (lung r2)
    assert (increased["precision"], increased["recall"], increased["support"]) == (
        pytest.approx(2 / 3),
        pytest.approx(2 / 3),
        3,
    )
    assert figures["per_state"]["absent"]["recall"] == 0.0
    assert figures["per_organ"]["spleen"]["precision"] == pytest.approx(0.5)  # fp on r1


def test_kappa_matches_sklearn_with_unused_category_and_one_sided_organs():
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    figures = agreement(GOLD, PRED, ORGANS)
    gold_cells = [category(sorted(g.get(o, []))) for g in GOLD for o in ORGANS]
    pred_cells = [category(sorted(p.get(o, []))) for p in PRED for o in ORGANS]
    assert figures["kappa"] == pytest.approx(cohen_kappa_score(gold_cells, pred_cells))
    # 'absent' alone is never used by either rater; spleen is described by PRED only in r1
    labels = figures["categories"]
    assert np.array_equal(
        np.sum([np.array(m) for m in figures["confusion"].values()], axis=0),
        confusion_matrix(gold_cells, pred_cells, labels=labels),
    )
    for organ in ORGANS:
        g = [category(sorted(x.get(organ, []))) for x in GOLD]
        p = [category(sorted(x.get(organ, []))) for x in PRED]
        expected = cohen_kappa_score(g, p) if len(set(g) | set(p)) > 1 else 1.0
        assert figures["per_organ"][organ]["kappa"] == pytest.approx(expected)


def test_kappa_edge_cases():
    assert cohen_kappa(np.zeros((3, 3))) is None
    assert cohen_kappa(np.array([[5, 0], [0, 0]])) == 1.0


def _write(path, rows):
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def test_cli_with_pred_and_second_rater(tmp_path):
    gold = _write(
        tmp_path / "gold.jsonl", [{"id": f"r{i}", "labels": g} for i, g in enumerate(GOLD)]
    )
    pred = _write(
        tmp_path / "pred.jsonl", [{"id": f"r{i}", "labels": p} for i, p in enumerate(PRED)]
    )
    out_json, out_dir, html = tmp_path / "a.json", tmp_path / "out", tmp_path / "a.html"
    args = [
        str(gold),
        "--pred",
        str(pred),
        "--second-rater",
        str(gold),
        "--organs",
        ",".join(ORGANS),
        "--json",
        str(out_json),
        "--out",
        str(out_dir),
        "--html",
        str(html),
        "--bootstrap",
        "50",
    ]
    result = runner.invoke(audit_app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    for key in ("micro_f1", "macro_f1", "kappa", "n_reports", "per_state", "per_organ", "ci95"):
        assert key in report
    assert report["second_rater"]["micro_f1"] == 1.0 and report["second_rater"]["kappa"] == 1.0
    rows = (out_dir / "disagreements.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id,organ,gold,predicted,evidence,sentence" and len(rows) == 1 + 4
    page = html.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 2 and "Disagreements" in page


def test_cli_extracts_gold_texts_and_reads_csv(tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "id,text,liver,lung\nr1,肝脏FDG摄取增高。,increased,\nr2,右肺结节FDG摄取未见增高。,,normal\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "out"
    result = runner.invoke(
        audit_app, [str(gold), "--organs", "liver,lung", "--out", str(out_dir), "--bootstrap", "20"]
    )
    assert result.exit_code == 0, result.output
    assert "1.000" in result.output  # the extractor agrees on both


def test_disagreement_carries_evidence(tmp_path):
    gold = _write(
        tmp_path / "g.jsonl",
        [{"id": "a", "text": "脾脏FDG摄取增高，SUVmax 4.1。", "labels": {"spleen": ["normal"]}}],
    )
    out_dir = tmp_path / "out"
    result = runner.invoke(audit_app, [str(gold), "--out", str(out_dir), "--bootstrap", "0"])
    assert result.exit_code == 0, result.output
    row = (out_dir / "disagreements.csv").read_text(encoding="utf-8").splitlines()[1]
    assert row.startswith("a,spleen,normal,increased,") and "摄取增高" in row


def test_bad_gold_inputs(tmp_path):
    unknown = _write(
        tmp_path / "u.jsonl", [{"id": "a", "labels": {"livr": ["increased"], "lung": ["hot"]}}]
    )
    result = runner.invoke(audit_app, [str(unknown), "--bootstrap", "0"])
    assert result.exit_code == 2 and "livr" in result.output and "hot" in result.output
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n", encoding="utf-8")
    result = runner.invoke(audit_app, [str(empty), "--bootstrap", "0"])
    assert result.exit_code == 2 and "no labelled reports" in result.output
    gold = _write(tmp_path / "g.jsonl", [{"id": "a", "labels": {"liver": ["normal"]}}])
    pred = _write(tmp_path / "p.jsonl", [{"id": "a", "labels": {}}, {"id": "zz", "labels": {}}])
    result = runner.invoke(audit_app, [str(gold), "--pred", str(pred), "--bootstrap", "0"])
    assert result.exit_code == 2 and "zz" in result.output


def test_score_and_compare_html(tmp_path):
    refs = _write(
        tmp_path / "r.jsonl",
        [{"id": "a", "text": "肝脏FDG摄取增高。"}, {"id": "b", "text": "脾脏FDG摄取未见异常。"}],
    )
    p1 = _write(
        tmp_path / "p1.jsonl",
        [{"id": "a", "text": "肝脏FDG摄取增高。"}, {"id": "b", "text": "脾脏FDG摄取未见异常。"}],
    )
    p2 = _write(
        tmp_path / "p2.jsonl",
        [{"id": "a", "text": "肝脏。"}, {"id": "b", "text": "脾脏FDG摄取增高。"}],
    )
    html = tmp_path / "s.html"
    result = runner.invoke(
        score_app, [str(p1), str(refs), "--metrics", "bleu,ce", "--html", str(html)]
    )
    assert result.exit_code == 0, result.output
    assert "data:image/png;base64," in html.read_text(encoding="utf-8")
    out_json, chtml = tmp_path / "c.json", tmp_path / "c.html"
    args = [
        str(p1),
        str(p2),
        str(refs),
        "--names",
        "good,bad",
        "--metrics",
        "bleu,ce",
        "--bootstrap",
        "20",
        "--trials",
        "50",
        "--json",
        str(out_json),
        "--html",
        str(chtml),
    ]
    result = runner.invoke(compare_app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text(encoding="utf-8"))
    assert report["ranking"] == ["good", "bad"] and "good vs bad" in report["paired_p_values"]
    assert "data:image/png;base64," in chtml.read_text(encoding="utf-8")
