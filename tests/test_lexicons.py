"""The lexicon files follow their schema (lexicons/README.md): the loader refuses a row outside it
with the file and line, and the organ files agree with each other and with the guide's table."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pet2rep_metrics import Extractor
from pet2rep_metrics._data import lexicon_dir, read_tsv
from pet2rep_metrics.extract.lexicon import CONTEXT_KINDS, load_lexicon
from pet2rep_metrics.labels import organ_ids, organ_set

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_packaged_lexicons_load(language):
    lexicon = load_lexicon(language)
    assert lexicon.organ_terms and lexicon.cues and "node_word" in lexicon.context


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "lexicons"
    shutil.copytree(lexicon_dir(), folder)
    return folder


def _append(folder: Path, name: str, row: str) -> int:
    """Add ``row`` at the end of ``name``; returns its line number."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + row + "\n", encoding="utf-8")
    return text.count("\n") + 1


@pytest.mark.parametrize(
    "name,row,message",
    [
        ("organs.tsv", "zh\t肝门\tliverr\torgan\t", "unknown organ id(s) ['liverr']"),
        ("organs.tsv", "zh\t肝门\tliver\tplace\t", "kind 'place' is not one of"),
        ("organs.tsv", "fr\tfoie\tliver\torgan\t", "lang 'fr' is not one of"),
        ("organs.tsv", "zh\t肝门\t\torgan\t", "a organ row names no organ"),
        ("organs.tsv", "zh\t肝门\tliver\torgan\tliver_node", "unknown organ id(s) ['liver_node']"),
        ("cues.tsv", "zh\thot\t1\t很热", "state 'hot' is not one of"),
        ("cues.tsv", "zh\tincreased\thigh\t很热", "priority 'high' is not a whole number"),
        ("cues.tsv", "zh\tincreased\t1\t(很热", "bad regular expression"),
        ("context.tsv", "zh\tnode_words\t淋巴", "kind 'node_words' is not one of"),
        ("context.tsv", "en\tprep\t", "empty pattern"),
        ("modifiers.tsv", "zh\tintensity\textreme\t极度", "value 'extreme' is not one of"),
        ("modifiers.tsv", "zh\tcolour\tred\t红", "field 'colour' is not one of"),
        ("negation.tsv", "zh\tnegation\tbefore\t未见", "role 'before' is not one of"),
        ("negation.tsv", "zh\tdoubt\tpreceding_negations\t未见", "set 'doubt' is not one of"),
        ("sections.tsv", "zh\tsummary\t小结", "section 'summary' is not one of"),
        # a bad pattern is named whichever language is loaded (here zh)
        ("modifiers.tsv", "zh\tintensity\tmild\t轻(度", "bad regular expression"),
        ("modifiers.tsv", "en\tintensity\tmild\tslight(ly", "bad regular expression"),
        ("sections.tsv", "en\tfindings\tfindings[", "bad regular expression"),
        ("context.tsv", "en\tnode_word\tnodes?)", "bad regular expression"),
        ("context.tsv", "zh\tnode_word\t淋巴(结", "bad regular expression"),
        ("zh_traditional.tsv", "臟器\t脏器", "one character a column"),
    ],
)
def test_a_row_outside_the_schema_names_file_and_line(tmp_path, name, row, message):
    folder = _copy(tmp_path)
    line = _append(folder, name, row)
    with pytest.raises(ValueError) as error:
        load_lexicon("zh", str(folder))
    assert f"{folder / name}:{line}" in str(error.value)
    assert message in str(error.value)


def test_a_missing_required_context_kind_is_named(tmp_path):
    folder = _copy(tmp_path)
    path = folder / "context.tsv"
    kept = [
        x
        for x in path.read_text(encoding="utf-8").splitlines()
        if not x.startswith("en\tnode_word\t")
    ]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"context.tsv: no en row of kind\(s\) \['node_word'\]"):
        load_lexicon("en", str(folder))


def test_every_context_kind_is_documented_in_its_file_and_the_readme():
    header = (lexicon_dir() / "context.tsv").read_text(encoding="utf-8")
    readme = (ROOT / "lexicons" / "README.md").read_text(encoding="utf-8")
    for kind in CONTEXT_KINDS:
        assert re.search(rf"^#\s+{kind}\b", header, re.M), f"context.tsv header lacks {kind}"
        assert f"`{kind}`" in readme, f"lexicons/README.md lacks {kind}"


def _guide_organ_table() -> list[str]:
    guide = (ROOT / "docs" / "ANNOTATION.md").read_text(encoding="utf-8")
    table = guide.split("### Organ ids", 1)[1]
    return [i for i in re.findall(r"^\| ([a-z_]+) \|", table, re.M) if i != "id"]


def test_organ_files_agree_with_the_guide():
    guide = _guide_organ_table()
    assert len(guide) == 31
    assert tuple(guide) == organ_ids(), "organ_sets.tsv 'all' differs from the guide's table"
    names = [r["organ"] for r in read_tsv("organ_names.tsv")]
    assert names == guide, "organ_names.tsv differs from the guide's table"
    assert set(organ_set("pet2rep")) <= set(guide)
    for language in ("zh", "en"):
        named = {
            o for t in load_lexicon(language).organ_terms if t.lang == language for o in t.organs
        }
        assert named == set(guide), f"organs.tsv ({language}) lacks {set(guide) - named}"


def test_the_display_names_read_back_as_their_organ():
    """The prompt names each organ by organ_names.tsv: the extractor must read a statement about
    that name as that organ."""
    extractor = Extractor()
    for row in read_tsv("organ_names.tsv"):
        zh = extractor(f"{row['zh']}FDG摄取未见异常。").labels
        en = extractor(f"No abnormal FDG uptake in the {row['en']}.").labels
        assert row["organ"] in zh, (row["zh"], zh)
        assert row["organ"] in en, (row["en"], en)
