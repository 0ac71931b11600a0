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


# ------------------------------------------------------------------ the README's commands
# commands not run here, by their start, and why
COMMANDS_NOT_RUN = {
    "python -m pip install": "installs the package (CI runs it on a clean clone)",
    "python -m pytest": "this test suite",
    "vllm serve": "starts a model server (GPU and model weights)",
    "ollama serve": "starts a model server (model weights)",
    "pet2rep-generate pet2rep_test.jsonl": "needs a running model server",
    "pet2rep-generate manifest.jsonl -o preds.jsonl --backend openai": "needs a model server or a hosted API key",
    "pet2rep-generate manifest.jsonl -o preds.jsonl --backend transformers": "needs a local VLM",
    "pet2rep-score preds.jsonl manifest.jsonl": "scores what a model server generated",
}


def _commands() -> list[tuple[int, str, list[str] | None]]:
    """(README line, command, the output it shows or None) of every shell block, in order."""
    text = README.read_text(encoding="utf-8")
    found = []
    for block in re.finditer(r"```(?:bash|sh|console)\n(.*?)```", text, re.S):
        first = text[: block.start()].count("\n") + 2
        lines = block.group(1).splitlines()
        console = any(line.startswith("$ ") for line in lines)
        k = 0
        while k < len(lines):
            start, line = first + k, lines[k]
            k += 1
            if console and not line.startswith("$ "):
                continue
            command = line[2:] if console else line
            while command.rstrip().endswith("\\") and k < len(lines):
                command = command.rstrip()[:-1] + " " + lines[k].strip()
                k += 1
            if not command.strip() or command.lstrip().startswith("#"):
                continue
            shown = None
            if console:
                shown = []
                while k < len(lines) and not lines[k].startswith("$ "):
                    shown.append(lines[k])
                    k += 1
            found.append((start, command.strip(), shown))
    return found


def _not_run(command: str) -> str | None:
    return next((why for start, why in COMMANDS_NOT_RUN.items() if command.startswith(start)), None)


def _studies(folder: Path) -> None:
    """What the render commands read: two phantom studies as a folder of study folders and as
    a CSV (a PET grid deep enough for PET2Rep's slice indices 90-110)."""
    from pet2rep_metrics.render.phantom import Grid, Phantom, write_nifti

    phantom = Phantom()
    ct_grid = Grid((64, 64, 40), (8.0, 8.0, 13.0), (-256.0, -256.0, -255.0))
    pet_grid = Grid((40, 120, 30), (12.0, 4.0, 18.0), (-240.0, -240.0, -260.0))
    rows = ["id,ct,pet,report"]
    for name in ("s1", "s2"):
        study = folder / "archive" / name
        study.mkdir(parents=True)
        write_nifti(phantom.ct(ct_grid), ct_grid, study / "ct.nii.gz")
        write_nifti(phantom.suv(pet_grid), pet_grid, study / "pet.nii.gz")
        (study / "report.txt").write_text("肝脏FDG摄取未见异常。", encoding="utf-8")
        rows.append(
            f"{name},archive/{name}/ct.nii.gz,archive/{name}/pet.nii.gz,肝脏FDG摄取未见异常。"
        )
    (folder / "studies.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_every_not_run_command_is_still_in_the_readme():
    commands = [command for _, command, _ in _commands()]
    for start in COMMANDS_NOT_RUN:
        assert any(c.startswith(start) for c in commands), f"README no longer has {start!r}"


@pytest.mark.slow
def test_readme_commands_run_as_written(tmp_path):
    """Every command of the README's shell blocks, in order, in a folder holding a copy of
    examples/ (and phantom studies for the render commands): exit code 0, and the output a
    console block shows."""
    import os
    import shutil
    import subprocess
    import sys

    pytest.importorskip("nibabel", reason="the render commands read phantom NIfTI studies")
    root = README.parent
    shutil.copytree(root / "examples", tmp_path / "examples")
    _studies(tmp_path)
    env = dict(
        os.environ,
        COLUMNS="80",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    ran = 0
    for line, command, shown in _commands():
        if _not_run(command):
            continue
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"README.md:{line}: {command}\n{done.stdout}\n{done.stderr}"
        if shown is not None:
            printed = [x.rstrip() for x in done.stdout.splitlines()]
            assert printed == [x.rstrip() for x in shown], f"README.md:{line}: output differs"
        ran += 1
    assert ran >= 15
