"""Literal term lookup for the Chinese pipeline, on characters rather than tokens.

The Chinese tokenizer makes coarse tokens (runs of ideographs, letters, digits; each other
character alone), so term lookup cannot go through spaCy's PhraseMatcher. :class:`TermScanner`
finds what a ``PhraseMatcher(attr="LOWER")`` over one-character tokens finds: every occurrence of
every term, nested and overlapping ones included, case-insensitively, where a blank that a
character tokenizer folds into the previous token's whitespace does not count (``abdominal
aorta`` also matches ``abdominalaorta``). One regular-expression scan finds the longest term at
each position it reaches; the terms inside it are known from the term list, and a re-match runs
only where a longer term could start inside it and reach past its end, so the cost is linear in
the report."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence


def fold(text: str) -> str:
    """``text`` lower-cased character by character (same length; a character whose lower case is
    longer than one character stays as it is, on both sides of a comparison)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def squeeze(text: str) -> tuple[str, list[int] | None]:
    """``text`` without the blanks a one-character tokenizer folds into whitespace, and where
    those blanks were, counted in the squeezed text (None: nothing dropped; see
    :func:`original_offset`). Of a run of blanks the tokenizer folds the first into the previous
    token and makes the next a token of its own, folds the one after into that token, and so on;
    at the start of the text the first blank is a token."""
    if " " not in text:
        return text, None
    dropped: list[int] = []  # original positions of the dropped blanks
    if "  " not in text and not text.startswith(" "):
        position = text.find(" ")
        while position >= 0:
            dropped.append(position)
            position = text.find(" ", position + 1)
    else:
        for match in re.finditer(r" +", text):
            start, end = match.span()
            dropped.extend(range(start + 1 if start == 0 else start, end, 2))
    if not dropped:
        return text, None
    pieces, previous = [], 0
    for position in dropped:
        pieces.append(text[previous:position])
        previous = position + 1
    pieces.append(text[previous:])
    return "".join(pieces), [position - k for k, position in enumerate(dropped)]


def original_offset(squeezed_offset: int, dropped: list[int]) -> int:
    """Where a character of the squeezed text is in the text :func:`squeeze` was given."""
    return squeezed_offset + bisect.bisect_right(dropped, squeezed_offset)


def _trie_pattern(keys: Sequence[str]) -> str:
    """A regex matching the longest key at a position (a trie: greedy at every shared prefix)."""
    root: dict = {}
    for key in keys:
        node = root
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


class TermScanner:
    """Every occurrence of ``terms`` in a text: :meth:`find` returns (start, end, term index)
    triples, offsets of the text as given, in no particular order."""

    def __init__(self, terms: Sequence[str]):
        self._ids: dict[str, list[int]] = {}
        for index, term in enumerate(terms):
            key = fold(squeeze(term)[0])
            if key:
                self._ids.setdefault(key, []).append(index)
        keys = sorted(self._ids)
        self._regex = re.compile(_trie_pattern(keys)) if keys else None
        # Everything knowable from the longest key K matched at a position, worked out once per
        # key: the terms inside K (at every offset: (offset, length, index)), and the offsets
        # where a longer term could start and reach past K's end (there the text decides).
        extends = {key[:n] for key in keys for n in range(1, len(key))}  # proper prefixes
        self._inside: dict[str, tuple[tuple[int, int, int], ...]] = {}
        self._reaching: dict[str, tuple[int, ...]] = {}
        for key in keys:
            inside = []
            reaching = []
            for offset in range(len(key)):
                rest = key[offset:]
                for length in range(1, len(rest) + 1):
                    for index in self._ids.get(rest[:length], ()):
                        inside.append((offset, length, index))
                if offset and rest in extends:
                    reaching.append(offset)
            self._inside[key] = tuple(inside)
            self._reaching[key] = tuple(reaching)

    def find(self, text: str) -> list[tuple[int, int, int]]:
        if self._regex is None:
            return []
        squeezed, dropped = squeeze(text)
        folded = fold(squeezed)
        regex, inside, reaching, ids = self._regex, self._inside, self._reaching, self._ids
        found: list[tuple[int, int, int]] = []
        for match in regex.finditer(folded):
            start, end = match.span()
            if start == end:
                continue
            key = match.group()
            found.extend([(start + o, start + o + n, i) for o, n, i in inside[key]])
            # a term starting inside this one may reach past its end (右肺门: 右肺 and 肺门)
            for offset in reaching[key]:
                position = start + offset
                longer = regex.match(folded, position)
                if longer is not None and longer.end() > end:
                    longest = longer.group()
                    for n in range(end - position + 1, len(longest) + 1):
                        for index in ids.get(longest[:n], ()):
                            found.append((position, position + n, index))
        if dropped is not None:
            first = dropped[0]  # before the first dropped blank, offsets are the same
            found = [
                match
                if match[1] <= first
                else (
                    original_offset(match[0], dropped),
                    original_offset(match[1] - 1, dropped) + 1,
                    match[2],
                )
                for match in found
            ]
        return found
