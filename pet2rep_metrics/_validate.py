"""Checks of what callers hand to the public API: the same rules the command line applies to
files, raised as TypeError or ValueError that name the argument and the index."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .labels import check_labels


def _sequence(name: str, values: Any) -> Sequence[Any]:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a list of texts, not a single {type(values).__name__}")
    if not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list, not {type(values).__name__}")
    if len(values) == 0:
        raise ValueError(f"{name} is empty: nothing to score")
    return values


def _text(name: str, index: int, value: Any) -> str:
    if isinstance(value, str):
        return value
    kind = "NaN" if isinstance(value, float) and math.isnan(value) else type(value).__name__
    raise TypeError(f"{name}[{index}] must be a str, not {kind}")


def texts(name: str, values: Any) -> list[str]:
    """A non-empty list of strings (a bare string, bytes, None or NaN items raise)."""
    return [_text(name, i, v) for i, v in enumerate(_sequence(name, values))]


def references(name: str, values: Any) -> list[list[str]]:
    """A non-empty list whose items are a string or a non-empty list of strings."""
    out = []
    for i, value in enumerate(_sequence(name, values)):
        if isinstance(value, str):
            out.append([value])
        elif isinstance(value, Sequence) and not isinstance(value, bytes):
            if not value:
                raise ValueError(f"{name}[{i}] is an empty list: every case needs a reference")
            out.append([_text(f"{name}[{i}]", j, v) for j, v in enumerate(value)])
        else:
            raise TypeError(
                f"{name}[{i}] must be a str or a list of str, not {type(value).__name__}"
            )
    return out


def label_tables(name: str, values: Any, cases: int, allow_none: bool = True) -> list[Any]:
    """One label table per case (organ id -> list of states, as the guide writes them), or None
    where ``allow_none``; unknown organ ids or states, a state given as a bare string, or a
    length other than ``cases`` raise."""
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of label tables, not {type(values).__name__}")
    if len(values) != cases:
        raise ValueError(f"{name} has {len(values)} items for {cases} cases")
    out = []
    for i, table in enumerate(values):
        if table is None and allow_none:
            out.append(None)
            continue
        if not isinstance(table, dict):
            raise TypeError(
                f"{name}[{i}] must be a dict organ -> [states], not {type(table).__name__}"
            )
        for organ, states in table.items():
            if not isinstance(states, (list, tuple, set, frozenset)):
                raise TypeError(
                    f"{name}[{i}][{organ!r}] must be a list of states, not {type(states).__name__}"
                )
        try:
            out.append(check_labels(table))
        except ValueError as exc:
            raise ValueError(f"{name}[{i}]: {exc}") from None
    return out
