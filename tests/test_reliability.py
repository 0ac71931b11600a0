"""Nothing lost, nothing silently wrong: one regression test per fault found by fuzzing the
package (outputs clobbering inputs, resume into foreign files, unchecked API input, tracebacks
instead of messages, invalid JSON, a stuck helper)."""

from __future__ import annotations

import json
import math
import os
import signal
import sys

import pytest
from typer.testing import CliRunner

from pet2rep_metrics import Extractor, Scorer
from pet2rep_metrics.cli import audit_app, extract_app, generate_app, score_app
from pet2rep_metrics.io import InputError, atomic_writer, check_outputs, write_json

runner = CliRunner()
REPORT = "肝右叶见一低密度肿块，FDG摄取明显增高，SUVmax约9.3。脾脏FDG摄取未见异常。"


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


@pytest.fixture
def reports(tmp_path):
    return _jsonl(tmp_path / "reports.jsonl", [{"id": "a", "text": REPORT}])


# ------------------------------------------------------------------ outputs never clobber inputs
@pytest.mark.parametrize("link", ["same", "hard", "symbolic"])
def test_extract_refuses_an_output_that_is_its_input(tmp_path, reports, link):
    before = reports.read_bytes()
    target = reports
    if link == "hard":
        target = tmp_path / "hard.jsonl"
        os.link(reports, target)
    elif link == "symbolic":
        target = tmp_path / "sym.jsonl"
        target.symlink_to(reports)
    result = runner.invoke(extract_app, [str(reports), "-o", str(target)])
    assert result.exit_code == 2
    assert "is an input" in result.output
    assert reports.read_bytes() == before


def test_score_and_audit_refuse_their_inputs_as_outputs(tmp_path, reports):
    before = reports.read_bytes()
    for app, args in (
        (score_app, [str(reports), str(reports), "--json", str(reports)]),
        (score_app, [str(reports), str(reports), "--per-case", str(reports)]),
        (score_app, [str(reports), str(reports), "--html", str(reports)]),
        (audit_app, [str(_gold(tmp_path)), "--json", str(tmp_path / "gold.jsonl")]),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "is an input" in result.output
    assert reports.read_bytes() == before


def _gold(tmp_path):
    return _jsonl(
        tmp_path / "gold.jsonl",
        [{"id": "a", "language": "zh", "text": REPORT, "labels": {"liver": ["increased"]}}],
    )


def test_only_regular_files_are_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path):
        with pytest.raises(InputError, match="not a regular file"):
            check_outputs([], [target])
        with pytest.raises(InputError, match="not a regular file"), atomic_writer(target) as h:
            h.write("x")
    assert fifo.exists() and not fifo.is_file()


