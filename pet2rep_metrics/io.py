"""Reading and validating the package's inputs (JSONL, text, CSV) and writing outputs whole.

Every input error is an :class:`InputError` that names the file and, where there is one, the
line. Writers go through a temporary file in the target's folder and a rename, so a failed or
killed run leaves no half file (and the next run removes a killed run's temporary file); they
replace only regular files, and :func:`check_outputs` refuses an output that is an input."""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad input: ``path`` and ``line`` (1-based, or None) say where."""

    def __init__(self, path: str | os.PathLike[str], line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for every non-blank line; a line that is not UTF-8, not
    JSON, or not a JSON object raises InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, None, "no such file")
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    path, lineno, f"not UTF-8 ({exc.reason} at byte {exc.start})"
                ) from None
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            obj = parse_json_line(path, lineno, line)
            if not isinstance(obj, dict):
                raise InputError(
                    path,
                    lineno,
                    f"expected a JSON object, got {type(obj).__name__} (JSONL: one object a line)",
                )
            yield lineno, obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_json_line(path: str | os.PathLike[str], lineno: int, line: str) -> Any:
    """One JSON value from one line; InputError (file:line) for invalid JSON, nesting deeper
    than Python can parse, or a string that is not Unicode text (a lone surrogate escape)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        hint = " (JSONL is expected: one JSON object a line)" if exc.lineno > 1 else ""
        raise InputError(
            path, lineno, f"not valid JSON: {exc.msg} at column {exc.colno}{hint}"
        ) from None
    except RecursionError:
        raise InputError(path, lineno, "JSON nested too deeply to read") from None
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(
                path, lineno, "a string holds a lone surrogate (\\ud800-\\udfff): not text"
            ) from None
    return obj


def read_text(path: str | os.PathLike[str]) -> str:
    """A whole text file as UTF-8 (a BOM is dropped); non-UTF-8 raises InputError with the line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, None, "no such file")
    data = path.read_bytes()
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, line, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None


def claim_id(seen: dict[str, int], path: Path, lineno: int, case_id: str) -> None:
    """Record that ``case_id`` is on line ``lineno``; InputError if an earlier line had it."""
    if case_id in seen:
        raise InputError(path, lineno, f"duplicate id {case_id!r} (first on line {seen[case_id]})")
    seen[case_id] = lineno


def checked_labels(path: Path, lineno: int | None, labels: Any) -> dict[str, list[str]]:
    """``labels`` in the guide's form (see labels.check_labels), or InputError at ``lineno``."""
    from .labels import check_labels

    try:
        return check_labels(labels)
    except ValueError as exc:
        raise InputError(path, lineno, str(exc)) from None


