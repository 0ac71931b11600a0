"""Clinical efficacy (PET2Rep's OUA score): does the generated report state the same uptake as
the reference, organ by organ?

Both sides are read into organ x state sets (the extractor, or gold ``labels`` on the reference
side). Over an organ set (default ``pet2rep``), pooled over cases x organs, for each abnormal
state s (increased, decreased, absent): TP = s in both, FP = s predicted only, FN = s in the
reference only. ``ce_precision`` and ``ce_recall`` are the macro means over the three states
(a state with nothing predicted has precision 0, with nothing referenced recall 0);
``ce_f1`` = 2PR / (P + R) of those macro figures, as in PET2Rep's table. ``oua_accuracy``: the
share of reference-described organs whose predicted state set is exactly the reference's.
Per case (for rewards): ``ce_f1`` is the micro F1 over that case's (organ, abnormal state)
pairs (1.0 when neither side states an abnormality).
"""

from __future__ import annotations

import numpy as np

from ..labels import ABNORMAL_STATES, organ_set
from .base import Metric, MetricResult

_K = len(ABNORMAL_STATES)


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def prf_figures(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Precision, recall, F1 (0 where undefined) and support (tp + fn) as a dict."""
    p, r, f = _prf(tp, fp, fn)
    return {"precision": p, "recall": r, "f1": f, "support": int(tp + fn)}


def _macro(counts: np.ndarray) -> dict[str, float]:
    """counts: rows of [tp, fp, fn] x states, then [exact, described] -> headline figures."""
    tp, fp, fn = counts[:_K], counts[_K : 2 * _K], counts[2 * _K : 3 * _K]
    per_state = [_prf(tp[k], fp[k], fn[k]) for k in range(_K)]
    precision = float(np.mean([p for p, _, _ in per_state]))
    recall = float(np.mean([r for _, r, _ in per_state]))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    exact, described = counts[3 * _K], counts[3 * _K + 1]
    return {
        "ce_precision": precision,
        "ce_recall": recall,
        "ce_f1": f1,
        "oua_accuracy": float(exact / described) if described else 0.0,
    }


class ClinicalEfficacy(Metric):
    """CE / OUA over an organ set (see module docstring), on label tables."""

    name = "ce"
    keys = ("ce_precision", "ce_recall", "ce_f1", "oua_accuracy")
    input = "labels"
    help = "PET2Rep's clinical efficacy: macro P/R/F1 over increased/decreased/absent per organ"

    def __init__(self, organs="pet2rep"):
        self.organs = organ_set(organs)

    def per_case(self, result: MetricResult) -> dict[str, np.ndarray]:
        return {"ce_f1": result.per_case, "oua_accuracy": result.extra["per_case_oua_accuracy"]}

    def details(self, result: MetricResult) -> dict:
        return {
            "ce_per_state": result.extra["per_state"],
            "ce_per_organ": result.extra["per_organ"],
        }

    def signature(self) -> str:
        from .. import __version__

        return f"ce|organs:{len(self.organs)}:{','.join(self.organs)}|states:{'/'.join(ABNORMAL_STATES)}|avg:macro|version:{__version__}"

    def compute(
        self, pred_labels: list[dict[str, list[str]]], ref_labels: list[dict[str, list[str]]]
    ) -> MetricResult:
        """Score label tables (one dict organ -> states per case, both sides, same length)."""
        cases = len(pred_labels)
        if len(ref_labels) != cases:
            raise ValueError(f"{cases} predicted label tables but {len(ref_labels)} references")
        # per case: [tp, fp, fn] x abnormal states, then exact, described
        table = np.zeros((cases, 3 * _K + 2))
        per_case_oua = np.full(cases, np.nan)
        per_organ = {o: np.zeros(5) for o in self.organs}  # tp fp fn exact described
        for c, (pred, ref) in enumerate(zip(pred_labels, ref_labels)):
            row = table[c]
            for organ in self.organs:
                p_states = set(pred.get(organ, ()))
                r_states = set(ref.get(organ, ()))
                for k, state in enumerate(ABNORMAL_STATES):
                    in_p, in_r = state in p_states, state in r_states
                    if in_p or in_r:
                        kind = 0 if in_p and in_r else (1 if in_p else 2)  # tp, fp, fn
                        row[kind * _K + k] += 1
                        per_organ[organ][kind] += 1
                if r_states:
                    row[3 * _K + 1] += 1
                    per_organ[organ][4] += 1
                    if p_states == r_states:
                        row[3 * _K] += 1
                        per_organ[organ][3] += 1
            if row[3 * _K + 1]:
                per_case_oua[c] = row[3 * _K] / row[3 * _K + 1]
        tp_case, fp_case, fn_case = (table[:, j * _K : (j + 1) * _K].sum(1) for j in range(3))
        per_case_f1 = np.array(
            [
                1.0 if tp + fp + fn == 0 else _prf(tp, fp, fn)[2]
                for tp, fp, fn in zip(tp_case.tolist(), fp_case.tolist(), fn_case.tolist())
            ]
        )
        totals = table.sum(0)
        per_state = {
            s: np.array([totals[k], totals[_K + k], totals[2 * _K + k]])
            for k, s in enumerate(ABNORMAL_STATES)
        }
        headline = _pooled_macro(table)
        extra = dict(headline)
        extra["per_state"] = {s: prf_figures(*v) for s, v in per_state.items()}
        extra["per_organ"] = {
            o: prf_figures(*v[:3])
            | {"accuracy": float(v[3] / v[4]) if v[4] else None, "described": int(v[4])}
            for o, v in per_organ.items()
        }
        extra["per_case_oua_accuracy"] = per_case_oua
        return MetricResult(
            "ce_f1",
            headline["ce_f1"],
            per_case_f1,
            self.signature(),
            extra=extra,
            case_stats=table,
            aggregate=_pooled_macro,
            additive=True,
        )


def _pooled_macro(table: np.ndarray) -> dict[str, float]:
    return _macro(table.sum(0) if len(table) else np.zeros(3 * _K + 2))
