"""Tokenisation for the lexical metrics.

zh: NFKC, lower-case; every CJK ideograph is a token; a run of letters/digits (with inner '.',
'-', '/': 18f-fdg, suvmax, 2.05) is a token; punctuation and space are dropped. Optionally jieba
words instead of characters.
en: what pycocoevalcap's PTBTokenizer (Stanford PTBTokenizer -lowerCase, then its punctuation
list removed) produces, in pure Python.
"""

from __future__ import annotations

import re
import unicodedata

from .._cache import bounded_cache
from ..language import detect_language

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ZH_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+(?:[./-][^\W_{_CJK}]+)*")


def _inert_punctuation() -> str:
    """Common non-ASCII punctuation that NFKC leaves as one character that can neither be nor
    join a token: text made only of these, ASCII and CJK ideographs tokenises the same with or
    without NFKC, so the normalisation (the slowest step) can be skipped for it."""
    candidates = (
        "，。、：；！？（）“”‘’《》【】「」『』〔〕［］｛｝～·×±°％＋＝＜＞＂＇＃＆＊＠＼＾｀｜"
    )
    inert = []
    for char in candidates:
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1 and not re.match(rf"[\w./\-{_CJK}]", folded):
            inert.append(char)
    return "".join(inert)


_NEEDS_NFKC = re.compile(rf"[^\x00-\x7f{_CJK}{re.escape(_inert_punctuation())}]")

# pycocoevalcap drops these tokens after PTB tokenisation (lower-casing runs first, so the
# bracket tokens, which it lists in upper case, survive as -lrb- and friends).
PTB_PUNCTUATION = frozenset(
    [
        "''",
        "'",
        "``",
        "`",
        "-LRB-",
        "-RRB-",
        "-LCB-",
        "-RCB-",
        ".",
        "?",
        "!",
        ",",
        ":",
        "-",
        "--",
        "...",
        ";",
    ]
)
_BRACKETS = {"(": "-lrb-", ")": "-rrb-", "[": "-lsb-", "]": "-rsb-", "{": "-lcb-", "}": "-rcb-"}
_PTB_TOKEN = re.compile(
    r"""
    (?P<url>https?://\S+)
  | (?P<word>\d+[^\W\d_][^\W_]*(?:[-'&/][^\W_]+)*
      | [^\W\d_][^\W_]*(?:(?:[-'&.]|/(?=[^\W\d_]))[^\W_]+)*\.?)
  | (?P<number>[+-]?\d+(?:[.,:]\d+)*(?:-\d+(?:[.,:]\d+)*)*)
  | (?P<ellipsis>\.\.\.|…)
  | (?P<dashes>--+|—|–)
  | (?P<quote>``|''|["“”„])
  | (?P<apostrophe>['‘’`])
  | (?P<symbol>\S)
    """,
    re.VERBOSE,
)
_CONTRACTION = re.compile(r"(?i)^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$")
_ABBREVIATION = re.compile(
    r"^(?:[a-z]\.){2,}$|^(?:dr|mr|mrs|ms|st|vs|etc|fig|figs|no|approx|e\.g|i\.e)\.$", re.I
)


def tokenize(text: str, language: str | None = None, zh_words: bool = False) -> list[str]:
    """Tokens of ``text`` for the lexical metrics (see module docstring). ``language`` 'zh',
    'en' or None (detect); ``zh_words`` uses jieba words instead of characters for Chinese."""
    if language in (None, "auto"):
        language = detect_language(text)
    if language == "zh":
        return _zh_words(text) if zh_words else _zh_chars(text)
    if language == "en":
        return _ptb(text)
    raise ValueError(f"unsupported language {language!r}; expected 'zh' or 'en'")


def _zh_chars(text: str) -> list[str]:
    if _NEEDS_NFKC.search(text):
        text = unicodedata.normalize("NFKC", text)
    return _ZH_TOKEN.findall(text.lower())


def _zh_words(text: str) -> list[str]:
    try:
        import jieba
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "jieba word tokenisation needs jieba: pip install 'pet2rep-metrics[zh-words]'"
        ) from exc
    jieba.setLogLevel(60)
    normalized = unicodedata.normalize("NFKC", text).lower()
    words = []
    for piece in jieba.lcut(normalized):
        piece = piece.strip()
        if (piece and _ZH_TOKEN.fullmatch(piece)) or (piece and re.fullmatch(rf"[{_CJK}]+", piece)):
            words.append(piece)
        elif piece:
            words.extend(_ZH_TOKEN.findall(piece))
    return words


@bounded_cache(maxsize=65536, max_chars=64)
def _ptb_word(word: str) -> tuple[str, ...]:
    match = _CONTRACTION.match(word)
    if match and match.group(1).lower() not in ("", "'"):
        head, tail = match.group(1), match.group(2)
        if tail.lower() == "n't" and head.lower() == "ca":
            return ("ca", "n't")
        return (head, tail)
    return (word,)


def _ptb(text: str) -> list[str]:
    tokens: list[str] = []
    open_quote = True
    for match in _PTB_TOKEN.finditer(text.replace("\n", " ")):
        kind = match.lastgroup
        value = match.group()
        if kind == "word":
            if value.endswith(".") and not _ABBREVIATION.match(value):
                tokens.extend(_ptb_word(value[:-1]))
                tokens.append(".")
            else:
                tokens.extend(_ptb_word(value))
        elif kind == "quote":
            if value in ("``", "“", "„") or (value == '"' and open_quote):
                tokens.append("``")
                open_quote = False
            else:
                tokens.append("''")
                open_quote = True
        elif kind == "apostrophe":
            tokens.append("`" if value in "‘`" else "'")
        elif kind == "symbol" and value in _BRACKETS:
            tokens.append(_BRACKETS[value])
        elif kind == "ellipsis":
            tokens.append("...")
        elif kind == "dashes":
            tokens.append("--")
        else:
            tokens.append(value)
    return [
        t.lower() for t in tokens if t not in PTB_PUNCTUATION and t.lower() not in PTB_PUNCTUATION
    ]
