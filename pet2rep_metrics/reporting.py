"""What the commands report, assembled here and only printed or written by the CLI: the score
report (corpus figures, per-case rows, intervals, a paired test), the comparison of systems,
the fixed-template baseline, and the HTML pages of pet2rep-score, -audit and -compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .metrics import registry
from .metrics.base import MetricResult
from .metrics.stats import bootstrap_ci, paired_randomization


def headline_keys(report: dict[str, Any]) -> list[str]:
    """The corpus scores present in ``report``, in the registry's table order."""
    return [k for k in registry.output_keys() if k in report]


def template_predictions(
    refs: dict[str, dict], language: str | None, template_file: Path | None = None
) -> dict[str, dict]:
    """The fixed-template baseline: one template report (the file's text, or the project's own
    for ``language``, detected from the first reference when None) as every case's prediction."""
    from .io import read_text
    from .language import detect_language
    from .runner.templates import default_template

    if template_file is not None:
        text = read_text(template_file)
    else:
        text = default_template(language or detect_language(next(iter(refs.values()))["text"]))
    return {case_id: {"text": text} for case_id in refs}


def score_report(
    scorer, results: dict[str, MetricResult], ids: list[str], language: str
) -> tuple[dict[str, Any], dict[str, np.ndarray], list[dict[str, Any]]]:
    """(corpus figures with ``config``, per-case arrays by score, one CSV row per case)."""
    report, per_case = scorer.summarize(results, language)
    rows = []
    for c, case_id in enumerate(ids):
        row: dict[str, Any] = {"id": case_id}
        for key, values in per_case.items():
            value = float(values[c])
            row[key] = "" if value != value else round(value, 6)
        rows.append(row)
    return report, per_case, rows


def intervals(results: dict[str, MetricResult], resamples: int) -> dict[str, tuple[float, float]]:
    """95% percentile-bootstrap intervals of every corpus score (none when ``resamples`` is 0)."""
    out: dict[str, tuple[float, float]] = {}
    for result in results.values():
        out.update(bootstrap_ci(result, resamples))
    return out


def paired_test(
    results: dict[str, MetricResult],
    other: dict[str, MetricResult],
    trials: int,
    against: str,
) -> dict[str, Any]:
    """Approximate randomisation of A (``results``) against B (``other``) over the same cases:
    p-values per score and B's corpus scores."""
    return {
        "against": against,
        "method": f"approximate randomisation, {trials} trials",
        "p_values": {
            key: value
            for name in results
            for key, value in paired_randomization(results[name], other[name], trials).items()
        },
        "against_scores": {k: v for r in other.values() for k, v in r.pooled().items()},
    }


def compare_report(
    systems: dict[str, dict[str, MetricResult]],
    cases: int,
    config: dict[str, Any],
    resamples: int,
    trials: int,
    rank_by: str,
) -> dict[str, Any]:
    """Every system's corpus scores with intervals, a ranking by ``rank_by`` and the paired
    p-values of every pair of systems (in the order given)."""
    table = {}
    for label, results in systems.items():
        scores: dict[str, float] = {}
        for result in results.values():
            scores.update(result.pooled())
        table[label] = {"scores": scores, "ci95": intervals(results, resamples)}
    keys = headline_keys(next(iter(table.values()))["scores"])
    if rank_by not in keys:
        raise ValueError(f"--rank-by {rank_by!r} is not among the scores: {keys}")
    labels = list(systems)
    pairwise = {}
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            p_values: dict[str, float] = {}
            for name in systems[a]:
                p_values.update(paired_randomization(systems[a][name], systems[b][name], trials))
            pairwise[f"{a} vs {b}"] = p_values
    return {
        "n": cases,
        "keys": keys,
        "systems": table,
        "ranking": sorted(table, key=lambda s: -table[s]["scores"][rank_by]),
        "rank_by": rank_by,
        "paired_p_values": pairwise,
        "config": config,
    }


def fmt_interval(ci: tuple[float, float] | None, digits: int = 3) -> str:
    """``0.480-0.545``; empty without an interval."""
    return f"{ci[0]:.{digits}f}-{ci[1]:.{digits}f}" if ci else ""


def fmt_ci(value: float | None, ci: tuple[float, float] | None, digits: int = 3) -> str:
    """``0.512 (0.480-0.545)``; ``n/a`` for a figure that is not defined."""
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}" + (f" ({fmt_interval(ci, digits)})" if ci else "")


