"""The metric registry: a metric of one's own is one class and one register() call, and the
scorer and the commands treat it as they treat the package's own."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pet2rep_metrics import Scorer
from pet2rep_metrics.cli import score_app
from pet2rep_metrics.metrics import Metric, MetricResult, register, registry, unregister


class LengthRatio(Metric):
    name, keys, input = "length_ratio", ("length_ratio",), "tokens"
    help = "generated tokens over reference tokens"

    def compute(self, hyps, refs):
        ratios = np.array([len(h) / max(1, len(r[0])) for h, r in zip(hyps, refs)], dtype=float)
        return MetricResult(self.name, float(ratios.mean()), ratios, self.signature())


class MentionsLiver(Metric):
    name, keys, input = "says_liver", ("says_liver",), "text"
    help = "share of generated texts that name the liver"

    def compute(self, hyps, refs, language):
        hits = np.array([("肝" in h) or ("liver" in h.lower()) for h in hyps], dtype=float)
        return MetricResult(self.name, float(hits.mean()), hits, self.signature())


class OrgansStated(Metric):
    name, keys, input = "organs_stated", ("organs_stated",), "labels"
    help = "organs with a state in the generated report"

    def compute(self, pred_labels, ref_labels):
        counts = np.array([len(p) for p in pred_labels], dtype=float)
        return MetricResult(self.name, float(counts.mean()), counts, self.signature())


@pytest.fixture
def own_metrics():
    for metric in (LengthRatio, MentionsLiver, OrgansStated):
        register(metric)
    yield
    for metric in (LengthRatio, MentionsLiver, OrgansStated):
        unregister(metric.name)


PREDS = ["肝脏FDG摄取增高，SUVmax 5.1。脾脏未见异常。", "Increased FDG uptake in the liver."]
REFS = ["肝脏FDG摄取弥漫增高，SUVmax 6.0，脾脏大小正常。", "No abnormal uptake in the liver."]


def test_own_metrics_are_scored_beside_the_packages(own_metrics):
    scorer = Scorer(metrics=["bleu", "length_ratio", "says_liver", "organs_stated"], language="zh")
    out = scorer.score(PREDS[:1], REFS[:1], per_case=True)
    assert out["says_liver"] == 1.0
    assert out["organs_stated"] >= 1.0
    hyp_len = len(scorer._tokens(PREDS[:1], [REFS[:1]], "zh")[0][0])
    ref_len = len(scorer._tokens(PREDS[:1], [REFS[:1]], "zh")[1][0][0])
    assert out["length_ratio"] == pytest.approx(hyp_len / ref_len)
    assert set(out["per_case"]) >= {"length_ratio", "says_liver", "organs_stated", "bleu_4"}
    signatures = out["config"]["signatures"]
    # the scorer adds what it chose: tokenisation and language, or the extractor
    assert signatures["length_ratio"].startswith("length_ratio|")
    assert (
        "|tok:cjk-char" in signatures["length_ratio"] and "|lang:zh" in signatures["length_ratio"]
    )
    assert signatures["says_liver"].endswith("|lang:zh")
    assert scorer.extractor.signature in signatures["organs_stated"]


def test_own_metric_in_chunks_gives_the_numbers_of_one_call(own_metrics):
    preds, refs = PREDS * 5, REFS * 5
    whole = Scorer(metrics=["length_ratio", "bleu"], language="en").score(preds, refs)
    chunked = Scorer(metrics=["length_ratio", "bleu"], language="en", chunk_size=3).score(
        preds, refs
    )
    assert chunked["length_ratio"] == pytest.approx(whole["length_ratio"])
    assert chunked["bleu_4"] == pytest.approx(whole["bleu_4"])


def test_registry_order_and_defaults(own_metrics):
    assert registry.names()[:5] == ("bleu", "meteor", "rouge_l", "cider", "ce")
    assert registry.names()[-3:] == ("length_ratio", "says_liver", "organs_stated")
    assert "length_ratio" not in registry.default_names()
    assert registry.output_keys(["ce", "bleu"]) == (
        "bleu_1", "bleu_2", "bleu_3", "bleu_4", "ce_precision", "ce_recall", "ce_f1", "oua_accuracy",
    )  # fmt: skip


def test_register_refuses_what_it_cannot_dispatch():
    class NoKeys(Metric):
        name, input = "no_keys", "tokens"

    class BadInput(Metric):
        name, keys, input = "bad_input", ("bad_input",), "images"

    class Clash(Metric):
        name, keys, input = "clash", ("bleu_4",), "tokens"

    with pytest.raises(ValueError, match="output keys"):
        register(NoKeys)
    with pytest.raises(ValueError, match="input must be one of"):
        register(BadInput)
    with pytest.raises(ValueError, match="belong to another metric"):
        register(Clash)
    assert not {"no_keys", "bad_input", "clash"} & set(registry.names())
    with pytest.raises(ValueError, match="unknown metric"):
        Scorer(metrics=["no_such_metric"])


def test_a_metric_registered_over_a_builtin_takes_the_generic_path(own_metrics):
    class Bleu1Only(Metric):
        name, keys, input = "bleu", ("bleu_1", "bleu_2", "bleu_3", "bleu_4"), "tokens"

        def compute(self, hyps, refs):
            ones = np.ones(len(hyps))
            return MetricResult(
                "bleu", 1.0, ones, self.signature(), case_stats=np.ones((len(hyps), 4)),
                aggregate=lambda rows: {f"bleu_{n}": 1.0 for n in range(1, 5)},
            )  # fmt: skip

    from pet2rep_metrics.metrics.bleu import Bleu

    register(Bleu1Only, default=True)
    try:
        out = Scorer(metrics=["bleu"], language="en").score(PREDS[1:], REFS[1:])
        assert out["bleu_4"] == 1.0
    finally:
        register(Bleu, default=True)
    assert Scorer(metrics=["bleu"], language="en").score(PREDS[1:], REFS[1:])["bleu_4"] < 1.0


def test_plugins_from_entry_points_are_registered(monkeypatch):
    import importlib.metadata

    class Point:
        def __init__(self, name, value, target):
            self.name, self.value, self._target = name, value, target

        def load(self):
            if isinstance(self._target, Exception):
                raise self._target
            return self._target

    points = [
        Point("length_ratio", "tests:LengthRatio", LengthRatio),
        Point("broken", "nowhere:Thing", ImportError("no module named nowhere")),
        Point("not_a_metric", "tests:dict", dict),
    ]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: points)
    try:
        with pytest.warns(UserWarning) as caught:
            registry._plugins()
        assert "length_ratio" in registry.names()
        messages = " ".join(str(w.message) for w in caught)
        assert "'broken' not loaded" in messages and "'not_a_metric' not loaded" in messages
    finally:
        unregister("length_ratio")


def test_cli_scores_and_lists_a_registered_metric(own_metrics, tmp_path):
    preds, refs = tmp_path / "preds.jsonl", tmp_path / "refs.jsonl"
    preds.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(PREDS)),
        encoding="utf-8",
    )
    refs.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(REFS)),
        encoding="utf-8",
    )
    runner = CliRunner()
    listed = runner.invoke(score_app, ["--list-metrics"])
    assert listed.exit_code == 0 and "length_ratio" in listed.stdout
    out = tmp_path / "scores.json"
    result = runner.invoke(
        score_app, [str(preds), str(refs), "--metrics", "bleu,length_ratio", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert "length_ratio" in report and "length_ratio" in result.stdout
