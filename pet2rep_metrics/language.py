"""Which language a report is written in: one rule, used by the extractor (per report) and by
the scorer (per corpus, by a majority of the references), and the one check of a language
argument."""

from __future__ import annotations

import re

LANGUAGES = ("zh", "en")
# runs, not single characters: the counts are the summed run lengths (half the work of one
# match object per character)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[A-Za-z]+")


def detect_language(text: str) -> str:
    """'zh' when CJK characters carry the text (one ideograph weighs as three Latin letters),
    else 'en'. Empty text is 'en'."""
    cjk = sum(map(len, _CJK.findall(text)))
    latin = sum(map(len, _LATIN.findall(text)))
    return "zh" if cjk and cjk * 3 >= latin else "en"


def check_language(
    language: str | None, allow_auto: bool = True, name: str = "language"
) -> str | None:
    """``language`` as the package takes it: 'zh', 'en', or None for 'detect' ('auto' too when
    ``allow_auto``); ValueError naming ``name`` and the choices otherwise."""
    if language is None or (allow_auto and language == "auto"):
        return None
    if language not in LANGUAGES:
        choices = "'zh', 'en' or 'auto'" if allow_auto else "'zh' or 'en'"
        raise ValueError(f"{name} must be {choices}, not {language!r}")
    return language
