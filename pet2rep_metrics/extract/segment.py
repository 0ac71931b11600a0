"""Section split, sentence and clause segmentation (language-aware, on normalised text)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache

from .lexicon import Lexicon

SKIPPED_SECTIONS = frozenset({"technique", "history", "comparison"})


@dataclass(slots=True)
class Sentence:
    """A sentence of the normalised text: char span, section, and its clauses (char spans)."""

    start: int
    end: int
    section: str
    clauses: list[tuple[int, int]] = field(default_factory=list)


@cache
def _header_regex(lexicon: Lexicon) -> re.Pattern[str]:
    parts = [f"(?P<s{i}>{pattern})" for i, (_, pattern) in enumerate(lexicon.sections)]
    return re.compile(
        r"^[ \t\-*#•\d.()]*(?:" + "|".join(parts) + r")[ \t]*(?::|$)",
        re.IGNORECASE | re.MULTILINE,
    )


# zh: 。！？ newline and ';' end a sentence; ':' too unless a digit follows (SUVmax:28.5).
_ZH_SENTENCE_END = re.compile(r"[。!?;\n]+|:(?!\s*\d)")
# what may stand between a complete uptake statement and the next organ word of run-on text
_UNIT_GAP = re.compile(r"[\s双两左右侧及和与、另见可\d.]{0,6}")
# en: . ! ? followed by space and a capital or an opening bracket; ';'; blank lines; a line
# break before a bullet or numbered item; ':' not before a number.
_EN_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z(\"'])|;|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)]\s))|:(?!\s*\d)\s*|\n(?=[A-Z])(?<=[.!?:]\n)"
)


@cache
def _clause_end(lexicon: Lexicon) -> re.Pattern[str]:
    r"""What ends a clause: a comma or a contrast word (zh; a space between two Chinese
    characters too: it separates statements in OCR'd and PET/MR run-on text), a contrast word or
    a comma before a clause opener (en; (?<!\s): a run of blanks is tried once, from its first
    character, for linear time)."""
    if lexicon.language == "zh":
        template = r",|«clause_contrast»|(?<=[\u4e00-\u9fff])[ \t]+(?=[\u4e00-\u9fff])"
    else:
        template = r"(?:,|(?<!\s))\s+\b«clause_contrast»\b|,\s+(?=«comma_clause»\b)"
    pattern = lexicon.compose(template)
    if pattern is None:  # without its words, a clause ends at a comma
        pattern = re.compile(",")
    return pattern


_EN_SHORT_LINE_BREAK = re.compile(r"\n(?=[A-Z])")


def _sections(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]]:
    names = [name for name, _ in lexicon.sections]
    spans: list[tuple[int, int, str]] = []
    current_start, current_name = 0, "findings"
    for match in _header_regex(lexicon).finditer(text):
        group = next(key for key, value in match.groupdict().items() if value is not None)
        if match.start() > current_start:
            spans.append((current_start, match.start(), current_name))
        current_start, current_name = match.end(), names[int(group[1:])]
    if current_start < len(text):
        spans.append((current_start, len(text), current_name))
    # History, technique and comparison text is one paragraph: it ends at the first line break
    # that is not a hard wrap inside a sentence. Whatever follows without a header of its own
    # (an unknown heading, a numbered item, plain sentences) is report body.
    split: list[tuple[int, int, str]] = []
    for start, end, name in spans:
        stop = _paragraph_end(text, start, end) if name in SKIPPED_SECTIONS else end
        split.append((start, stop, name))
        if text[stop:end].strip():
            split.append((stop, end, "findings"))
    return split


_WRAP_MIN_LINE = 60  # a shorter line ends its paragraph: hard wraps fill the line
_LINE_ENDS_SENTENCE = re.compile(r"[.。!?;:！？；：]\s*$")


def _paragraph_end(text: str, start: int, end: int) -> int:
    """End of the paragraph that starts at ``start`` (a header's content; when the header's line
    holds nothing else, the paragraph is the next non-blank line)."""
    pos = start
    while pos < end and text[pos] in " \t\n":
        pos += 1
    while pos < end:
        newline = text.find("\n", pos, end)
        if newline < 0:
            return end
        line_start = text.rfind("\n", start, newline) + 1
        line = text[max(line_start, start) : newline]
        hard_wrap = (
            len(line) >= _WRAP_MIN_LINE
            and not _LINE_ENDS_SENTENCE.search(line)
            and text[newline + 1 : newline + 2].islower()
        )
        if not hard_wrap:
            return newline
        pos = newline + 1
    return end


def _split(text: str, start: int, end: int, regex: re.Pattern[str]) -> list[tuple[int, int]]:
    pieces = []
    cursor = start
    for match in regex.finditer(text, start, end):
        if match.start() > cursor:
            pieces.append((cursor, match.start()))
        cursor = max(cursor, match.end())
    if cursor < end:
        pieces.append((cursor, end))
    return [(s, e) for s, e in (_strip(text, s, e) for s, e in pieces) if e > s]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    return start, end


def _en_line_breaks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    # Hard-wrapped English keeps sentences across single line breaks; a short line before a
    # capitalised one is a heading or a list item and ends the sentence.
    pieces, cursor = [], start
    for match in _EN_SHORT_LINE_BREAK.finditer(text, start, end):
        line_start = text.rfind("\n", start, match.start()) + 1
        if match.start() - max(line_start, start) < 60:
            pieces.append((cursor, match.start()))
            cursor = match.end()
    pieces.append((cursor, end))
    return pieces


@cache
def _fronted(lexicon: Lexicon) -> re.Pattern[str] | None:
    return lexicon.compose(r"«fronted_subordinator»\b[^,;]*,")


def _fronted_subordinate(
    text: str, clauses: list[tuple[int, int]], fronted: re.Pattern[str] | None
) -> list[tuple[int, int]]:
    """A clause that opens with a subordinate clause (Although the mass is no longer avid, the
    nodes remain avid) ends that clause at its first comma."""
    if fronted is None:
        return clauses
    out = []
    for c0, c1 in clauses:
        match = fronted.match(text, c0, c1)
        if match is not None and match.end() < c1:
            out.append((c0, match.end() - 1))
            out.append(_strip(text, match.end(), c1))
        else:
            out.append((c0, c1))
    return out


def segment(text: str, lexicon: Lexicon) -> list[Sentence]:
    """Split normalised ``text`` into sentences (with section names) and clauses."""
    sentences: list[Sentence] = []
    zh = lexicon.language == "zh"
    fronted = _fronted(lexicon)
    for sec_start, sec_end, section in _sections(text, lexicon):
        if zh:
            spans = _split(text, sec_start, sec_end, _ZH_SENTENCE_END)
        else:
            spans = []
            for s, e in _split(text, sec_start, sec_end, _EN_SENTENCE_END):
                spans.extend(_strip(text, a, b) for a, b in _en_line_breaks(text, s, e))
        # clause separators found once per section, then dealt out to the sentences
        separators = [m.span() for m in _clause_end(lexicon).finditer(text, sec_start, sec_end)]
        cursor = 0
        for s, e in spans:
            if e <= s:
                continue
            while cursor < len(separators) and separators[cursor][0] < s:
                cursor += 1
            clauses = []
            start = s
            while cursor < len(separators) and separators[cursor][1] <= e:
                sep_start, sep_end = separators[cursor]
                if sep_start > start:
                    clauses.append(_strip(text, start, sep_start))
                start = max(start, sep_end)
                cursor += 1
            if start < e:
                clauses.append(_strip(text, start, e))
            clauses = [c for c in clauses if c[1] > c[0]] or [(s, e)]
            if not zh:
                clauses = _fronted_subordinate(text, clauses, fronted)
            sentences.append(Sentence(s, e, section, clauses))
    return sentences


def _after_suv_values(text: str, position: int, suv, suv_starts: list[int]) -> int:
    """The end of the SUV values that follow ``position`` with only blanks between."""
    vi = bisect.bisect_left(suv_starts, position)
    while (
        vi < len(suv)
        and suv[vi].start - position <= 8
        and text[position : suv[vi].start].strip() == ""
    ):
        position = suv[vi].end
        vi += 1
    return position


def split_units(text: str, sentences: list[Sentence], mentions, cues, suv) -> None:
    """Split clauses of run-on text (no punctuation between organs) into statement units, in
    place: where an organ word follows a complete uptake statement (an organ, then a worded
    cue, then at most laterality words or an SUV value), a new unit starts at that organ word.
    Mentions learn their new clause start. ``mentions``, ``cues`` and ``suv`` are sorted by
    start; cues of priority 0 (a bare uptake word) complete nothing."""
    if not mentions or not cues:
        return
    mention_starts = [m.start for m in mentions]
    suv_starts = [v.start for v in suv]
    cue_ends = sorted(c.end for c in cues if c.priority > 0)
    statement_ends: dict[int, int] = {}  # cue end -> end of the SUV values right after it
    for sentence in sentences:
        new_clauses: list[tuple[int, int]] = []
        for c0, c1 in sentence.clauses:
            unit_start = c0
            lo = bisect.bisect_left(mention_starts, c0)
            hi = bisect.bisect_left(mention_starts, c1)
            for mi in range(lo, hi):
                start = mention_starts[mi]
                # the last complete statement before this organ word, after the unit's start
                ci = bisect.bisect_right(cue_ends, start) - 1
                if ci < 0 or cue_ends[ci] <= unit_start:
                    continue
                cue_end = cue_ends[ci]
                first = bisect.bisect_left(mention_starts, unit_start)
                if first >= mi or mention_starts[first] >= cue_end:
                    continue  # the cue has no organ of its own yet: 高代谢纵隔淋巴结
                if cue_end not in statement_ends:
                    statement_ends[cue_end] = _after_suv_values(text, cue_end, suv, suv_starts)
                gap_start = statement_ends[cue_end]
                if gap_start > start or _UNIT_GAP.fullmatch(text, gap_start, start) is None:
                    continue
                new_clauses.append((unit_start, cue_end))
                unit_start = cue_end
                while unit_start < start and text[unit_start] in " \t":
                    unit_start += 1
            new_clauses.append((unit_start, c1))
        if len(new_clauses) != len(sentence.clauses):
            sentence.clauses = new_clauses
    starts = [c[0] for s in sentences for c in s.clauses]
    for mention in mentions:
        mention.clause_start = starts[bisect.bisect_right(starts, mention.start) - 1]


# What a clause that only lists places may hold besides the organ words (masked as \x00).
_LIST_ONLY = re.compile(
    r"[\x00\s、,，;及和与以或双两左右侧区部组群段支内外上下前后中\dⅠ-ⅫIVXRLabc./\-~～()（）]*"
)


def merge_list_clauses(text: str, sentences: list[Sentence], spans: list[tuple[int, int]]) -> None:
    """Join a clause that only lists organ or station words to the clause after it, in place:
    the list shares the statement that ends it (双侧颈部、锁骨上，纵隔及双肺门，腹膜后见多发肿大淋巴结，
    FDG代谢增高 labels every station). ``spans`` are the organ-word spans."""
    if not spans:
        return
    pieces, cursor = [], 0
    for s, e in sorted(spans):
        if s >= cursor:
            pieces.append(text[cursor:s])
            pieces.append("\x00" * (e - s))
            cursor = e
    pieces.append(text[cursor:])
    masked = "".join(pieces)
    for sentence in sentences:
        clauses = sentence.clauses
        if len(clauses) < 2:
            continue
        merged: list[tuple[int, int]] = []
        pending: int | None = None
        for c0, c1 in clauses:
            start = c0 if pending is None else pending
            if masked.find("\x00", c0, c1) >= 0 and _LIST_ONLY.fullmatch(masked, c0, c1):
                pending = start
                continue
            merged.append((start, c1))
            pending = None
        if pending is not None:
            merged.append((pending, clauses[-1][1]))
        if len(merged) != len(clauses):
            sentence.clauses = merged


_HEADING_LINE = re.compile(r"^[ \t]*(?:\d+[.、)]\s*)?[^\n:：]{1,24}[:：]", re.MULTILINE)


def heading_scopes(text: str, heading: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of text governed by a heading that ``heading`` matches at a line start (Lymph nodes:,
    淋巴结：): the rest of its line, or, when the heading stands alone, the lines after it up to a
    blank line or the next heading."""
    scopes = []
    for match in heading.finditer(text):
        start = match.end()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        if text[start:line_end].strip():
            scopes.append((start, line_end))
            continue
        end = line_end
        while end < len(text):
            nxt = text.find("\n", end + 1)
            nxt = len(text) if nxt < 0 else nxt
            line = text[end + 1 : nxt]
            if not line.strip() or _HEADING_LINE.match(line):
                break
            end = nxt
        scopes.append((start, end))
    return scopes