# ------------------------------------------------------------------------------------ HTML
def score_html(report: dict[str, Any], per_case: dict[str, np.ndarray], title: str) -> str:
    """pet2rep-score --html: the scores, per-organ CE and OUA, per-case distributions."""
    from .audit import html as H

    plt = H._matplotlib()
    ci95 = report.get("ci95", {})
    rows = [
        {"metric": k, "score": report[k], "95% CI": fmt_interval(ci95.get(k))}
        for k in headline_keys(report)
    ]
    sections = [("Scores", H.table(rows, ["metric", "score", "95% CI"]))]
    organs = report.get("ce_per_organ", {})
    f1 = {o: f["f1"] for o, f in organs.items() if f["support"] or f["precision"]}
    accuracy = {o: f["accuracy"] for o, f in organs.items() if f["accuracy"] is not None}
    if f1:
        sections.append(
            (
                "Clinical efficacy by organ (F1 over abnormal states)",
                H.bar_chart(f1, "CE F1 by organ", "F1"),
            )
        )
    if accuracy:
        sections.append(
            ("Organ uptake accuracy by organ", H.bar_chart(accuracy, "OUA by organ", "accuracy"))
        )
    shown = {k: per_case[k] for k in headline_keys(per_case)}
    if shown:
        columns = min(4, len(shown))
        lines = -(-len(shown) // columns)
        fig, axes = plt.subplots(
            lines, columns, figsize=(3.2 * columns, 2.6 * lines), squeeze=False
        )
        for ax in axes.flat[len(shown) :]:
            ax.set_visible(False)
        for ax, (name, values) in zip(axes.flat, shown.items()):
            ax.hist([v for v in np.asarray(values, dtype=float) if v == v], bins=20)
            ax.set_title(name, fontsize=9)
        fig.suptitle("distribution across cases")
        fig.tight_layout()
        sections.append(("Per-case distributions", H.png(fig)))
    return H.page(
        title, sections, note=f"n = {report['n']}; language {report['config']['language']}"
    )


def audit_html(result, gold_name: str) -> str:
    """pet2rep-audit --html: headline agreement, per organ and state, confusion, disagreements."""
    from .audit import html as H

    per_organ = result.figures["per_organ"]
    described = {o: f["f1"] for o, f in per_organ.items() if f["support"] or f["precision"]}
    headline = [
        {"figure": k, "labeller vs gold": fmt_ci(result.figures[k], result.ci95.get(k))}
        for k in ("micro_f1", "macro_f1", "kappa")
    ]
    columns = ["figure", "labeller vs gold"]
    if result.second_rater is not None:
        columns.append("second rater vs gold")
        for row in headline:
            row["second rater vs gold"] = fmt_ci(
                result.second_rater[row["figure"]], result.second_rater_ci95.get(row["figure"])
            )
    organ_rows = [{"organ": o, **f} for o, f in per_organ.items()]
    state_rows = [{"state": s, **f} for s, f in result.figures["per_state"].items()]
    sections = [
        ("Headline", H.table(headline, columns)),
        ("Per-organ F1", H.bar_chart(described or {"(none)": 0.0}, "F1 by organ", "F1")),
        (
            "Per organ",
            H.table(organ_rows, ["organ", "precision", "recall", "f1", "support", "kappa"]),
        ),
        ("Per state", H.table(state_rows, ["state", "precision", "recall", "f1", "support"])),
        (
            "Confusion by organ",
            H.heatmaps(result.figures["confusion"], result.figures["categories"], "categories"),
        ),
        (
            "Disagreements",
            H.table(
                result.disagreements,
                ["id", "organ", "gold", "predicted", "sentence"],
                highlight=("sentence", "evidence"),
            ),
        ),
    ]
    return H.page(
        f"pet2rep-audit: {gold_name}",
        sections,
        note=f"organs: {len(result.config['organs'])}; labeller: {result.config['labeller']}",
    )


def compare_html(report: dict[str, Any]) -> str:
    """pet2rep-compare --html: a ranked chart with intervals, all scores, paired p-values."""
    from .audit import html as H

    keys, rank_by, systems = report["keys"], report["rank_by"], report["systems"]
    ordered = {s: systems[s]["scores"][rank_by] for s in report["ranking"]}
    errors = {
        s: tuple(systems[s]["ci95"][rank_by])
        for s in report["ranking"]
        if rank_by in systems[s]["ci95"]
    }
    rows = [
        {
            "system": s,
            **{k: fmt_ci(systems[s]["scores"][k], systems[s]["ci95"].get(k)) for k in keys},
        }
        for s in report["ranking"]
    ]
    pairs = [{"pair": pair, **p} for pair, p in report["paired_p_values"].items()]
    sections = [
        (f"Ranking by {rank_by}", H.bar_chart(ordered, f"{rank_by} (95% CI)", rank_by, errors)),
        ("All metrics", H.table(rows, ["system", *keys])),
        ("Paired randomisation p-values", H.table(pairs, ["pair", *keys])),
    ]
    return H.page("pet2rep-compare", sections, note=f"n = {report['n']} cases")
