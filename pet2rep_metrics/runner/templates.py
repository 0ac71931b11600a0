"""The project's own whole-body template reports (lexicons/template_*.txt)."""

from __future__ import annotations

from functools import cache

from .._data import lexicon_dir


@cache
def default_template(language: str = "zh") -> str:
    """The default template report for ``language`` ('zh' or 'en'): every organ of the
    ``pet2rep`` set described with physiological uptake."""
    if language not in ("zh", "en"):
        raise ValueError(f"no template for language {language!r}")
    return (lexicon_dir() / f"template_{language}.txt").read_text(encoding="utf-8").strip()
