"""Scorer(workers=2): a helper process extracts part of each large batch. Same numbers as one
process; a helper that dies or cannot start costs a warning, never a result."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pet2rep_metrics import Scorer
from pet2rep_metrics._synthetic import zh_report
from pet2rep_metrics.scoring import _MIN_SHARED

CASES = _MIN_SHARED  # preds + refs: twice the threshold, so the helper takes a share


@pytest.fixture(scope="module")
def corpus():
    preds = [zh_report(i)[0] for i in range(CASES)]
    refs = [zh_report(i + 3000)[0] for i in range(CASES)]
    return preds, refs


@pytest.fixture(scope="module")
def single_process(corpus):
    return Scorer(metrics=["bleu", "ce"]).score(*corpus, per_case=True)


def _same(a: dict, b: dict) -> None:
    assert {k: v for k, v in a.items() if k != "config"} == {
        k: v for k, v in b.items() if k != "config"
    }


def test_helper_gives_the_same_scores_and_labels(corpus, single_process):
    preds, refs = corpus
    with Scorer(metrics=["bleu", "ce"], workers=2) as scorer:
        assert len(scorer._helpers) == 1
        _same(scorer.score(preds, refs, per_case=True), single_process)
        # every label of the batch is now cached, whichever process extracted it
        alone = Scorer(metrics=["ce"])
        assert scorer.labels(refs, "zh") == alone.labels(refs, "zh")
        process = scorer._helpers[0]._process
    assert process.wait(timeout=10) == 0  # closed with the with-block


def test_a_dead_helper_gets_no_work(corpus, single_process):
    preds, refs = corpus
    scorer = Scorer(metrics=["bleu", "ce"], workers=2)
    scorer._helpers[0]._process.kill()
    scorer._helpers[0]._process.wait()
    with pytest.warns(UserWarning, match="exited between calls"):
        _same(scorer.score(preds, refs, per_case=True), single_process)
    assert scorer._helpers == []
    scorer.close()


def test_a_helper_dying_mid_request_costs_a_warning(corpus, single_process, monkeypatch):
    preds, refs = corpus
    scorer = Scorer(metrics=["bleu", "ce"], workers=2)
    helper = scorer._helpers[0]
    submit = helper.submit

    def submit_then_die(texts, language):
        submit(texts, language)
        helper._process.kill()

    monkeypatch.setattr(helper, "submit", submit_then_die)
    with pytest.warns(UserWarning, match="extraction helper exited"):
        result = scorer.score(preds, refs, per_case=True)
    _same(result, single_process)
    assert scorer._helpers == []
    scorer.close()


@pytest.mark.parametrize(
    ("interpreter", "message"),
    [("/bin/false", "extraction helper exited"), ("/no/such/python", "could not start")],
)
def test_a_helper_that_cannot_start_costs_a_warning(
    monkeypatch, corpus, single_process, interpreter, message
):
    monkeypatch.setattr(sys, "executable", interpreter)
    with pytest.warns(UserWarning, match=message):
        scorer = Scorer(metrics=["bleu", "ce"], workers=2)
    assert scorer._helpers == []
    _same(scorer.score(*corpus, per_case=True), single_process)


def test_workers_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="positive integer"):
        Scorer(workers=0)
    with pytest.raises(ValueError, match="positive integer"):
        Scorer(workers=1.5)  # type: ignore[arg-type]


def test_duplicate_texts_are_extracted_once(monkeypatch):
    scorer = Scorer(metrics=["ce"])
    seen: list[str] = []
    pipe = scorer.extractor.pipe

    def counting_pipe(texts, language=None, **options):
        texts = list(texts)
        seen.extend(texts)
        return pipe(texts, language=language, **options)

    monkeypatch.setattr(scorer.extractor, "pipe", counting_pipe)
    template = "肝脏FDG摄取弥漫性增高。"
    out = scorer.score([template] * 5, ["脾脏未见异常FDG摄取。"] * 5, per_case=True)
    assert sorted(seen) == sorted([template, "脾脏未见异常FDG摄取。"])
    assert np.isfinite(out["ce_f1"])


def test_an_error_mid_call_leaves_the_helper_ready(corpus, single_process, monkeypatch):
    from pet2rep_metrics.metrics import bleu

    preds, refs = corpus
    with Scorer(metrics=["bleu", "ce"], workers=2) as scorer:
        compute = bleu.Bleu.compute

        def fail_once(self, *args, **kwargs):
            monkeypatch.setattr(bleu.Bleu, "compute", compute)
            raise RuntimeError("boom")

        monkeypatch.setattr(bleu.Bleu, "compute", fail_once)
        with pytest.raises(RuntimeError, match="boom"):
            scorer.score(preds, refs)
        assert scorer._helpers and scorer._helpers[0].alive
        scorer._labels.clear()
        _same(scorer.score(preds, refs, per_case=True), single_process)


def test_output_printed_while_the_helper_imports_does_not_corrupt_answers(
    tmp_path, monkeypatch, corpus, single_process
):
    # sitecustomize runs at start-up in every interpreter that finds it, before any of our code
    (tmp_path / "sitecustomize.py").write_text("print('hello from an import')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with Scorer(metrics=["bleu", "ce"], workers=2) as scorer:
        assert len(scorer._helpers) == 1
        _same(scorer.score(*corpus, per_case=True), single_process)
