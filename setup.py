"""Build hooks: ship lexicons/ inside the wheel, compile the optional METEOR search, and compile
the extractor's rule modules with Cython.

Both are accelerators only: when no compiler (or no Cython) is available the build goes on and
the package runs its Python sources, which give the same results. ``PET2REP_PURE_PYTHON=1`` at
build time skips the Cython step. Each compiled rule module is recorded in
``pet2rep_metrics/extract/_compiled.json`` with the SHA-256 of the source it was built from; at
import a compiled module whose source has changed since is passed over for its source (see
pet2rep_metrics/extract/_compiled.py)."""

import hashlib
import json
import os
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
# the modules the extractor spends its time in; pipeline.py (spaCy factories, the Extractor)
# and the lexicon loader stay Python
COMPILED_EXTRACT_MODULES = (
    "attach",
    "batching",
    "cues",
    "negation",
    "normalize",
    "organs",
    "segment",
    "state",
    "terms",
    "tokenizer",
)
MANIFEST = "_compiled.json"


class BuildPyWithLexicons(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads lexicons/ from the checkout
        target = Path(self.build_lib) / "pet2rep_metrics" / "lexicons"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(HERE / "lexicons", target)


class BuildExtWithManifest(build_ext):
    """Builds the optional extensions, then records which rule modules were compiled and from
    which source (an optional extension that failed to build is left out)."""

    def initialize_options(self):
        super().initialize_options()
        self.succeeded = set()  # names of the extensions this run built

    def build_extension(self, ext):
        super().build_extension(ext)  # an optional one that fails raises here, and is skipped
        self.succeeded.add(ext.name)

    def run(self):
        super().run()
        built = {}
        folder = None
        for ext in self.extensions:
            package, _, name = ext.name.rpartition(".")
            if package != "pet2rep_metrics.extract" or ext.name not in self.succeeded:
                continue  # a module left over from an earlier build is not recorded
            source = HERE / "pet2rep_metrics" / "extract" / f"{name}.py"
            built[name] = hashlib.sha256(source.read_bytes()).hexdigest()
            folder = Path(self.get_ext_fullpath(ext.name)).parent
        if folder is not None:
            (folder / MANIFEST).write_text(json.dumps(built, indent=1, sort_keys=True) + "\n")


def rule_module_extensions():
    if os.environ.get("PET2REP_PURE_PYTHON") == "1":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []
    extensions = cythonize(
        [
            Extension(f"pet2rep_metrics.extract.{name}", [f"pet2rep_metrics/extract/{name}.py"])
            for name in COMPILED_EXTRACT_MODULES
        ],
        # Python semantics throughout: annotations are not C types, functions keep signatures
        compiler_directives={"language_level": 3, "annotation_typing": False, "binding": True},
        quiet=True,
    )
    for extension in extensions:
        extension.optional = True
    return extensions


setup(
    cmdclass={"build_py": BuildPyWithLexicons, "build_ext": BuildExtWithManifest},
    ext_modules=[
        Extension(
            "pet2rep_metrics.metrics._meteor_beam",
            ["pet2rep_metrics/metrics/_meteor_beam.c"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
        *rule_module_extensions(),
    ],
)
