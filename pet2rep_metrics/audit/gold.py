"""Reading radiologist labels: JSONL in the guide's format, or a CSV with one row per report
and one column per organ (cells like ``increased;absent``, ``normal``, empty = not mentioned)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..io import InputError, checked_labels, claim_id, iter_jsonl
from ..labels import organ_ids

_ID_COLUMNS = ("id", "report_id", "case_id")


def read_gold(path: str | Path) -> list[dict[str, Any]]:
    """Rows ``{"id", "text", "language", "labels"}`` from a JSONL or CSV gold file. Unknown organ
    ids or states, duplicate ids and an empty file raise InputError naming them."""
    path = Path(path)
    rows = read_label_rows(path)
    if not rows:
        raise InputError(path, None, "no labelled reports in file")
    return rows


def read_label_rows(path: str | Path) -> list[dict[str, Any]]:
    """Label rows from JSONL (``id``, ``labels``, optional ``text``/``language``) or CSV."""
    path = Path(path)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise InputError(path, None, "no such file")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            id_column = next((c for c in columns if c.lower() in _ID_COLUMNS), None)
            if id_column is None:
                raise InputError(path, 1, f"no id column (one of {', '.join(_ID_COLUMNS)})")
            skip = {id_column, "text", "language"}
            unknown = [c for c in columns if c not in skip and c not in set(organ_ids())]
            if unknown:
                raise InputError(path, 1, f"unknown organ ids in header: {unknown}")
            for lineno, record in enumerate(reader, start=2):
                labels = {
                    organ: [
                        s.strip()
                        for s in (record.get(organ) or "").replace(",", ";").split(";")
                        if s.strip()
                    ]
                    for organ in columns
                    if organ not in skip
                }
                labels = checked_labels(path, lineno, {o: s for o, s in labels.items() if s})
                case_id = (record.get(id_column) or "").strip()
                if not case_id:
                    raise InputError(path, lineno, "missing id")
                if case_id in seen:
                    raise InputError(path, lineno, f"duplicate id {case_id!r}")
                seen[case_id] = lineno
                rows.append(
                    {
                        "id": case_id,
                        "text": record.get("text") or None,
                        "language": record.get("language") or None,
                        "labels": labels,
                    }
                )
        return rows
    for lineno, obj in iter_jsonl(path):
        case_id = next((str(obj[k]) for k in _ID_COLUMNS if obj.get(k) is not None), None)
        if case_id is None:
            raise InputError(path, lineno, "missing id")
        claim_id(seen, path, lineno, case_id)
        if "labels" not in obj:
            raise InputError(path, lineno, "missing field 'labels'")
        rows.append(
            {
                "id": case_id,
                "text": obj.get("text"),
                "language": obj.get("language"),
                "labels": checked_labels(path, lineno, obj["labels"]),
            }
        )
    return rows
