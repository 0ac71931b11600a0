"""pet2rep_metrics: scoring for automated PET/CT report generation (PET2Rep)."""

from __future__ import annotations

from functools import lru_cache

from .extract import Extractor, Finding, ReportTable
from .labels import ABNORMAL_STATES, STATES, organ_ids, organ_set
from .metrics import Scorer, bootstrap_ci, paired_randomization, tokenize

__version__ = "0.1.0"


@lru_cache(maxsize=4)
def _default_extractor(language: str | None) -> Extractor:
    return Extractor(language=language)


def extract(text: str, language: str | None = None) -> ReportTable:
    """Read one report into a :class:`ReportTable` (``.labels``, ``.findings``, ``.to_frame()``).
    ``language``: 'zh', 'en' or None to detect. For many reports build an :class:`Extractor`
    once and call ``.pipe(texts)``."""
    return _default_extractor(None)(text, language=language)


__all__ = [
    "ABNORMAL_STATES",
    "STATES",
    "Extractor",
    "Finding",
    "ReportTable",
    "Scorer",
    "__version__",
    "bootstrap_ci",
    "extract",
    "organ_ids",
    "organ_set",
    "paired_randomization",
    "score",
    "tokenize",
]


def score(preds: list[str], refs: list[str], **options) -> dict:
    """One-off scoring with the default metrics; for repeated use build a :class:`Scorer`."""
    per_case = options.pop("per_case", False)
    ref_labels = options.pop("ref_labels", None)
    return Scorer(**options).score(preds, refs, ref_labels=ref_labels, per_case=per_case)
