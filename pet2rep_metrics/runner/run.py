"""Running a backend over a manifest: bounded concurrency, one JSON line appended and flushed per
finished case (a crash loses only the cases in flight), resume that skips finished ids and
retries failed ones, progress with rate and ETA.

Resume appends only to a file it recognises as its own output: every complete line a row with
this runner's fields. It drops a torn final line (a crash mid-write) and refuses anything else,
touching nothing."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io import atomic_writer, json_line, resumable_rows, start_output
from .backends import Backend
from .manifest import Case
from .prompts import build_messages


@dataclass
class RunSummary:
    written: int
    failed: int
    skipped: int

    @property
    def ok(self) -> bool:
        return self.failed == 0


# the fields every row of ours has (see run(): one())
OUTPUT_FIELDS = ("id", "text", "backend", "model")


def _not_ours(row: Any) -> str | None:
    missing = [f for f in OUTPUT_FIELDS if not isinstance(row, dict) or f not in row]
    if missing:
        return f"not a pet2rep-generate output row (no {', '.join(missing)})"
    return None


def prepare_output(path: Path, resume: bool) -> set[str]:
    """Make ``path`` ready for appending; returns the ids already done. With ``resume`` the file is
    rewritten (atomically) without failed or torn rows, so each id ends up exactly once."""
    if not resume:
        start_output(path)
        return set()
    kept: dict[str, dict[str, Any]] = {}
    for _, row in resumable_rows(path, _not_ours, "an output of pet2rep-generate"):
        if row.get("id") is not None and not row.get("error"):
            kept.setdefault(str(row["id"]), row)
    with atomic_writer(path) as handle:
        for row in kept.values():
            handle.write(json_line(row))
        handle.flush()
        os.fsync(handle.fileno())
    return set(kept)


def run(
    cases: list[Case],
    backend: Backend,
    out_path: str | Path,
    concurrency: int = 1,
    resume: bool = False,
    limit: int | None = None,
    language: str = "zh",
    progress=None,
) -> RunSummary:
    """Generate every pending case of ``cases`` into ``out_path`` (JSONL)."""
    out_path = Path(out_path)
    done = prepare_output(out_path, resume)
    pending = [c for c in cases if c.id not in done]
    if limit is not None:
        pending = pending[:limit]
    lock = threading.Lock()
    failed = 0
    written = 0

    def one(case: Case) -> dict[str, Any]:
        system, user = build_messages(case, language)
        start = time.perf_counter()
        row: dict[str, Any] = {
            "id": case.id,
            "text": "",
            "backend": backend.name,
            "model": backend.model,
            "params": backend.params,
        }
        try:
            row["text"] = backend.generate(case, system, user)
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
        row["latency_s"] = round(time.perf_counter() - start, 3)
        return row

    with out_path.open("a", encoding="utf-8") as handle:

        def write(row: dict[str, Any]) -> None:
            nonlocal failed, written
            line = json_line(row)
            with lock:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
                written += 1
                failed += bool(row.get("error"))
            if progress is not None:
                progress()

        if concurrency <= 1:
            for case in pending:
                write(one(case))
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                futures = [pool.submit(one, case) for case in pending]
                for future in as_completed(futures):
                    write(future.result())
    return RunSummary(written=written, failed=failed, skipped=len(cases) - len(pending))
