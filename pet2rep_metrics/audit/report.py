"""The audit run: align labels, compute agreement (with bootstrap intervals), collect the
disagreements with their evidence, and write CSV/JSON/HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io import pair_by_id
from ..metrics.stats import percentile_bootstrap
from .agreement import agreement

_HEADLINE = ("micro_f1", "macro_f1", "kappa")


@dataclass
class AuditResult:
    figures: dict[str, Any]
    ci95: dict[str, tuple[float, float]]
    disagreements: list[dict[str, Any]]
    second_rater: dict[str, Any] | None = None
    second_rater_ci95: dict[str, tuple[float, float]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.figures)
        out["ci95"] = self.ci95
        if self.second_rater is not None:
            out["second_rater"] = {**self.second_rater, "ci95": self.second_rater_ci95}
        out["n_disagreements"] = len(self.disagreements)
        out["config"] = self.config
        return out


def align(gold_rows: list[dict], pred_rows: list[dict], gold_path, pred_path) -> list[dict]:
    """Prediction rows in gold order; ids in one file only raise InputError listing them."""
    by_id = {r["id"]: r for r in pred_rows}
    ids = pair_by_id(by_id, {r["id"]: r for r in gold_rows}, pred_path, gold_path, "labels")
    return [by_id[i] for i in ids]


def bootstrap(
    gold: list[dict], pred: list[dict], organs, n: int, seed: int = 0
) -> dict[str, tuple[float, float]]:
    def headline(rows) -> dict[str, float | None]:
        figures = agreement([gold[i] for i in rows], [pred[i] for i in rows], organs)
        return {key: figures[key] for key in _HEADLINE}

    return percentile_bootstrap(len(gold), headline, n, seed=seed)


def run_audit(
    gold_rows: list[dict],
    organs: tuple[str, ...],
    pred_rows: list[dict] | None = None,
    second_rows: list[dict] | None = None,
    extractor=None,
    n_bootstrap: int = 1000,
) -> AuditResult:
    """Agreement of ``pred_rows`` (or the extractor run on the gold texts) with ``gold_rows``."""
    gold = [r["labels"] for r in gold_rows]
    evidence: list[dict[str, list[tuple[str, str]]]] = [{} for _ in gold_rows]
    if pred_rows is None:
        missing_text = [r["id"] for r in gold_rows if not r.get("text")]
        if missing_text:
            raise ValueError(
                f"gold rows without text cannot be extracted (give --pred): {missing_text[:10]}"
            )
        from ..extract import Extractor

        extractor = extractor or Extractor()
        tables = list(extractor.pipe([r["text"] for r in gold_rows]))
        pred = [t.labels for t in tables]
        for k, (row, table) in enumerate(zip(gold_rows, tables)):
            for finding in table.findings:
                sentence = row["text"][finding.sentence_start : finding.sentence_end]
                evidence[k].setdefault(finding.organ, []).append((finding.evidence, sentence))
    else:
        pred = [r["labels"] for r in pred_rows]
    figures = agreement(gold, pred, organs)
    disagreements = []
    for k, row in enumerate(gold_rows):
        for organ in organs:
            g, p = gold[k].get(organ, []), pred[k].get(organ, [])
            if set(g) != set(p):
                found = evidence[k].get(organ, [])
                disagreements.append(
                    {
                        "id": row["id"],
                        "organ": organ,
                        "gold": ";".join(g),
                        "predicted": ";".join(p),
                        "evidence": " | ".join(dict.fromkeys(e for e, _ in found)),
                        "sentence": " | ".join(dict.fromkeys(s for _, s in found)),
                    }
                )
    result = AuditResult(figures, bootstrap(gold, pred, organs, n_bootstrap), disagreements)
    if second_rows is not None:
        second = [r["labels"] for r in second_rows]
        result.second_rater = agreement(gold, second, organs)
        result.second_rater_ci95 = bootstrap(gold, second, organs, n_bootstrap)
    result.config = {
        "organs": list(organs),
        "bootstrap": n_bootstrap,
        "labeller": "labels file"
        if pred_rows is not None
        else (extractor.signature if extractor else ""),
    }
    return result


def write_outputs(result: AuditResult, out_dir: Path) -> list[Path]:
    """disagreements.csv, per_organ.csv and confusion.json in ``out_dir``."""
    import json

    from ..io import write_csv, write_json

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "disagreements.csv", out_dir / "per_organ.csv", out_dir / "confusion.json"]
    write_csv(
        paths[0], result.disagreements, ["id", "organ", "gold", "predicted", "evidence", "sentence"]
    )
    rows = [
        {"organ": o, **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in f.items()}}
        for o, f in result.figures["per_organ"].items()
    ]
    write_csv(paths[1], rows, ["organ", "precision", "recall", "f1", "support", "kappa"])
    write_json(
        paths[2],
        {"categories": result.figures["categories"], "confusion": result.figures["confusion"]},
    )
    json.dumps(result.to_json())  # fail here, not half-way through a later write
    return paths
