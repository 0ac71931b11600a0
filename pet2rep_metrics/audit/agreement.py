"""Agreement figures between two labellings of the same reports (gold vs extractor, or two raters).

Over (report, organ, state) triples: micro P/R/F1, macro F1 over the four states, per state and
per organ P/R/F1 with support. Over (report, organ) cells: Cohen's kappa per organ and pooled,
on the categories not_mentioned, normal, increased, decreased, absent, several (a set of more than
one state); a confusion matrix per organ on the same categories."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..labels import STATES
from ..metrics.clinical import prf_figures

CATEGORIES = ("not_mentioned", "normal", "increased", "decreased", "absent", "several")


def category(states) -> str:
    """The kappa category of a state set."""
    states = list(states or ())
    if not states:
        return "not_mentioned"
    if len(states) > 1:
        return "several"
    return states[0]


def cohen_kappa(confusion: np.ndarray) -> float | None:
    """Cohen's kappa from a square confusion matrix (rows: rater A, columns: rater B). None when
    there are no items; 1.0 when both raters use a single identical category throughout."""
    total = confusion.sum()
    if total == 0:
        return None
    observed = np.trace(confusion) / total
    expected = float((confusion.sum(1) * confusion.sum(0)).sum()) / total**2
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return float((observed - expected) / (1 - expected))


def agreement(
    gold: list[dict[str, list[str]]], pred: list[dict[str, list[str]]], organs: tuple[str, ...]
) -> dict[str, Any]:
    """All agreement figures for aligned label lists (one dict organ -> states per report)."""
    index = {c: k for k, c in enumerate(CATEGORIES)}
    confusion = {o: np.zeros((len(CATEGORIES), len(CATEGORIES)), dtype=np.int64) for o in organs}
    per_state = {s: np.zeros(3) for s in STATES}
    per_organ = {o: np.zeros(3) for o in organs}
    for g, p in zip(gold, pred):
        for organ in organs:
            gs, ps = set(g.get(organ, ())), set(p.get(organ, ()))
            confusion[organ][index[category(sorted(gs))], index[category(sorted(ps))]] += 1
            for state in STATES:
                cell = (
                    0
                    if (state in gs and state in ps)
                    else 1
                    if state in ps
                    else 2
                    if state in gs
                    else None
                )
                if cell is not None:
                    per_state[state][cell] += 1
                    per_organ[organ][cell] += 1
    tp = sum(v[0] for v in per_state.values())
    fp = sum(v[1] for v in per_state.values())
    fn = sum(v[2] for v in per_state.values())
    micro = prf_figures(tp, fp, fn)
    state_figures = {s: prf_figures(*v) for s, v in per_state.items()}
    pooled = sum(confusion.values()) if organs else np.zeros((len(CATEGORIES),) * 2, dtype=np.int64)
    return {
        "n_reports": len(gold),
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "micro_f1": micro["f1"],
        # states neither side uses have no F1 and stay out of the macro mean
        "macro_f1": float(np.mean(used))
        if (used := [state_figures[s]["f1"] for s, v in per_state.items() if v.sum() > 0])
        else 0.0,
        "kappa": cohen_kappa(pooled),
        "per_state": state_figures,
        "per_organ": {
            o: {**prf_figures(*per_organ[o]), "kappa": cohen_kappa(confusion[o])} for o in organs
        },
        "confusion": {o: confusion[o].tolist() for o in organs},
        "categories": list(CATEGORIES),
    }
