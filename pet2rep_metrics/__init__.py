"""pet2rep_metrics: scoring for automated PET/CT report generation (PET2Rep).

The public names are imported on first use (PEP 562), so that ``import pet2rep_metrics`` and the
commands' ``--help`` stay fast: spaCy and the metrics load only when something needs them."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "Extractor": ".extract",
    "Finding": ".extract",
    "ReportTable": ".extract",
    "ABNORMAL_STATES": ".labels",
    "STATES": ".labels",
    "organ_ids": ".labels",
    "organ_set": ".labels",
    "Scorer": ".scoring",
    "bootstrap_ci": ".metrics",
    "paired_randomization": ".metrics",
    "tokenize": ".metrics",
}

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load on first use
    from .extract import Extractor, Finding, ReportTable
    from .labels import ABNORMAL_STATES, STATES, organ_ids, organ_set
    from .metrics import bootstrap_ci, paired_randomization, tokenize
    from .scoring import Scorer


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


@lru_cache(maxsize=4)
def _default_extractor(language: str | None):
    from .extract import Extractor

    return Extractor(language=language)


def _extract(text: str, language: str | None = None):
    """Read one report into a :class:`ReportTable` (``.labels``, ``.findings``, ``.to_frame()``).
    ``language``: 'zh', 'en' or None to detect. For many reports build an :class:`Extractor`
    once and call ``.pipe(texts)``."""
    return _default_extractor(None)(text, language=language)


extract = _extract


def score(preds: list[str], refs: list[str], **options) -> dict:
    """One-off scoring with the default metrics; for repeated use build a :class:`Scorer`."""
    from .scoring import Scorer

    per_case = options.pop("per_case", False)
    ref_labels = options.pop("ref_labels", None)
    return Scorer(**options).score(preds, refs, ref_labels=ref_labels, per_case=per_case)


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
