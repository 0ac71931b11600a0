"""Extraction over many reports: in this process, or in worker processes that each build their
own :class:`Extractor` once. Reports stream in and results stream out in input order, with a
bounded number of batches in flight, so memory does not grow with the number of reports."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any

from .._gc import paused
from ..io import json_line
from .pipeline import Extractor
from .table import ReportTable

BATCH = 256  # reports sent to a worker at a time
_IN_FLIGHT_PER_WORKER = 2  # batches queued per worker: enough to keep it busy, no more

_worker_extractor: Extractor | None = None


def _start_worker(settings: dict[str, Any]) -> None:
    global _worker_extractor
    _worker_extractor = Extractor(**settings)


def _extract_batch(
    rows: list[tuple[str, str, str | None]], findings: bool, as_json: bool
) -> list[dict[str, Any]] | list[str]:
    return _rows(_worker_extractor, rows, findings, as_json)


def tables_of(
    extractor: Extractor, texts: list[str], languages: list[str | None]
) -> list[ReportTable]:
    """The tables of ``texts``, each read in its language (None: detected), in order: one
    batched ``pipe`` call per language given."""
    tables: list[ReportTable | None] = [None] * len(texts)
    groups: dict[str | None, list[int]] = {}
    for i, language in enumerate(languages):
        groups.setdefault(None if language in ("", "auto") else language, []).append(i)
    for language, indices in groups.items():
        found = extractor.pipe([texts[i] for i in indices], language=language)
        for i, table in zip(indices, found):
            tables[i] = table
    return tables


def _rows(
    extractor: Extractor, rows: list[tuple[str, str, str | None]], findings: bool, as_json: bool
) -> list[dict[str, Any]] | list[str]:
    tables = tables_of(extractor, [text for _, text, _ in rows], [lang for _, _, lang in rows])
    out = []
    with paused(extractor.pause_gc):  # findings are built here, on first access
        for (case_id, _, _), table in zip(rows, tables):
            row = (
                table.to_dict()
                if findings
                else {"language": table.language, "labels": table.labels}
            )
            out.append({"id": case_id, **row})
        if as_json:  # serialised where they were made: a worker sends text, not nested dicts
            return [json_line(row) for row in out]
    return out


def extract_rows(
    reports: Iterable[dict[str, Any]],
    extractor: Extractor,
    workers: int = 1,
    findings: bool = True,
    progress: Callable[[int], None] | None = None,
    as_json: bool = False,
) -> Iterator[dict[str, Any]] | Iterator[str]:
    """One output row (``id``, ``language``, ``labels`` and, with ``findings``, the findings)
    per report of ``reports`` (dicts with ``id``, ``text``, optional ``language``), in input
    order; with ``as_json``, each row as its JSONL line. ``workers`` > 1: that many processes,
    each with an Extractor of ``extractor``'s settings (the same output). ``progress(n)`` is
    called after every n reports."""
    batches = _batches(reports)
    if workers <= 1:
        for batch in batches:
            rows = _rows(extractor, batch, findings, as_json)
            if progress is not None:
                progress(len(rows))
            yield from rows
        return
    context = multiprocessing.get_context("spawn")  # no fork of this process's threads
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(extractor.settings,)
    ) as pool:
        pending: deque[Future] = deque()
        for batch in islice(batches, workers * _IN_FLIGHT_PER_WORKER):
            pending.append(pool.submit(_extract_batch, batch, findings, as_json))
        while pending:
            rows = pending.popleft().result()
            following = next(batches, None)
            if following is not None:
                pending.append(pool.submit(_extract_batch, following, findings, as_json))
            if progress is not None:
                progress(len(rows))
            yield from rows


def _batches(reports: Iterable[dict[str, Any]]) -> Iterator[list[tuple[str, str, str | None]]]:
    batch: list[tuple[str, str, str | None]] = []
    for report in reports:
        language = report.get("language")
        batch.append((report["id"], report["text"], None if language == "auto" else language))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
