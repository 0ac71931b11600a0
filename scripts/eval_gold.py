"""Measure the extractor against gold label files (docs/ANNOTATION.md format).

For every gold file: micro precision/recall/F1 over (report, organ, state) triples, overall, per
language and per state, then the disagreements (missed and extra triples per report).

    python scripts/eval_gold.py [PATH ...] [--min-f1 [FILE=]F1 ...] [--guard README.md]
                                [--model auto|blank|NAME] [--quiet] [--json OUT]

PATH: gold JSONL files or folders of them (default: every *.jsonl in the gold folder: the one
``PET2REP_GOLD`` names, else the nearest ``shared/gold`` beside the checkout or one of its
ancestors; ``--where`` prints it). ``--min-f1 0.95`` fails (exit 1) when any file is below 0.95; ``--min-f1
dev.jsonl=0.95`` only that file. ``--guard README.md`` reads the figures recorded there in lines
``<!-- gold-figure FILE F1 -->`` and fails when a file scores more than 0.02 below its recorded
figure (a regression guard). A threshold or guard with no gold file to measure fails too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

from pet2rep_metrics import Extractor
from pet2rep_metrics.audit.gold import read_gold
from pet2rep_metrics.io import InputError
from pet2rep_metrics.metrics.clinical import prf_figures

ROOT = Path(__file__).resolve().parents[1]
GUARD_MARGIN = 0.02
_GUARD_LINE = re.compile(r"<!--\s*gold-figure\s+(\S+)\s+([0-9.]+)\s*-->")


def find_gold() -> Path | None:
    """The project's gold folder (its texts are never copied into the repository):
    ``PET2REP_GOLD``, else the nearest ``shared/gold/dev.jsonl``: in the checkout (an untracked
    copy), beside it (``../shared/gold/dev.jsonl``) or beside one of its ancestors (a CI clone
    may sit deeper than ../); None when there is none."""
    override = os.environ.get("PET2REP_GOLD")
    if override:
        return Path(override)
    for folder in (ROOT, *ROOT.parents):
        if (folder / "shared/gold/dev.jsonl").is_file():
            return folder / "shared/gold"
    return None


def gold_files(paths: list[str]) -> list[Path]:
    """The gold files named, folders expanded to their *.jsonl files (sorted)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            files.append(path)
    return files


def triples(labels: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(organ, state) for organ, states in labels.items() for state in states}


def evaluate(rows: list[dict], tables: list) -> dict:
    """Counts per group ('all', 'lang:zh', 'state:normal', ...) and the disagreements."""
    counts: Counter[tuple[str, str]] = Counter()
    disagreements = []
    for row, table in zip(rows, tables):
        gold, pred = triples(row["labels"]), triples(table.labels)
        for group in ("all", f"lang:{row.get('language') or table.language}"):
            counts[(group, "tp")] += len(gold & pred)
            counts[(group, "fp")] += len(pred - gold)
            counts[(group, "fn")] += len(gold - pred)
        for organ, state in gold | pred:
            kind = (
                "tp" if (organ, state) in gold & pred else "fn" if (organ, state) in gold else "fp"
            )
            counts[(f"state:{state}", kind)] += 1
        if gold != pred:
            disagreements.append(
                {"id": row["id"], "missed": sorted(gold - pred), "extra": sorted(pred - gold)}
            )
    groups = sorted({g for g, _ in counts}, key=lambda g: (g != "all", g))
    figures = {
        g: prf_figures(counts[(g, "tp")], counts[(g, "fp")], counts[(g, "fn")])
        | {"tp": counts[(g, "tp")], "fp": counts[(g, "fp")], "fn": counts[(g, "fn")]}
        for g in groups
    }
    return {"n_reports": len(rows), "groups": figures, "disagreements": disagreements}


def parse_thresholds(specs: list[str]) -> dict[str | None, float]:
    """``0.95`` → {None: 0.95} (every file); ``dev.jsonl=0.95`` → {'dev.jsonl': 0.95}."""
    thresholds: dict[str | None, float] = {}
    for spec in specs:
        name, _, value = spec.rpartition("=")
        thresholds[name or None] = float(value)
    return thresholds


def read_guard(path: Path) -> dict[str, float]:
    """Recorded figures ``<!-- gold-figure FILE F1 -->`` in a README."""
    return {m[1]: float(m[2]) for m in _GUARD_LINE.finditer(path.read_text(encoding="utf-8"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument(
        "--where",
        action="store_true",
        help="print the gold folder found (nothing if none) and exit",
    )
    parser.add_argument(
        "--model", default=None, help="English spaCy model: blank (default), auto, or a name"
    )
    parser.add_argument(
        "--min-f1",
        action="append",
        default=[],
        metavar="[FILE=]F1",
        help="fail when micro-F1 is below F1 (every file, or the file named)",
    )
    parser.add_argument(
        "--guard",
        type=Path,
        help="fail when a file scores more than 0.02 below the figure recorded in this README",
    )
    parser.add_argument("--quiet", action="store_true", help="do not list disagreements")
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    gold = find_gold()
    if args.where:
        print(gold or "")
        return 0
    if not args.paths:
        args.paths = [str(gold or ROOT.parent / "shared" / "gold")]

    thresholds = parse_thresholds(args.min_f1)
    recorded = read_guard(args.guard) if args.guard else {}
    files = gold_files(args.paths)
    if not files:
        print(f"no gold file found at {', '.join(args.paths)}")
        return 1 if (thresholds or recorded) else 0

    extractor = Extractor(model=args.model)
    print(extractor.signature)
    failures: list[str] = []
    results = {}
    for path in files:
        try:
            rows = read_gold(path)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        tables = list(extractor.pipe([r["text"] for r in rows]))
        result = evaluate(rows, tables)
        results[path.name] = result
        print(f"\n{path} ({len(rows)} reports)")
        print(f"{'group':<18}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}")
        for group, fig in result["groups"].items():
            print(
                f"{group:<18}{fig['precision']:>8.3f}{fig['recall']:>8.3f}{fig['f1']:>8.3f}"
                f"{fig['tp']:>6}{fig['fp']:>6}{fig['fn']:>6}"
            )
        if not args.quiet:
            for d in result["disagreements"]:
                print(f"  {d['id']}: missed {d['missed']} extra {d['extra']}")
        f1 = result["groups"]["all"]["f1"] if "all" in result["groups"] else 0.0
        print(f"micro-F1 {path.name}: {f1:.4f}")
        floor = thresholds.get(path.name, thresholds.get(None))
        if floor is not None and f1 < floor:
            failures.append(f"{path.name}: micro-F1 {f1:.4f} < {floor}")
        if path.name in recorded and f1 < recorded[path.name] - GUARD_MARGIN:
            failures.append(
                f"{path.name}: micro-F1 {f1:.4f} is more than {GUARD_MARGIN} below the "
                f"recorded {recorded[path.name]:.4f} ({args.guard})"
            )
    named = {n for n in thresholds if n is not None} | set(recorded)
    for name in sorted(named - set(results)):
        failures.append(f"{name}: required by a threshold or guard, but not measured")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
