"""The clinical-efficacy extractor: PET/CT report text -> organ x uptake table."""

import sys

from .._spacy import import_spacy

import_spacy()  # before any spacy submodule: keeps torch out of the import (see _spacy)

from ._compiled import prefer_fresh_modules  # noqa: E402

prefer_fresh_modules()  # before the rule modules are imported: a stale compiled one is passed over

from .pipeline import Extractor, build_pipeline  # noqa: E402
from .table import Finding, ReportTable  # noqa: E402

__all__ = ["Extractor", "Finding", "ReportTable", "build_pipeline"]


class _CallableModule(sys.modules[__name__].__class__):
    """``pet2rep_metrics.extract`` is both this subpackage and the function
    :func:`pet2rep_metrics.extract` (the package loads its names lazily, so importing the
    subpackage binds it over the function): calling the module calls the function."""

    def __call__(self, text: str, language: str | None = None) -> ReportTable:
        from .. import _extract

        return _extract(text, language=language)


sys.modules[__name__].__class__ = _CallableModule
