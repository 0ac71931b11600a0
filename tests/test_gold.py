"""The extractor on the project's dev gold (real reports labelled by the guide), when present.

The gold lives outside the repository (../shared/gold/dev.jsonl); its texts are never copied in."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

GOLD = Path(__file__).resolve().parents[2] / "shared" / "gold" / "dev.jsonl"


@pytest.mark.skipif(not GOLD.is_file(), reason=f"no dev gold at {GOLD}")
def test_dev_gold_micro_f1(capsys):
    spec = importlib.util.spec_from_file_location(
        "eval_gold", Path(__file__).resolve().parents[1] / "scripts" / "eval_gold.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(GOLD), "--min-f1", "0.95", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "micro-F1 overall" in out
