"""Build hooks: ship lexicons/ inside the wheel, and compile the optional METEOR search.

The C file is an accelerator only: when no compiler is available the build goes on and
pet2rep_metrics.metrics.meteor uses its pure-Python search, which gives the same numbers."""

import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py


class BuildPyWithLexicons(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads lexicons/ from the checkout
        target = Path(self.build_lib) / "pet2rep_metrics" / "lexicons"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(__file__).parent / "lexicons", target)


setup(
    cmdclass={"build_py": BuildPyWithLexicons},
    ext_modules=[
        Extension(
            "pet2rep_metrics.metrics._meteor_beam",
            ["pet2rep_metrics/metrics/_meteor_beam.c"],
            extra_compile_args=["-O3"],
            optional=True,
        )
    ],
)
