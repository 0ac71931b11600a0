"""The project's own whole-body template reports (lexicons/template_*.txt)."""

from __future__ import annotations

from functools import cache

from .._data import lexicon_dir
from ..language import check_language


@cache
def default_template(language: str = "zh") -> str:
    """The default template report for ``language`` ('zh' or 'en'): every organ of the
    ``pet2rep`` set described with physiological uptake."""
    check_language(language, allow_auto=False)
    return (lexicon_dir() / f"template_{language}.txt").read_text(encoding="utf-8").strip()
