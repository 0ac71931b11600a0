"""n-gram counting on integer-coded tokens (numpy), shared by BLEU and CIDEr."""

from __future__ import annotations

from collections import Counter

import numpy as np


class Vocabulary:
    """Maps tokens to integer ids (1-based) for one scoring call."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.ngram_ids: dict[tuple[int, ...], int] = {}

    def encode(self, tokens: list[str]) -> np.ndarray:
        ids = self.ids
        return np.fromiter(
            (ids.setdefault(t, len(ids) + 1) for t in tokens), dtype=np.int64, count=len(tokens)
        )

    @property
    def base(self) -> int:
        return len(self.ids) + 1


def ngram_counts(ids: np.ndarray, n: int, vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique codes of the n-grams of ``ids`` and their counts. Codes are exact (no
    hashing): positional integers while base**n fits in int64, else ids from a shared table."""
    if len(ids) < n:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    base = vocab.base
    if base**n < 2**62:
        codes = ids[: len(ids) - n + 1].copy()
        for k in range(1, n):
            codes = codes * base + ids[k : len(ids) - n + 1 + k]
        return np.unique(codes, return_counts=True)
    table = vocab.ngram_ids
    counter = Counter(
        table.setdefault(tuple(ids[i : i + n].tolist()), len(table))
        for i in range(len(ids) - n + 1)
    )
    codes = np.array(sorted(counter), dtype=np.int64)
    return codes, np.array([counter[c] for c in codes.tolist()], dtype=np.int64)
