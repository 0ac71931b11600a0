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
