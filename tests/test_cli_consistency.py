"""The commands behave alike: the same option names, defaults and meanings wherever numbers are
computed, compare reproduces score, usage errors and missing extras end as `error: …`, exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from pet2rep_metrics import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()

SCORING = {"score": cli.score_app, "compare": cli.compare_app}
EXTRACTING = {"extract": cli.extract_app, "audit": cli.audit_app, **SCORING}


def _options(app: typer.Typer) -> dict[str, object]:
    """Option name -> default of a command."""
    command = typer.main.get_command(app)
    return {
        opt: param.default for param in command.params for opt in param.opts if opt.startswith("--")
    }


@pytest.mark.parametrize("name", list(SCORING))
def test_every_number_changing_option_where_numbers_are_computed(name):
    options = _options(SCORING[name])
    for option, default in {
        "--metrics": "bleu,meteor,rouge_l,cider,ce",
        "--organs": "pet2rep",
        "--language": "auto",
        "--meteor": "python",
        "--zh-words": False,
        "--model": None,
        "--bertscore-model": None,
        "--bertscore-layers": None,
        "--bootstrap": 1000,
        "--trials": 1000,
        "--workers": 1,
        "--json": None,
        "--html": None,
    }.items():
        assert option in options, f"pet2rep-{name} lacks {option}"
        assert options[option] == default, f"pet2rep-{name} {option} defaults to {options[option]}"


@pytest.mark.parametrize("name", list(EXTRACTING))
def test_extractor_options_alike(name):
    options = _options(EXTRACTING[name])
    assert options["--language"] == "auto" and options["--model"] is None
    if "--organs" in options:
        assert options["--organs"] == "pet2rep"


def test_outputs_are_named_alike():
    for app in (cli.extract_app, cli.audit_app, cli.generate_app, cli.render_app):
        assert "--output" in _options(app)
    for app in (cli.score_app, cli.audit_app, cli.compare_app):
        assert {"--json", "--html"} <= set(_options(app))


def test_compare_reproduces_score(tmp_path):
    preds = [EXAMPLES / "preds.jsonl", EXAMPLES / "preds_pet2rep_format.jsonl"]
    refs = EXAMPLES / "refs.jsonl"
    common = ["--metrics", "bleu,meteor,rouge_l,cider,ce", "--zh-words", "--bootstrap", "0"]
    compared = tmp_path / "compare.json"
    result = runner.invoke(
        cli.compare_app,
        [*map(str, preds), str(refs), *common, "--trials", "10", "--json", str(compared)],
    )
    assert result.exit_code == 0, result.output
    systems = json.loads(compared.read_text())["systems"]
    for path in preds:
        scored = tmp_path / f"{path.stem}.json"
        result = runner.invoke(
            cli.score_app, [str(path), str(refs), *common, "--json", str(scored)]
        )
        assert result.exit_code == 0, result.output
        alone = json.loads(scored.read_text())
        for key, value in systems[path.stem]["scores"].items():
            assert alone[key] == pytest.approx(value, abs=1e-12), key


def test_compare_wants_references_last(tmp_path):
    result = runner.invoke(cli.compare_app, [str(EXAMPLES / "refs.jsonl")])
    assert result.exit_code == 2
    assert "references last" in result.output


@pytest.mark.parametrize(
    "args,message",
    [
        ([], "Missing argument"),
        (["a", "b", "--bootstrap", "x"], "Invalid value for '--bootstrap'"),
        (["a", "b", "--no-such-option"], "No such option"),
        (["a", "b", "--bootstrap", "-1"], "--bootstrap"),
    ],
)
def test_usage_errors_are_one_error_line_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.score_main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "error: " in err and message in err
    assert "Error" not in err and "Traceback" not in err


def test_help_and_list_exit_0(capsys):
    for args in (["--help"], ["--list-metrics"]):
        with pytest.raises(SystemExit) as stop:
            cli.score_main(args)
        assert stop.value.code == 0


def test_a_missing_extra_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "bert_score", None)  # as if not installed
    result = runner.invoke(
        cli.score_app,
        [str(EXAMPLES / "preds.jsonl"), str(EXAMPLES / "refs.jsonl"), "--metrics", "bertscore"],
    )
    assert result.exit_code == 2
    assert "error: " in result.output and "pet2rep-metrics[bertscore]" in result.output


def test_a_missing_bertscore_model_fails_at_once(tmp_path):
    result = runner.invoke(
        cli.score_app,
        [
            str(EXAMPLES / "preds.jsonl"),
            str(EXAMPLES / "refs.jsonl"),
            "--metrics",
            "bertscore",
            "--bertscore-model",
            str(tmp_path / "absent"),
            "--bertscore-layers",
            "4",
        ],
    )
    assert result.exit_code == 2 and "no model folder" in result.output


def test_tables_written_to_a_file_are_not_cut(tmp_path):
    # stdout is not a terminal here (CliRunner): rich alone would fit four systems' intervals
    # into 80 columns by wrapping and cutting them
    preds = []
    for k in range(4):
        path = tmp_path / f"system_{k}.jsonl"
        path.write_text((EXAMPLES / "preds.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
        preds.append(str(path))
    result = runner.invoke(
        cli.compare_app,
        [*preds, str(EXAMPLES / "refs.jsonl"), "--bootstrap", "50", "--trials", "10"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "…" not in result.output
    assert max(map(len, lines)) > 80
    bleu_rows = [line for line in lines if line.startswith("│ bleu_1 ")]
    assert len(bleu_rows) == 2 and bleu_rows[0].count("(") == 4  # one line, four intervals
