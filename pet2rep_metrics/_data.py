"""Where the lexicon data files live (inside the wheel, or beside the package in a checkout)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

_ENV_VAR = "PET2REP_LEXICONS"


def lexicon_dir() -> Path:
    """Return the folder holding the lexicon TSV files.

    Order: the ``PET2REP_LEXICONS`` environment variable, the copy shipped inside the wheel
    (``pet2rep_metrics/lexicons``), then ``lexicons/`` at the root of a source checkout.
    """
    override = os.environ.get(_ENV_VAR)
    if override:
        path = Path(override)
        if not path.is_dir():
            raise FileNotFoundError(f"{_ENV_VAR}={override!r} is not a folder")
        return path
    here = Path(__file__).resolve().parent
    for candidate in (here / "lexicons", here.parent / "lexicons"):
        if (candidate / "organs.tsv").is_file():
            return candidate
    raise FileNotFoundError(
        "pet2rep_metrics lexicons not found: reinstall the package or set " + _ENV_VAR
    )


def lexicon_source(folder: str | Path | None = None) -> tuple[str, Path]:
    """(where the lexicons come from, their folder): 'custom' for a folder given, 'env' for
    ``PET2REP_LEXICONS``, 'packaged' for the package's own."""
    if folder is not None:
        return "custom", Path(folder)
    return ("env" if os.environ.get(_ENV_VAR) else "packaged"), lexicon_dir()


def lexicon_hash(folder: str | Path | None = None) -> str:
    """The first 12 hex digits of a SHA-256 over the lexicon files' names and bytes: equal
    hashes, equal lexicons (what a signature needs to tell two extractors apart)."""
    path = lexicon_source(folder)[1]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".tsv", ".txt"))
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _hash(str(path.resolve()), stamp)


@lru_cache(maxsize=16)
def _hash(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in stamp:
        digest.update(name.encode() + b"\0" + (Path(folder) / name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def read_tsv(name: str, folder: Path | None = None) -> list[dict[str, str]]:
    """Read a lexicon TSV: '#' lines are comments, '@' lines are directives, the first other line
    is the header. Returns one dict per row; a row with the wrong number of fields raises
    ValueError naming file and line."""
    path = (folder or lexicon_dir()) / name
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    with path.open(encoding="utf-8") as handle:
        for lineno, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("@"):
                rows.append({"@": line[1:], "_line": str(lineno)})
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                continue
            if len(fields) < len(header):
                fields += [""] * (len(header) - len(fields))
            if len(fields) != len(header):
                raise ValueError(f"{path}:{lineno}: expected {len(header)} tab-separated fields")
            row = dict(zip(header, fields))
            row["_line"] = str(lineno)
            rows.append(row)
    return rows
