"""Signatures hold every setting that changes a number (after sacrebleu): tokenisation and
language for the lexical metrics, the organ set and the extractor (with its lexicons' source and
hash) for CE, the METEOR backend."""

from __future__ import annotations

import shutil

from pet2rep_metrics import Extractor, Scorer
from pet2rep_metrics._data import lexicon_dir

PREDS = ["肝脏FDG摄取增高。"]
REFS = ["肝脏FDG摄取未见异常。"]


def test_lexicon_source_and_hash_are_in_the_extractor_signature(tmp_path, monkeypatch):
    packaged = Extractor().signature
    assert "|lexicons=packaged:" in packaged
    copy = tmp_path / "lexicons"
    shutil.copytree(lexicon_dir(), copy)
    same = Extractor(lexicon_dir=str(copy)).signature
    assert "|lexicons=custom:" in same
    assert same.split("lexicons=custom:")[1] == packaged.split("lexicons=packaged:")[1]
    with (copy / "cues.tsv").open("a", encoding="utf-8") as handle:
        handle.write("# a comment changes the bytes, so the hash\n")
    changed = Extractor(lexicon_dir=str(copy)).signature
    assert changed != same
    monkeypatch.setenv("PET2REP_LEXICONS", str(copy))
    assert "|lexicons=env:" in Extractor().signature


def test_every_result_signature_says_what_changes_its_number():
    scorer = Scorer(metrics=["bleu", "meteor", "rouge_l", "cider", "ce", "chrf"])
    signatures = scorer.score(PREDS, REFS)["config"]["signatures"]
    for name in ("bleu", "meteor", "rouge_l", "cider"):
        assert "|tok:cjk-char" in signatures[name] and "|lang:zh" in signatures[name], name
    assert "impl:python" in signatures["meteor"]
    assert signatures["ce"].startswith("ce|organs:21:")
    assert scorer.extractor.signature in signatures["ce"]
    assert signatures["chrf"].endswith("|lang:zh")
    words = Scorer(metrics=["bleu"], zh_words=True).score(PREDS, REFS)["config"]["signatures"]
    assert "|tok:jieba-words" in words["bleu"]
    english = Scorer(metrics=["bleu"]).score(["Liver uptake."], ["Liver uptake is normal."])
    assert "|tok:ptb" in english["config"]["signatures"]["bleu"]
