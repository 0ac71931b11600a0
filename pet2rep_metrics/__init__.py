"""pet2rep_metrics: scoring for automated PET/CT report generation (PET2Rep)."""

from __future__ import annotations

from functools import lru_cache

from .extract import Extractor, Finding, ReportTable
from .labels import ABNORMAL_STATES, STATES, organ_ids, organ_set

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
    "__version__",
    "extract",
    "organ_ids",
    "organ_set",
]
