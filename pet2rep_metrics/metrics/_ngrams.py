"""n-gram counts of a whole scoring call in a few array passes, shared by BLEU and CIDEr.

Every segment (the hypotheses, then each case's references in order) is coded once; for each
n the counts of all segments come from one sort of (segment, n-gram) keys, so the cost does not
grow with the number of segments the way one Counter per segment does."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

_KEY_LIMIT = 2**62  # keys (segment, n-gram) stay exact int64 below this


@dataclass(frozen=True)
class NgramLevel:
    """The n-grams of one order: one row per (segment, distinct n-gram), sorted by segment then
    code. ``space``: codes are < space, so ``case * space + code`` is an exact join key."""

    segment: np.ndarray
    code: np.ndarray
    count: np.ndarray
    space: int


@dataclass(frozen=True)
class NgramCounts:
    """Counts for n = 1..max_n of the hypotheses and references of one call.

    Segments 0..cases-1 are the hypotheses; then the references, case by case; ``ref_case``
    gives the case of each reference segment and ``lengths`` every segment's token count."""

    cases: int
    ref_case: np.ndarray
    lengths: np.ndarray
    levels: tuple[NgramLevel, ...]
    # codes are the n-grams' token ids in this vocabulary's base (the same n-gram has the same
    # code in every call made with the same vocabulary), or None when coded for this call only
    vocabulary: Vocabulary | None = None

    @property
    def max_n(self) -> int:
        return len(self.levels)

    def split(self, n: int) -> tuple[NgramLevel, NgramLevel]:
        """(hypothesis rows, reference rows) of order ``n``."""
        level = self.levels[n - 1]
        cut = int(np.searchsorted(level.segment, self.cases))
        hyp = NgramLevel(level.segment[:cut], level.code[:cut], level.count[:cut], level.space)
        ref = NgramLevel(level.segment[cut:], level.code[cut:], level.count[cut:], level.space)
        return hyp, ref

    def case_of(self, ref_rows: NgramLevel) -> np.ndarray:
        """The case each reference row belongs to."""
        return self.ref_case[ref_rows.segment - self.cases]

    def for_call(self, hyps: list[list[str]], refs: list[list[list[str]]]) -> bool:
        """Whether these counts were made from inputs of this shape (a cheap guard)."""
        return self.cases == len(hyps) and len(self.ref_case) == sum(len(r) for r in refs)


@dataclass(frozen=True)
class Vocabulary:
    """Token ids shared by several calls (ids follow the sorted words, from 1), so that their
    n-gram codes agree: the chunks of one large scoring call use one."""

    ids: dict[str, int]

    @classmethod
    def of(cls, words) -> Vocabulary:
        return cls({w: k for k, w in enumerate(sorted(set(words)), start=1)})

    @property
    def base(self) -> int:
        return len(self.ids) + 1

    def codes_fit(self, max_n: int) -> bool:
        """Whether every n-gram up to max_n has an exact 64-bit code."""
        return self.base**max_n < _KEY_LIMIT


