"""Text normalisation with an offset map back to the original text, and language detection."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Template brackets are read as if removed (annotation guide); dashes fold to '-'.
_DROP = frozenset("【】[]")
_DASHES = dict.fromkeys("‐‑‒–—―−﹣", "-")
_SPACES = frozenset(" \t\u00a0\u3000\u2002\u2003\u2009\u200b\r\f\v")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, for every character of it, the index of the original character it
    came from (``origin``; one extra entry holds the original length)."""

    text: str
    origin: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text back to the original text."""
        if end <= start:
            pos = self.origin[min(start, len(self.origin) - 1)]
            return pos, pos
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    if char in _DROP:
        return ""
    if char in _DASHES:
        return "-"
    if char in _SPACES:
        return " "
    folded = unicodedata.normalize("NFKC", char)
    if folded in ("【", "】"):
        return ""
    return "".join(_DASHES.get(c, c) for c in folded)


def normalize_text(text: str, traditional: dict[int, str] | None = None) -> NormalizedText:
    """NFKC (full width to half width), traditional to simplified Chinese (1:1), dashes to '-',
    template brackets removed, runs of spaces collapsed to one; newlines are kept. Deterministic
    and offset-preserving: ``origin`` maps every output character back to its source."""
    if traditional:
        text_t = text.translate(traditional)
    else:
        text_t = text
    out: list[str] = []
    origin: list[int] = []
    previous_space = True
    for index, char in enumerate(text_t):
        folded = char if ("a" <= char <= "z" or "A" <= char <= "Z" or "0" <= char <= "9") else _fold_char(char)
        for piece in folded:
            if piece == " ":
                if previous_space:
                    continue
                previous_space = True
            else:
                previous_space = piece == "\n"
            out.append(piece)
            origin.append(index)
    origin.append(len(text))
    return NormalizedText("".join(out), tuple(origin))


def detect_language(text: str) -> str:
    """'zh' when CJK characters carry the text (one ideograph weighs as three Latin letters),
    else 'en'. Empty text is 'en'."""
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    return "zh" if cjk and cjk * 3 >= latin else "en"
