"""Measure the extractor against a gold JSONL (docs/ANNOTATION.md format).

Prints micro precision/recall/F1 over (report, organ, state) triples, overall, per language and
per state, and lists the disagreements. Default gold: ../shared/gold/dev.jsonl beside the repo;
when it is absent the script says so and exits 0 (CI runs it either way).

    python scripts/eval_gold.py [GOLD] [--model auto|blank|NAME] [--min-f1 0.95] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from pet2rep_metrics import Extractor

DEFAULT_GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold" / "dev.jsonl"


def triples(labels: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(organ, state) for organ, states in labels.items() for state in states}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", default=str(DEFAULT_GOLD))
    parser.add_argument(
        "--model", default=None, help="English spaCy model: blank (default), auto, or a name"
    )
    parser.add_argument(
        "--min-f1", type=float, default=None, help="exit 1 when overall micro-F1 is below"
    )
    parser.add_argument("--quiet", action="store_true", help="do not list disagreements")
    args = parser.parse_args(argv)

    gold_path = Path(args.gold)
    if not gold_path.is_file():
        print(f"skipped: no gold file at {gold_path}")
        return 0
    rows = [
        json.loads(line)
        for line in gold_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    extractor = Extractor(model=args.model)
    tables = list(extractor.pipe([r["text"] for r in rows]))

    counts: Counter[tuple[str, str]] = Counter()  # (group, tp|fp|fn)
    disagreements = []
    for row, table in zip(rows, tables):
        gold, pred = triples(row["labels"]), triples(table.labels)
        for group_key in ("all", f"lang:{row['language']}"):
            counts[(group_key, "tp")] += len(gold & pred)
            counts[(group_key, "fp")] += len(pred - gold)
            counts[(group_key, "fn")] += len(gold - pred)
        for organ, state in gold | pred:
            kind = (
                "tp"
                if (organ, state) in gold and (organ, state) in pred
                else ("fn" if (organ, state) in gold else "fp")
            )
            counts[(f"state:{state}", kind)] += 1
        if gold != pred:
            disagreements.append((row["id"], sorted(gold - pred), sorted(pred - gold)))

    print(f"gold: {gold_path} ({len(rows)} reports); {extractor.signature}")
    print(f"{'group':<18}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}")
    groups = sorted({g for g, _ in counts}, key=lambda g: (g != "all", g))
    for group in groups:
        tp, fp, fn = counts[(group, "tp")], counts[(group, "fp")], counts[(group, "fn")]
        p, r, f = prf(tp, fp, fn)
        print(f"{group:<18}{p:>8.3f}{r:>8.3f}{f:>8.3f}{tp:>6}{fp:>6}{fn:>6}")
    if not args.quiet:
        for report_id, missed, extra in disagreements:
            print(f"  {report_id}: missed {missed} extra {extra}")
    overall = prf(counts[("all", "tp")], counts[("all", "fp")], counts[("all", "fn")])[2]
    print(f"micro-F1 overall: {overall:.4f}")
    if args.min_f1 is not None and overall < args.min_f1:
        print(f"FAIL: micro-F1 {overall:.4f} < {args.min_f1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
