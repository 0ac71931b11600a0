"""Which rule modules run compiled, and a guard against compiled modules older than their source.

The build compiles the extractor's rule modules with Cython (setup.py), each from its own ``.py``
with Python semantics, and records the SHA-256 of every source in ``_compiled.json``. Python
imports an extension module before a source of the same name, so after an edit of a source in an
editable checkout the old compiled module would still run: :func:`prefer_fresh_modules` makes
such a module (and, with ``PET2REP_PURE_PYTHON=1``, every compiled one) import from its source
instead, with a warning for the stale ones. Compiled or not, the results are the same (tested
in tests/test_compiled.py); only the speed differs."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

_FOLDER = Path(__file__).parent
_PACKAGE = __name__.rpartition(".")[0]
MANIFEST = "_compiled.json"


def _compiled_names(folder: Path) -> list[str]:
    """Modules of ``folder`` that have both a source and an extension module beside it."""
    names = []
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        for path in folder.glob(f"*{suffix}"):
            name = path.name[: -len(suffix)]
            if (folder / f"{name}.py").exists():
                names.append(name)
    return sorted(set(names))


def stale_modules(folder: Path) -> tuple[list[str], list[str]]:
    """(fresh, stale) compiled modules of ``folder``: fresh when ``_compiled.json`` records the
    SHA-256 of the module's current source, stale otherwise (edited since, or not recorded)."""
    try:
        recorded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = {}
    fresh, stale = [], []
    for name in _compiled_names(folder):
        digest = hashlib.sha256((folder / f"{name}.py").read_bytes()).hexdigest()
        (fresh if recorded.get(name) == digest else stale).append(name)
    return fresh, stale


class _SourceFinder:
    """A meta-path finder that imports the named modules of ``package`` from their sources."""

    def __init__(self, package: str, folder: Path, names: list[str]):
        self.folder = folder
        self.modules = {f"{package}.{name}": name for name in names}

    def find_spec(self, fullname, path=None, target=None):
        name = self.modules.get(fullname)
        if name is None:
            return None
        return importlib.util.spec_from_file_location(fullname, self.folder / f"{name}.py")


def prefer_fresh_modules() -> None:
    """Arrange for this package's stale compiled modules (all of them with
    ``PET2REP_PURE_PYTHON=1``) to import from source. Runs before the package imports its
    modules."""
    fresh, stale = stale_modules(_FOLDER)
    if os.environ.get("PET2REP_PURE_PYTHON") == "1":
        stale = stale + fresh
    elif stale:
        warnings.warn(
            f"compiled extractor modules built from older sources ({', '.join(stale)}): their "
            "sources run instead (same results, slower); rebuild with `pip install -e .`",
            stacklevel=2,
        )
    if stale:
        sys.meta_path.insert(0, _SourceFinder(_PACKAGE, _FOLDER, stale))


def compiled_modules() -> list[str]:
    """The extractor's rule modules that run compiled in this process."""
    names = []
    for fullname, module in list(sys.modules.items()):
        if fullname.startswith(_PACKAGE + ".") and isinstance(
            getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader
        ):
            names.append(fullname.rpartition(".")[2])
    return sorted(names)


def build_description() -> str:
    """One line for benchmarks: how many rule modules run compiled, or that the sources run."""
    compiled = compiled_modules()
    return f"{len(compiled)} rule modules compiled" if compiled else "rule modules from source"
