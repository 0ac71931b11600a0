"""The README's Python examples run as written, and the values their comments show are the ones
they give (a block needs a prelude only for the data it leaves to the reader)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

# names a block leaves to the reader, by the block's first line
PRELUDES = {
    "import pet2rep_metrics as pm": "texts = ['Increased FDG uptake in the liver.', '肝脏FDG摄取增高。']",
    "from pet2rep_metrics import Scorer": (
        "generated = ['肝脏FDG摄取增高。', '脾脏未见异常。']\n"
        "references = ['肝脏FDG摄取弥漫增高。', '脾脏FDG摄取未见增高。']"
    ),
}
# blocks not run here, and why
NOT_RUN = {
    "with Scorer(workers=2) as scorer:": "a loop over the reader's batches (helpers: test_scorer_workers)",
    "import ray": "needs a Ray cluster and the reader's files (Ray: tests/test_ray_data.py)",
}


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    return [
        (text[: m.start()].count("\n") + 2, m.group(1))
        for m in re.finditer(r"```python\n(.*?)```", text, re.S)
    ]


def _first(code: str) -> str:
    return code.splitlines()[0].split("  #")[0]


def test_every_block_is_run_or_has_a_reason():
    firsts = {_first(code) for _, code in _blocks()}
    assert set(NOT_RUN) <= firsts and set(PRELUDES) <= firsts, "README blocks changed"


@pytest.mark.parametrize(
    "line,code",
    [b for b in _blocks() if _first(b[1]) not in NOT_RUN],
    ids=lambda v: f"README.md:{v}" if isinstance(v, int) else "",
)
def test_readme_block_runs_and_shows_true_values(line, code):
    namespace: dict = {}
    exec(compile(PRELUDES.get(_first(code), ""), "<prelude>", "exec"), namespace)
    try:
        exec(compile(code, f"README.md:{line}", "exec"), namespace)
        # a line `expression  # {literal}` claims that value
        for number, source in enumerate(code.splitlines()):
            match = re.fullmatch(r"([\w.\[\]]+)\s+#\s+(\{.*\}|\[.*\])", source.strip())
            if match:
                shown = ast.literal_eval(match.group(2))
                assert eval(match.group(1), namespace) == shown, f"README.md:{line + number}"
    finally:
        from pet2rep_metrics.metrics import unregister

        unregister("length_ratio")
