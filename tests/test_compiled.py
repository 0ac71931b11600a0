"""The extractor's rule modules compiled with Cython give what their sources give; a compiled
module older than its source is passed over for the source."""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.extract import _compiled
from pet2rep_metrics.io import iter_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
EXTRACT = ROOT / "pet2rep_metrics" / "extract"
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def _module_folder(tmp_path: Path, source: str = "VALUE = 'source'\n") -> Path:
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "mod.py").write_text(source)
    (folder / f"mod{SUFFIX}").write_bytes(b"not a shared object")  # importing it fails
    return folder


def test_compiled_module_is_fresh_only_with_its_source_hash(tmp_path):
    folder = _module_folder(tmp_path)
    assert _compiled.stale_modules(folder) == ([], ["mod"])  # no record: stale
    digest = hashlib.sha256((folder / "mod.py").read_bytes()).hexdigest()
    (folder / _compiled.MANIFEST).write_text(json.dumps({"mod": digest}))
    assert _compiled.stale_modules(folder) == (["mod"], [])
    (folder / "mod.py").write_text("VALUE = 'edited'\n")
    assert _compiled.stale_modules(folder) == ([], ["mod"])


def test_a_source_without_extension_module_is_not_compiled(tmp_path):
    folder = _module_folder(tmp_path)
    (folder / "plain.py").write_text("")
    assert _compiled.stale_modules(folder) == ([], ["mod"])


def test_source_finder_imports_the_source_before_the_extension_module(tmp_path, monkeypatch):
    folder = _module_folder(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("pkg", "pkg.mod"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(ImportError):  # Python's own order: the (broken) extension module first
        importlib.import_module("pkg.mod")
    monkeypatch.delitem(sys.modules, "pkg.mod", raising=False)
    finder = _compiled._SourceFinder("pkg", folder, ["mod"])
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    assert importlib.import_module("pkg.mod").VALUE == "source"


# Reports of every kind the tests hold: written zh and en reports, the examples, synthetic
# whole-body reports, and degenerate runs.
def _reports() -> list[dict[str, str]]:
    reports = []
    for path in [
        *sorted((ROOT / "tests" / "data").glob("*.jsonl")),
        ROOT / "examples" / "reports.jsonl",
    ]:
        reports += [
            {"text": row["text"]} for _, row in iter_jsonl(path) if isinstance(row.get("text"), str)
        ]
    reports += [{"text": zh_report(seed, abnormal_rate=0.5)[0]} for seed in range(60)]
    reports += [
        {"text": "肝脏、脾脏、" * 300 + "FDG摄取增高"},
        {"text": "SUVmax" + "9" * 2000},
        {"text": "liver, spleen, nodes, " * 200 + "are FDG avid."},
        {"text": "未见未见未见" * 200 + "肝脏摄取增高"},
    ]
    return reports


_EXTRACT = """
import json, sys
from pet2rep_metrics import Extractor
from pet2rep_metrics.extract._compiled import compiled_modules
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
tables = [t.to_dict() for t in Extractor().pipe([r["text"] for r in rows])]
print(json.dumps({"compiled": compiled_modules(), "tables": tables}, ensure_ascii=False))
"""


def _extract_in_subprocess(path: Path, pure: bool) -> dict:
    env = dict(os.environ)
    env.pop("PET2REP_PURE_PYTHON", None)
    if pure:
        env["PET2REP_PURE_PYTHON"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _EXTRACT, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


@pytest.mark.compiled
@pytest.mark.slow
def test_compiled_extractor_gives_what_its_sources_give(tmp_path):
    fresh, stale = _compiled.stale_modules(EXTRACT)
    if not fresh:
        pytest.skip(
            "the extractor's rule modules are not compiled (no Cython or C compiler at install)"
            + (f"; stale: {stale}" if stale else "")
        )
    path = tmp_path / "reports.jsonl"
    reports = _reports()
    write_jsonl(path, reports)
    compiled = _extract_in_subprocess(path, pure=False)
    sources = _extract_in_subprocess(path, pure=True)
    assert compiled["compiled"] == fresh  # the compiled modules really ran
    assert sources["compiled"] == []
    assert len(compiled["tables"]) == len(reports)
    assert sum(bool(t["findings"]) for t in compiled["tables"]) > len(reports) // 2
    for k, (a, b) in enumerate(zip(compiled["tables"], sources["tables"])):
        assert a == b, reports[k]["text"][:80]