def test_a_symbolic_link_output_writes_its_target(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("{}", "utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_json(link, {"a": 1})
    assert link.is_symlink()
    assert json.loads(real.read_text("utf-8")) == {"a": 1}


def test_a_killed_writers_temporary_file_is_removed_next_time(tmp_path):
    target = tmp_path / "out.json"
    dead_pid = _dead_pid()
    stale = tmp_path / f".out.json.pet2rep-{dead_pid}-abc.tmp"
    stale.write_bytes(b"x" * 1000)
    write_json(target, {"ok": True})
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def _dead_pid() -> int:
    import subprocess

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_unwritable_outputs_are_error_lines(tmp_path, reports):
    result = runner.invoke(extract_app, [str(reports), "-o", str(tmp_path)])  # a folder
    assert result.exit_code == 2 and "not a regular file" in result.output
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        result = runner.invoke(extract_app, [str(reports), "-o", str(locked / "out.jsonl")])
        assert result.exit_code == 2 and "cannot write" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


# ------------------------------------------------------------------ resume
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def _manifest(tmp_path):
    (tmp_path / "slice.png").write_bytes(PNG)
    return _jsonl(
        tmp_path / "manifest.jsonl", [{"id": "a", "images": ["slice.png"], "reference": REPORT}]
    )


def test_resume_refuses_a_file_that_is_not_its_output(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nline two\n", "utf-8")
    before = notes.read_bytes()
    result = runner.invoke(generate_app, [str(_manifest(tmp_path)), "-o", str(notes), "--resume"])
    assert result.exit_code == 2
    assert "not resuming" in result.output or "not valid JSON" in result.output
    assert notes.read_bytes() == before


@pytest.mark.parametrize("line", ["[1, 2]", '"text"', '{"id": "x"}', "{not json"])
def test_resume_refuses_a_middle_line_it_did_not_write(tmp_path, line):
    out = tmp_path / "preds.jsonl"
    good = {"id": "z", "text": "t", "backend": "template", "model": None}
    out.write_text(json.dumps(good) + "\n" + line + "\n", "utf-8")
    before = out.read_bytes()
    result = runner.invoke(generate_app, [str(_manifest(tmp_path)), "-o", str(out), "--resume"])
    assert result.exit_code == 2, result.output
    assert ":2:" in result.output  # file and line
    assert out.read_bytes() == before


def test_resume_drops_only_a_torn_last_line(tmp_path):
    out = tmp_path / "preds.jsonl"
    good = {"id": "z", "text": "t", "backend": "template", "model": None}
    out.write_text(json.dumps(good) + '\n{"id": "a", "text": "half', "utf-8")
    result = runner.invoke(generate_app, [str(_manifest(tmp_path)), "-o", str(out), "--resume"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in out.read_text("utf-8").splitlines()]
    assert ids == ["z", "a"]


# ------------------------------------------------------------------ bad input, clear messages
def test_deeply_nested_json_is_an_error_line(tmp_path):
    deep = tmp_path / "deep.jsonl"
    deep.write_text('{"id": "a", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "utf-8")
    for app, args in (
        (extract_app, [str(deep)]),
        (score_app, [str(deep), str(deep)]),
        (audit_app, [str(deep)]),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "deep.jsonl:1" in result.output and "nested too deeply" in result.output


def test_a_lone_surrogate_is_an_error_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "ok"}\n{"id": "b", "text": "x\\ud800y"}\n', "utf-8")
    result = runner.invoke(extract_app, [str(bad), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert "bad.jsonl:2" in result.output and "surrogate" in result.output


def test_a_json_array_line_says_jsonl_is_expected(tmp_path):
    bad = _jsonl(tmp_path / "bad.jsonl", [])
    bad.write_text("[1, 2]\n", "utf-8")
    result = runner.invoke(extract_app, [str(bad)])
    assert result.exit_code == 2 and "one object a line" in result.output


@pytest.mark.parametrize("case_id", ["[/]", "[left]", "[bold]x[/bold]"])
def test_markup_in_ids_and_text_is_printed_as_it_is(tmp_path, case_id):
    text = f"{case_id} 肝脏FDG摄取增高。"
    data = _jsonl(tmp_path / "r.jsonl", [{"id": case_id, "text": text}])
    result = runner.invoke(extract_app, [str(data)])
    assert result.exit_code == 0, result.output
    assert case_id in result.output


def test_a_huge_suv_never_makes_invalid_json(tmp_path):
    data = _jsonl(tmp_path / "r.jsonl", [{"id": "a", "text": "肝脏见结节，SUVmax " + "9" * 400}])
    out = tmp_path / "o.jsonl"
    assert runner.invoke(extract_app, [str(data), "-o", str(out)]).exit_code == 0
    text = out.read_text("utf-8")
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-finite {c}"))


def test_non_finite_numbers_become_null(tmp_path):
    write_json(tmp_path / "x.json", {"a": math.inf, "b": [math.nan, 1.5]})
    assert json.loads((tmp_path / "x.json").read_text("utf-8")) == {"a": None, "b": [None, 1.5]}


# ------------------------------------------------------------------ the API checks its input
@pytest.fixture(scope="module")
def scorer():
    return Scorer(metrics=["bleu", "ce"])


@pytest.mark.parametrize(
    ("preds", "refs", "kwargs", "error", "message"),
    [
        ([None], [REPORT], {}, TypeError, r"preds\[0\] must be a str, not NoneType"),
        ([b"x"], [REPORT], {}, TypeError, r"preds\[0\] must be a str, not bytes"),
        ([3], [REPORT], {}, TypeError, r"preds\[0\] must be a str, not int"),
        ([float("nan")], [REPORT], {}, TypeError, r"preds\[0\] must be a str, not NaN"),
        (REPORT, [REPORT], {}, TypeError, "preds must be a list of texts, not a single str"),
        ([REPORT], REPORT, {}, TypeError, "refs must be a list of texts"),
        ([], [], {}, ValueError, "preds is empty"),
        ([REPORT], [[]], {}, ValueError, r"refs\[0\] is an empty list"),
        (
            [REPORT],
            [REPORT],
            {"ref_labels": [{"Liver": ["increased"]}]},
            ValueError,
            "unknown organ",
        ),
        (
            [REPORT],
            [REPORT],
            {"ref_labels": [{"liver": ["Increased"]}]},
            ValueError,
            "unknown states",
        ),
        ([REPORT], [REPORT], {"ref_labels": [{"liver": "increased"}]}, TypeError, "list of states"),
        ([REPORT], [REPORT], {"ref_labels": [{}, {}]}, ValueError, "2 items for 1 cases"),
        ([REPORT], [REPORT], {"ref_labels": {"liver": ["increased"]}}, TypeError, "list of label"),
    ],
)
def test_scorer_validates_like_the_cli(scorer, preds, refs, kwargs, error, message):
    with pytest.raises(error, match=message):
        scorer.score(preds, refs, **kwargs)


def test_extractor_refuses_what_is_not_text():
    extractor = Extractor()
    for bad in (None, b"x", 3):
        with pytest.raises(TypeError):
            extractor(bad)


# ------------------------------------------------------------------ a stuck helper
@pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP is POSIX")
def test_a_stopped_helper_is_killed_and_its_share_extracted_here(monkeypatch):
    from pet2rep_metrics import scoring as scorer_module
    from pet2rep_metrics._synthetic import zh_report

    preds = [zh_report(i)[0] for i in range(scorer_module._MIN_SHARED)]
    refs = [zh_report(i + 500)[0] for i in range(scorer_module._MIN_SHARED)]
    expected = Scorer(metrics=["ce"]).score(preds, refs)
    monkeypatch.setattr(scorer_module, "_HELPER_START_S", 2.0)
    monkeypatch.setattr(scorer_module, "_HELPER_S_PER_TEXT", 0.0)
    with Scorer(metrics=["ce"], workers=2) as scorer_:
        helper = scorer_._helpers[0]
        os.kill(helper._process.pid, signal.SIGSTOP)
        with pytest.warns(UserWarning, match="no answer within 2 s, killed"):
            got = scorer_.score(preds, refs)
        assert scorer_._helpers == []
    assert {k: v for k, v in got.items() if k != "config"} == {
        k: v for k, v in expected.items() if k != "config"
    }
