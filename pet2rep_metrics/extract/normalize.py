"""Text normalisation with an offset map back to the original text, and language detection."""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..language import detect_language  # noqa: F401  (kept importable from here)

# Template brackets are read as if removed (annotation guide); dashes fold to '-'.
_DROP = frozenset("【】[]")
_DASHES = dict.fromkeys("‐‑‒–—―−﹣", "-")
_SPACES = frozenset(" \t\u00a0\u3000\u2002\u2003\u2009\u200b\r\f\v")


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text plus, for every character of it, the index of the original character it
    came from (``origin``; one extra entry holds the original length)."""

    text: str
    origin: Sequence[int]
    source: str = ""  # the text before normalisation (what the offsets map back to)

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


# Characters that need no folding: printable ASCII but brackets, CJK ideographs, newline.
_SPECIAL = re.compile(r"[^\x21-\x5a\x5c\x5e-\x7e\u4e00-\u9fff\u3001\u3002\u2018-\u201d\n]")


def _one_to_one_folds() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x2000, 0x3100):
        char = chr(code)
        folded = _fold_char(char)
        if len(folded) == 1 and folded != char and folded != " ":
            table[code] = folded
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = _fold_char(chr(code))
    return {code: value for code, value in table.items() if chr(code) not in _DROP}


def _care_class(table: dict[int, str]) -> str:
    """A regex character class of the BMP characters that fold to something other than one
    character (dropped brackets, spaces, expansions): the table alone cannot handle them."""
    ranges: list[list[int]] = []
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF or code in table:
            continue
        char = chr(code)
        if (
            char in _DROP
            or char in _SPACES
            or char in _DASHES
            or unicodedata.normalize("NFKC", char) != char
        ):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_FOLD_TABLE = _one_to_one_folds()
# What the table cannot do: drop brackets, expand characters, tidy spaces.
_NEEDS_CARE = re.compile(r"[\[\]\t\r\f\v" + _care_class(_FOLD_TABLE) + r"]|^ |  | \n|\n ")


_KEY_PATTERNS: dict[int, tuple[dict[int, str], re.Pattern[str]]] = {}


def _any_of(table: dict[int, str]) -> re.Pattern[str]:
    """A regex finding any character ``table`` maps (most reports hold none or a few dozen:
    finding them is cheaper than translating every character)."""
    entry = _KEY_PATTERNS.get(id(table))
    if entry is None or entry[0] is not table:  # the table is kept in the entry: ids stay unique
        keys = "".join(re.escape(chr(code)) for code in sorted(table))
        entry = _KEY_PATTERNS[id(table)] = (table, re.compile(f"[{keys}]"))
    return entry[1]


def _fold_match(match: re.Match[str]) -> str:
    return _FOLD_TABLE[ord(match.group())]


def normalize_text(text: str, traditional: dict[int, str] | None = None) -> NormalizedText:
    """NFKC (full width to half width), traditional to simplified Chinese (1:1), dashes to '-',
    template brackets removed, runs of spaces collapsed to one; newlines are kept. Deterministic
    and offset-preserving: ``origin`` maps every output character back to its source."""
    source = text
    if traditional and _any_of(traditional).search(text):
        text = text.translate(traditional)
    # a few dozen characters per report fold: replacing them is cheaper than translating all
    folded = _any_of(_FOLD_TABLE).sub(_fold_match, text)
    if not _NEEDS_CARE.search(folded):
        # every change was one character for one: offsets are the identity
        return NormalizedText(folded, range(len(text) + 1), source)
    out: list[str] = []
    # an int array, not a list: large Python containers make every GC pass slower
    origin = array("l")
    cursor = 0
    for match in _SPECIAL.finditer(text):
        index = match.start()
        if index > cursor:
            out.append(text[cursor:index])
            origin.extend(range(cursor, index))
        cursor = index + 1
        for piece in _fold_char(text[index]):
            if piece == " " and (not out or out[-1][-1] in " \n"):
                continue
            out.append(piece)
            origin.append(index)
    if cursor < len(text):
        out.append(text[cursor:])
        origin.extend(range(cursor, len(text)))
    normalized = "".join(out)
    if " \n" in normalized:
        # a space before a line break carries nothing
        keep = [
            i
            for i, ch in enumerate(normalized)
            if not (ch == " " and normalized[i + 1 : i + 2] == "\n")
        ]
        normalized = "".join(normalized[i] for i in keep)
        origin = array("l", (origin[i] for i in keep))
    origin.append(len(text))
    return NormalizedText(normalized, origin, source)
