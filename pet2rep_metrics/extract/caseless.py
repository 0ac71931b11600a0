"""Case-insensitive regular expressions that stay fast.

Python's regex engine skips ahead to the positions where a match can start only when it knows
the pattern's first characters, and it gives up on that whenever the pattern is compiled with
IGNORECASE and may start with a letter (``(?:摄取|代谢|FDG)…``): every position is then tried. The
lexicon patterns are case-insensitive and many open with such an alternation, so
:func:`compile_caseless` writes out the case forms of what can start a match (``FDG…`` →
``F(?i:DG…)|f(?i:DG…)``) and leaves the rest to a scoped flag: the same matches, found several
times faster on a report, and compiled nearly as fast as with the flag (a class per letter,
``[Ff][Dd][Gg]``, compiled ten times slower: 0.2 s for the English lexicon). A pattern it
cannot rewrite exactly (backreferences, global inline flags, non-ASCII letters) is compiled
with IGNORECASE.
"""

from __future__ import annotations

import re
import string
import unicodedata

# Every character Python's IGNORECASE matches with an ASCII letter (computed from re itself;
# tests/test_caseless.py checks the table): a few letters have a third form.
_FORMS = {c: c + c.upper() for c in string.ascii_lowercase}
_FORMS.update({"i": "Ii\u0130\u0131", "k": "Kk\u212a", "s": "Ss\u017f"})
_FORMS.update({c.upper(): forms for c, forms in list(_FORMS.items())})
_FORMS.update(
    {"\u0130": _FORMS["i"], "\u0131": _FORMS["i"], "\u212a": _FORMS["k"], "\u017f": _FORMS["s"]}
)
_EXTRA_IN_CLASS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def compile_caseless(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled to match as ``re.compile(pattern, re.IGNORECASE)`` does."""
    written = write_cases(pattern)
    if written is None:
        return re.compile(pattern, re.IGNORECASE)
    return re.compile(written)


def write_cases(pattern: str) -> str | None:
    """``pattern`` rewritten to match without IGNORECASE what it matches with it, or None when
    that cannot be done exactly. Each alternative's first element is written out: a letter
    alone once per case form (``FDG|…`` → ``F(?i:DG)|f(?i:DG)|…``: the engine's skip ahead
    needs every alternative of a leading group to open with a plain character), a character
    class with the other forms of its letters added, a group the same way inside; what follows
    it is wrapped in ``(?i:…)``."""
    if any(c not in _FORMS and c.lower() != c.upper() for c in pattern):
        return None  # a non-ASCII letter: its case forms are left to the engine
    try:
        written, end, _ = _alternatives(pattern, 0)
    except _Unwritable:
        return None
    return written if end == len(pattern) else None


class _Unwritable(Exception):
    """A construct whose case-insensitive meaning is not kept by writing the cases out."""


def _alternatives(pattern: str, i: int) -> tuple[str, int, bool]:
    """The alternatives from ``i`` to the ``)`` that closes their group (not consumed) or the
    end, written out; where they end; whether they hold a group that captures."""
    branches: list[list[_Atom]] = [[]]
    while i < len(pattern) and pattern[i] != ")":
        if pattern[i] == "|":
            branches.append([])
            i += 1
            continue
        atom, i = _atom(pattern, i)
        branches[-1].append(atom)
    written = "|".join(_branch(atoms) for atoms in branches)
    return written, i, any(atom[2] for atoms in branches for atom in atoms)


# an element written out: its text, the case forms of a letter standing alone at its place
# (else None), whether it holds a group that captures, its text in the pattern
_Atom = tuple[str, str | None, bool, str]
_QUANTIFIER = re.compile(r"(?:[?*+]|\{\d*(?:,\d*)?\})[?+]?")


def _branch(atoms: list[_Atom]) -> str:
    # Only where a match can start matters to the engine's skip ahead: the alternative's first
    # element is written out, what follows it is left to a scoped flag, (?i:...), which matches
    # as IGNORECASE does and compiles ten times faster than a class per letter.
    if not atoms:
        return ""
    rest = "".join(atom[3] for atom in atoms[1:])
    quantifier = _QUANTIFIER.match(rest)
    lead = quantifier.group() if quantifier else ""
    rest = rest[len(lead) :]
    if any(c.lower() != c.upper() for c in rest):
        rest = f"(?i:{rest})"
    # an alternative that opens with a letter is written once per case form, unless it holds a
    # group that captures: a copy would define the group again and renumber the ones after it
    if atoms[0][1] is not None and not lead and not any(atom[2] for atom in atoms):
        return "|".join(form + rest for form in atoms[0][1])
    return atoms[0][0] + lead + rest


def _atom(pattern: str, i: int) -> tuple[_Atom, int]:
    """One element at ``i``, written out."""
    (written, forms, captures), end = _element(pattern, i)
    return (written, forms, captures, pattern[i:end]), end


def _element(pattern: str, i: int) -> tuple[tuple[str, str | None, bool], int]:
    char = pattern[i]
    if char == "\\":
        escape, i = _escape(pattern, i)
        if escape is None:
            raise _Unwritable
        return (escape, None, False), i
    if char == "[":
        written, i = _char_class(pattern, i)
        if written is None:
            raise _Unwritable
        return (written, None, False), i
    if pattern.startswith("(?i:", i):  # written before (a pattern made of written ones)
        _, end, captures = _alternatives(pattern, i + 4)
        if end >= len(pattern):
            raise _Unwritable
        return (pattern[i : end + 1], None, captures), end + 1
    if char == "(":
        head, i = _group_head(pattern, i) if pattern.startswith("(?", i) else ("(", i + 1)
        if head is None:
            raise _Unwritable
        inner, i, captures = _alternatives(pattern, i)
        if i >= len(pattern):
            raise _Unwritable  # an unclosed group
        captures = captures or head == "(" or head.startswith("(?P<")
        return (head + inner + ")", None, captures), i + 1
    if char in _FORMS:
        forms = _FORMS[char]
        alone = i + 1 >= len(pattern) or pattern[i + 1] not in "?*+{"
        return (f"[{forms}]", forms if alone else None, False), i + 1
    return (char, None, False), i + 1


def _escape(pattern: str, i: int) -> tuple[str | None, int]:
    """The escape at ``i`` (kept as it is) and the position after it; None for a backreference
    or an escape whose meaning changes with the case of its letters."""
    if i + 1 >= len(pattern):
        return None, i
    code = pattern[i + 1]
    if code.isdigit() and code != "0":
        return None, i  # a backreference compares case-insensitively
    length = {"x": 4, "u": 6, "U": 10}.get(code, 2)
    if code == "N":
        end = pattern.find("}", i)
        if end < 0:
            return None, i
        length = end + 1 - i
    escape = pattern[i : i + length]
    if code in string.ascii_letters and code not in "xuUNdDsSwWbBAZ" and code not in "afnrtv":
        return None, i
    if code in "xuUN":  # a character given by its code: a letter has case forms too
        try:
            char = unicodedata.lookup(escape[3:-1]) if code == "N" else chr(int(escape[2:], 16))
        except (KeyError, ValueError):
            return None, i
        if char.lower() != char.upper():
            return None, i
    return escape, i + length


def _group_head(pattern: str, i: int) -> tuple[str | None, int]:
    """The opening of the ``(?…`` group at ``i``: its name or kind kept; None for inline flags,
    named backreferences, comments and conditionals."""
    rest = pattern[i + 2 : i + 4]
    if rest.startswith((":", "=", "!")):
        return pattern[i : i + 3], i + 3
    if rest in ("<=", "<!"):
        return pattern[i : i + 4], i + 4
    if rest.startswith("P<"):
        end = pattern.find(">", i)
        return (pattern[i : end + 1], end + 1) if end > 0 else (None, i)
    return None, i


def _char_class(pattern: str, i: int) -> tuple[str | None, int]:
    """The character class at ``i`` with the other case forms of its letters added."""
    j = i + 1
    negated = j < len(pattern) and pattern[j] == "^"
    if negated:
        j += 1
    members: list[str] = []  # written as found
    added: list[str] = []  # other case forms
    first = True
    while j < len(pattern) and (pattern[j] != "]" or first):
        first = False
        if pattern[j] == "\\":
            escape, j = _escape(pattern, j)
            if escape is None:
                return None, i
            members.append(escape)
            continue
        low = pattern[j]
        if j + 2 < len(pattern) and pattern[j + 1] == "-" and pattern[j + 2] != "]":
            high = pattern[j + 2]
            if high == "\\":
                return None, i
            members.append(f"{low}-{high}")
            ascii_letters = low in string.ascii_letters and high in string.ascii_letters
            if ascii_letters and low.islower() == high.islower():
                added.append(f"{low.swapcase()}-{high.swapcase()}")
                covered = {chr(c).lower() for c in range(ord(low), ord(high) + 1)}
                added.extend(_EXTRA_IN_CLASS[c] for c in sorted(covered) if c in _EXTRA_IN_CLASS)
            elif any(chr(c).lower() != chr(c).upper() for c in range(ord(low), ord(high) + 1)):
                return None, i  # a range holding letters but not a plain letter range
            j += 3
            continue
        members.append(low)
        if low in _FORMS:
            added.append(_FORMS[low])
        j += 1
    if j >= len(pattern):
        return None, i
    body = "".join(members) + "".join(added)
    return f"[{'^' if negated else ''}{body}]", j + 1
