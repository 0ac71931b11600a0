"""A bounded memo: like functools.lru_cache, but calls whose text argument is longer than a
limit are computed and not kept, so that a cache holds at most ``maxsize`` entries of at most
``max_chars`` characters each, whatever the input (a 100,000-character token or report
computes as usual, and costs the cache nothing)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def bounded_cache(maxsize: int, max_chars: int, arg: int = 0) -> Callable[[F], F]:
    """Memoise the function while its positional argument ``arg`` (a str) is at most
    ``max_chars`` long; ``cache_info`` and ``cache_clear`` are those of the memo."""

    def decorate(function: F) -> F:
        memo = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(*args: Any) -> Any:
            if len(args[arg]) > max_chars:
                return function(*args)
            return memo(*args)

        call.cache_info = memo.cache_info  # type: ignore[attr-defined]
        call.cache_clear = memo.cache_clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate


class TokenMemo:
    """A memo of ``function`` over short strings, made to map many at once (a segment's
    tokens): known ones are looked up in one C-level pass, the rest computed and kept. Holds at
    most ``maxsize`` entries of at most ``max_chars`` characters (the oldest kept go first);
    longer strings are computed and not kept. Safe to share between threads (a race computes
    a value twice, never a wrong one)."""

    def __init__(self, function: Callable[[str], Any], maxsize: int, max_chars: int):
        self._function = function
        self._values: dict[str, Any] = {}
        self.maxsize = maxsize
        self.max_chars = max_chars

    def map(self, tokens: list[str]) -> list[Any]:
        """``[function(t) for t in tokens]``; ``function`` must never return None."""
        values = list(map(self._values.get, tokens))
        if None in values:
            for i, value in enumerate(values):
                if value is None:
                    values[i] = self(tokens[i])
        return values

    def __call__(self, token: str) -> Any:
        value = self._values.get(token)
        if value is None:
            value = self._function(token)
            if len(token) <= self.max_chars:
                while len(self._values) >= self.maxsize:
                    self._values.pop(next(iter(self._values)), None)
                self._values[token] = value
        return value

    def __len__(self) -> int:
        return len(self._values)
