"""Pausing Python's cyclic garbage collector around allocation-heavy work."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(pause: bool = True) -> Iterator[None]:
    """Disable the cyclic collector inside the block (when ``pause`` and it was enabled), and
    enable it again on the way out, whatever happens. The extractor and scorers make no
    reference cycles, yet allocate enough small objects to trigger a collection pass every few
    hundred of them, each walking every live object (pipelines included)."""
    stop = pause and gc.isenabled()
    if stop:
        gc.disable()
    try:
        yield
    finally:
        if stop:
            gc.enable()
