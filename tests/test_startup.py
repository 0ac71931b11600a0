"""Start-up: the commands import nothing heavy before they need it, and scoring without
BERTScore never imports torch (spaCy's thinc would, if let)."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return set(out)


def test_cli_import_loads_neither_spacy_nor_torch():
    loaded = _modules_after("import pet2rep_metrics.cli")
    assert not {"spacy", "torch", "thinc", "numpy", "pandas"} & loaded


def test_help_runs_without_the_heavy_imports():
    apps = ["extract_app", "score_app", "audit_app", "compare_app", "generate_app", "render_app"]
    loaded = _modules_after(
        "from typer.testing import CliRunner\n"
        "from pet2rep_metrics import cli\n"
        f"for name in {apps!r}:\n"
        "    assert CliRunner().invoke(getattr(cli, name), ['--help']).exit_code == 0, name"
    )
    assert not {"spacy", "torch", "thinc", "numpy", "pandas"} & loaded


def test_scoring_without_bertscore_never_imports_torch():
    loaded = _modules_after(
        "from pet2rep_metrics import Scorer\n"
        "Scorer(metrics=['bleu', 'ce']).score(['肝脏FDG摄取增高。'], ['肝脏FDG摄取未见异常。'])"
    )
    assert "spacy" in loaded
    assert "torch" not in loaded and "transformers" not in loaded


def test_torch_still_imports_after_the_extractor():
    code = (
        "import importlib.util, sys\n"
        "from pet2rep_metrics import Extractor\n"
        "Extractor()('肝脏FDG摄取增高。')\n"
        "if importlib.util.find_spec('torch') is not None:\n"
        "    import torch\n"
        "    assert sys.modules['torch'] is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_scorer_imports_spacy_only_when_it_reads_a_report():
    # building a scorer and the lexical metrics (METEOR's search on its thread) do not wait for
    # spaCy; CE does (test_scoring_without_bertscore_never_imports_torch)
    assert "spacy" not in _modules_after("from pet2rep_metrics import Scorer\nScorer()")
    loaded = _modules_after(
        "from pet2rep_metrics import Scorer\n"
        "Scorer(metrics=['bleu', 'meteor', 'rouge_l', 'cider']).score(['肝脏摄取'], ['肝脏'])"
    )
    assert "spacy" not in loaded


def test_the_extractor_leaves_spacys_command_line_unimported():
    loaded = _modules_after(
        "from pet2rep_metrics import Extractor\n"
        "e = Extractor()\n"
        "assert e('肝脏FDG摄取增高。', language='zh').labels == {'liver': ['increased']}\n"
        "assert e('Increased FDG uptake in the liver.', language='en').labels"
    )
    assert "spacy" in loaded
    assert not {"spacy.cli", "spacy.cli.info", "weasel", "requests"} & loaded


def test_spacy_info_and_spacy_cli_work_after_the_extractor():
    code = (
        "import sys\n"
        "from pet2rep_metrics import Extractor\n"
        "Extractor()('肝脏FDG摄取增高。')\n"
        "import spacy\n"
        "assert isinstance(spacy.info(), dict)\n"
        "import spacy.cli\n"
        "assert spacy.cli.info.__module__ == 'spacy.cli.info'\n"
        "assert sys.modules['spacy.cli.info'].__file__.endswith('info.py')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