def count_ngrams(
    hyps: list[list[str]],
    refs: list[list[list[str]]],
    max_n: int,
    vocabulary: Vocabulary | None = None,
) -> NgramCounts:
    """Counts of every n-gram (n = 1..max_n) of every hypothesis and reference. With a
    ``vocabulary`` (holding every token; see :meth:`Vocabulary.codes_fit`) the codes are
    global: the same n-gram gets the same code in every call."""
    segments = [*hyps, *(r for ref_list in refs for r in ref_list)]
    ref_case = np.repeat(np.arange(len(refs)), [len(r) for r in refs]).astype(np.int64)
    lengths = np.fromiter(map(len, segments), dtype=np.int64, count=len(segments))
    total = int(lengths.sum())
    if vocabulary is None or not vocabulary.codes_fit(max_n):
        # ids follow the sorted words: the same input always gets the same codes
        vocabulary, shared = Vocabulary.of(chain.from_iterable(segments)), None
    else:
        shared = vocabulary
    vocab = vocabulary.ids
    ids = np.fromiter(map(vocab.__getitem__, chain.from_iterable(segments)), np.int64, total)
    base = vocabulary.base
    segment_of = np.repeat(np.arange(len(segments), dtype=np.int64), lengths)
    end_of = np.repeat(np.cumsum(lengths), lengths)  # one past each token's segment
    position = np.arange(total, dtype=np.int64)
    seg_count = max(len(segments), 1)
    if base**max_n * seg_count < _KEY_LIMIT:
        levels = _levels_from_one_sort(ids, segment_of, end_of, position, base, max_n)
        return NgramCounts(len(hyps), ref_case, lengths, levels, shared)
    if shared is not None:
        levels = _levels_by_pairs(ids, segment_of, end_of, position, base, max_n)
        return NgramCounts(len(hyps), ref_case, lengths, levels, shared)

    levels = []
    codes, space = ids, base
    for n in range(1, max_n + 1):
        if n > 1:
            if space * base * seg_count >= _KEY_LIMIT:
                # re-code the (n-1)-grams densely so that the next codes stay exact
                uniques, codes = np.unique(codes, return_inverse=True)
                space = len(uniques) + 1
                if space * base * seg_count >= _KEY_LIMIT:
                    raise ValueError("too many distinct n-grams for exact 64-bit n-gram keys")
            codes = codes[: total - n + 1] * base + ids[n - 1 :]
            space *= base
        starts = position[: total - n + 1]
        keep = starts + n <= end_of[: total - n + 1]  # the n-gram stays inside its segment
        keys, counts = np.unique(
            segment_of[: total - n + 1][keep] * space + codes[keep], return_counts=True
        )
        levels.append(NgramLevel(keys // space, keys % space, counts.astype(np.int64), space))
    return NgramCounts(len(hyps), ref_case, lengths, tuple(levels))


def _levels_by_pairs(
    ids: np.ndarray,
    segment_of: np.ndarray,
    end_of: np.ndarray,
    position: np.ndarray,
    base: int,
    max_n: int,
) -> tuple[NgramLevel, ...]:
    """All orders with global codes (ids in ``base``), counted per (segment, code) pair: for
    calls whose segment count times the code space would overflow one 64-bit key."""
    total = len(ids)
    levels = []
    codes = ids
    for n in range(1, max_n + 1):
        if n > 1:
            codes = codes[: total - n + 1] * base + ids[n - 1 :]
        keep = position[: total - n + 1] + n <= end_of[: total - n + 1]
        order = np.lexsort((codes[keep], segment_of[: total - n + 1][keep]))
        segments = segment_of[: total - n + 1][keep][order]
        kept = codes[keep][order]
        if len(kept):
            starts = np.flatnonzero(
                np.r_[True, (segments[1:] != segments[:-1]) | (kept[1:] != kept[:-1])]
            )
            counts = np.diff(np.r_[starts, len(kept)])
            levels.append(NgramLevel(segments[starts], kept[starts], counts, base**n))
        else:
            empty = np.empty(0, dtype=np.int64)
            levels.append(NgramLevel(empty, empty, empty, base**n))
    return tuple(levels)


def _levels_from_one_sort(
    ids: np.ndarray,
    segment_of: np.ndarray,
    end_of: np.ndarray,
    position: np.ndarray,
    base: int,
    max_n: int,
) -> tuple[NgramLevel, ...]:
    """All orders from one sort: each position's key is (segment, its next max_n tokens, 0 past
    the segment's end). Sorted keys put equal n-gram prefixes next to each other for every n,
    so counting an order is comparing neighbours' key prefixes."""
    keys = segment_of.copy()
    for k in range(max_n):
        following = np.zeros(len(ids), dtype=np.int64)
        inside = position + k < end_of
        following[inside] = ids[position[inside] + k]
        keys = keys * base + following
    keys.sort()
    levels = []
    for n in range(1, max_n + 1):
        space = base**n
        prefixes = keys // base ** (max_n - n)
        prefixes = prefixes[prefixes % base != 0]  # the n-gram ends inside its segment
        if len(prefixes):
            starts = np.flatnonzero(np.r_[True, prefixes[1:] != prefixes[:-1]])
            counts = np.diff(np.r_[starts, len(prefixes)])
            distinct = prefixes[starts]
        else:
            counts = distinct = np.empty(0, dtype=np.int64)
        levels.append(NgramLevel(distinct // space, distinct % space, counts, space))
    return tuple(levels)


def lookup(keys: np.ndarray, table_keys: np.ndarray, table_values: np.ndarray) -> np.ndarray:
    """``table_values`` at each of ``keys`` in the sorted ``table_keys`` (0 where absent)."""
    out = np.zeros(len(keys), dtype=table_values.dtype)
    if len(table_keys) and len(keys):
        pos = np.minimum(np.searchsorted(table_keys, keys), len(table_keys) - 1)
        found = table_keys[pos] == keys
        out[found] = table_values[pos[found]]
    return out
