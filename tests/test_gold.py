"""scripts/eval_gold.py: the extractor on the project's gold files, when present, and the
script's own guards (thresholds, README figures, no gold at all).

The gold lives outside the repository (../shared/gold); its texts are never copied in."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_eval_gold():
    spec = importlib.util.spec_from_file_location("eval_gold", ROOT / "scripts" / "eval_gold.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GOLD = _load_eval_gold().find_gold()


@pytest.fixture(scope="module")
def eval_gold():
    return _load_eval_gold()


@pytest.mark.gold
@pytest.mark.skipif(GOLD is None, reason="no shared/gold beside the checkout (set PET2REP_GOLD)")
def test_gold_files_meet_their_floors(eval_gold, capsys):
    """The extractor on dev.jsonl (and every other gold file): at least 0.95 micro-F1 there and
    no file more than 0.02 below the figure the README records."""
    code = eval_gold.main(
        [str(GOLD), "--min-f1", "dev.jsonl=0.95", "--guard", str(ROOT / "README.md"), "--quiet"]
    )
    out = capsys.readouterr().out
    assert "micro-F1 dev.jsonl" in out
    assert code == 0


def test_readme_records_the_guarded_figures(eval_gold):
    recorded = eval_gold.read_guard(ROOT / "README.md")
    assert set(recorded) >= {"dev.jsonl", "challenge_dev.jsonl"}
    assert all(0.0 < f1 <= 1.0 for f1 in recorded.values())


def test_threshold_without_gold_fails(eval_gold, tmp_path, capsys):
    assert eval_gold.main([str(tmp_path), "--min-f1", "0.95"]) == 1
    assert eval_gold.main([str(tmp_path), "--guard", str(ROOT / "README.md")]) == 1
    assert eval_gold.main([str(tmp_path)]) == 0  # nothing asked for: nothing to fail
    assert "no gold file" in capsys.readouterr().out


def _write_gold(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_figures_per_file_language_and_state(eval_gold, tmp_path, capsys):
    gold = _write_gold(
        tmp_path / "mine.jsonl",
        [
            {
                "id": "a",
                "language": "zh",
                "text": "肝脏FDG摄取增高。",
                "labels": {"liver": ["increased"]},
            },
            # the gold says normal; the extractor reads increased: one fp, one fn
            {
                "id": "b",
                "language": "en",
                "text": "Increased uptake in the spleen.",
                "labels": {"spleen": ["normal"]},
            },
        ],
    )
    out_json = tmp_path / "figures.json"
    assert eval_gold.main([str(gold), "--json", str(out_json)]) == 0
    figures = json.loads(out_json.read_text())["mine.jsonl"]
    assert figures["groups"]["all"]["tp"] == 1
    assert figures["groups"]["lang:en"]["fp"] == 1
    assert figures["groups"]["state:normal"]["fn"] == 1
    assert figures["disagreements"] == [
        {"id": "b", "missed": [["spleen", "normal"]], "extra": [["spleen", "increased"]]}
    ]
    assert "b: missed" in capsys.readouterr().out
    assert eval_gold.main([str(gold), "--min-f1", "mine.jsonl=0.9"]) == 1
    assert eval_gold.main([str(gold), "--min-f1", "other.jsonl=0.1"]) == 1  # named, not measured


def test_the_gold_folder_is_found_in_beside_or_above_the_checkout(eval_gold, tmp_path, monkeypatch):
    monkeypatch.delenv("PET2REP_GOLD", raising=False)
    checkout = tmp_path / "deep" / "clone"
    checkout.mkdir(parents=True)
    monkeypatch.setattr(eval_gold, "ROOT", checkout)
    assert eval_gold.find_gold() is None or tmp_path not in eval_gold.find_gold().parents
    for where in (tmp_path, tmp_path / "deep", checkout):  # above, beside, inside
        gold = where / "shared" / "gold"
        gold.mkdir(parents=True)
        (gold / "dev.jsonl").write_text("", encoding="utf-8")
        assert eval_gold.find_gold() == gold