def _case_id(path: Path, lineno: int, obj: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = obj.get(key)
        if value is not None and not isinstance(value, (dict, list)):
            text = str(value).strip()
            if text:
                return text
    raise InputError(path, lineno, f"missing id (one of: {', '.join(keys)})")


def iter_reports(
    path: str | os.PathLike[str], text_keys: tuple[str, ...] = ("text",)
) -> Iterator[dict[str, Any]]:
    """Reports to extract, one at a time: a .jsonl with ``id``, ``text`` and optional
    ``language`` per line, or any other file read whole as one report (id = file stem). A
    duplicate id raises InputError naming both lines; an empty .jsonl raises too."""
    path = Path(path)
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        if path.suffix.lower() == ".json":
            raise InputError(
                path, None, "a .json file is not read: give JSONL (one object a line) or text"
            )
        yield {"id": path.stem, "text": read_text(path), "language": None, "_line": None}
        return
    seen: dict[str, int] = {}
    for lineno, obj in iter_jsonl(path):
        case_id = _case_id(path, lineno, obj, ("id", "subject_id", "patient_id"))
        text = next((obj[k] for k in text_keys if k in obj), None)
        if text is None:
            raise InputError(path, lineno, f"missing field {text_keys[0]!r}")
        if isinstance(text, list) and all(isinstance(t, str) for t in text):
            text = "\n".join(text)
        if not isinstance(text, str):
            raise InputError(
                path, lineno, f"field {text_keys[0]!r} must be a string, got {type(text).__name__}"
            )
        language = obj.get("language")
        if language not in (None, "auto", "zh", "en"):
            raise InputError(
                path, lineno, f"language must be 'zh', 'en' or 'auto', got {language!r}"
            )
        claim_id(seen, path, lineno, case_id)
        yield {"id": case_id, "text": text, "language": language, "_line": lineno}
    if not seen:
        raise InputError(path, None, "no reports in file (JSONL: one object a line)")


def read_reports(
    path: str | os.PathLike[str], text_keys: tuple[str, ...] = ("text",)
) -> list[dict[str, Any]]:
    """All reports of :func:`iter_reports` as a list."""
    return list(iter_reports(path, text_keys))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def check_outputs(
    inputs: Iterable[str | os.PathLike[str] | None],
    outputs: Iterable[str | os.PathLike[str] | None],
) -> None:
    """Refuse, before any work, an output that is one of the inputs (the same file, through a
    hard or a symbolic link, or the same path) or that exists and is not a regular file."""
    ins = [Path(p) for p in inputs if p is not None]
    in_ids = {ident for p in ins if (ident := _identity(p)) is not None}
    in_paths = {os.path.realpath(p) for p in ins}
    seen_out: set[str] = set()
    for raw in outputs:
        if raw is None:
            continue
        out = Path(raw)
        real = os.path.realpath(out)
        if real in in_paths or (_identity(out) is not None and _identity(out) in in_ids):
            raise InputError(out, None, "is an input of this command: refusing to overwrite it")
        if real in seen_out:
            raise InputError(out, None, "named as two outputs of this command")
        seen_out.add(real)
        if os.path.lexists(real) and not os.path.isfile(real):
            raise InputError(out, None, "exists and is not a regular file: refusing to replace it")


_TEMP_MARK = ".pet2rep-"


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Delete temporary files a killed run of ours left for ``name`` (their writer is gone)."""
    prefix = f".{name}{_TEMP_MARK}"
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
                continue
            pid = entry.name[len(prefix) :].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w"):
    """Open a temporary file in ``path``'s folder (a symbolic link is followed to its target);
    on success it replaces ``path``, on error it is removed and ``path`` is left as it was.
    Only a regular file (or nothing) is replaced; a folder, FIFO or device raises InputError,
    and so does a folder that cannot be written."""
    path = Path(os.path.realpath(path))
    if os.path.lexists(path) and not path.is_file():
        raise InputError(path, None, "exists and is not a regular file: refusing to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temps(path.parent, path.name)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}{_TEMP_MARK}{os.getpid()}-", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        raise InputError(path, None, f"cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(
            fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else ""
        ) as handle:
            yield handle
        os.chmod(tmp, 0o644)  # mkstemp makes owner-only files; outputs are ordinary files
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise InputError(path, None, f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def finite(obj: Any) -> Any:
    """``obj`` with every non-finite float (nan, inf) replaced by None: JSON has no such
    numbers, and the package's JSON outputs are always valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


def json_line(row: dict[str, Any]) -> str:
    """One JSONL line (UTF-8 text, non-finite numbers as null)."""
    try:  # rows are nearly always finite: walk them only when json refuses one
        return json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:
        return json.dumps(finite(row), ensure_ascii=False, allow_nan=False) + "\n"


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as JSONL (UTF-8, one object a line) atomically; returns the row count."""
    count = 0
    with atomic_writer(path) as handle:
        for row in rows:
            handle.write(json_line(row))
            count += 1
    return count


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write one JSON document atomically (indented, UTF-8)."""
    with atomic_writer(path) as handle:
        json.dump(finite(obj), handle, ensure_ascii=False, indent=2, allow_nan=False)
        handle.write("\n")


def write_csv(
    path: str | os.PathLike[str], rows: list[dict[str, Any]], columns: list[str] | None = None
) -> None:
    """Write rows as CSV atomically; columns default to the first row's keys."""
    columns = columns or (list(rows[0]) if rows else [])
    with atomic_writer(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def _text_field(
    path: Path, lineno: int, obj: dict[str, Any], keys: tuple[str, ...], what: str
) -> str:
    for key in keys:
        if key in obj:
            value = obj[key]
            if isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    raise InputError(
                        path, lineno, f"field {key!r} must be a string or a list of strings"
                    )
                return value[0] if value else ""
            if value is None:
                return ""
            if not isinstance(value, str):
                raise InputError(
                    path, lineno, f"field {key!r} must be a string, got {type(value).__name__}"
                )
            return value
    raise InputError(path, lineno, f"missing {what} field (one of: {', '.join(keys)})")


def _rows_by_id(
    path: Path, id_keys: tuple[str, ...], text_keys: tuple[str, ...], what: str
) -> dict[str, dict[str, Any]]:
    """Rows of a JSONL file keyed by id, each with its text, raw object and line number."""
    rows: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for lineno, obj in iter_jsonl(path):
        case_id = _case_id(path, lineno, obj, id_keys)
        claim_id(seen, path, lineno, case_id)
        rows[case_id] = {
            "text": _text_field(path, lineno, obj, text_keys, f"{what} text"),
            "_line": lineno,
            "_obj": obj,
        }
    if not rows:
        raise InputError(path, None, f"no {what}s in file")
    return rows


def read_predictions(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Predictions by id: rows with ``id`` and ``text``, or PET2Rep result rows
    (``subject_id``, ``llm_output`` as a list or a string; a failed row's empty text scores 0).
    Duplicate ids raise."""
    rows = _rows_by_id(
        Path(path),
        ("id", "subject_id", "patient_id"),
        ("text", "llm_output", "prediction", "output"),
        "prediction",
    )
    return {case_id: {"text": row["text"], "_line": row["_line"]} for case_id, row in rows.items()}


def read_references(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """References by id: rows with ``id`` and ``text`` (optional gold ``labels``), PET2Rep data
    rows (``patient_id``, ``answer``), PET2Rep result rows (``ground_truth``), or a manifest's
    ``reference``. Duplicate ids and unknown organ ids or states in ``labels`` raise."""
    path = Path(path)
    rows = _rows_by_id(
        path,
        ("id", "patient_id", "subject_id"),
        ("text", "answer", "ground_truth", "reference"),
        "reference",
    )
    out: dict[str, dict[str, Any]] = {}
    for case_id, row in rows.items():
        labels = row["_obj"].get("labels")
        if labels is not None:
            labels = checked_labels(path, row["_line"], labels)
        out[case_id] = {"text": row["text"], "labels": labels, "_line": row["_line"]}
    return out


def resumable_rows(
    path: Path, own: Callable[[Any], str | None], what: str
) -> list[tuple[int, dict[str, Any]]]:
    """(line, row) of every complete row of an output being resumed; a torn last line (a crash
    mid-write: no line end) is dropped. A line that is not UTF-8 or JSON, or a row ``own``
    rejects (it returns why: the row is not ``what``), raises InputError naming the line, so a
    command never resumes into a file it did not write."""
    if not path.exists():
        return []
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    rows = []
    for lineno, raw in enumerate(complete.split(b"\n")[:-1], start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(path, lineno, f"not UTF-8: not {what}; not resuming") from None
        if not line.strip():
            continue
        row = parse_json_line(path, lineno, line)
        problem = own(row)
        if problem is not None:
            raise InputError(
                path, lineno, f"{problem}; not resuming into it (choose another output)"
            )
        rows.append((lineno, row))
    return rows


def start_output(path: Path) -> None:
    """An empty ``path`` to append rows to; one with content is refused (FileExistsError):
    continuing it is ``--resume``'s job."""
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} exists: pass --resume to continue it, or remove it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")


def pair_by_id(
    preds: dict[str, Any], refs: dict[str, Any], preds_path, refs_path, what: str = "prediction"
) -> list[str]:
    """The ids present in both (mappings keyed by id), in reference order; ids in one only raise
    InputError listing them (up to ten of each). ``what``: the name of a ``preds`` row."""
    only_preds = [i for i in preds if i not in refs]
    only_refs = [i for i in refs if i not in preds]
    if only_preds or only_refs:
        parts = []
        if only_refs:
            parts.append(f"{len(only_refs)} id(s) have no {what} in {preds_path}: {only_refs[:10]}")
        if only_preds:
            parts.append(
                f"{len(only_preds)} id(s) of {preds_path} are not in {refs_path}: {only_preds[:10]}"
            )
        raise InputError(refs_path if only_refs else preds_path, None, "; ".join(parts))
    return list(refs)
