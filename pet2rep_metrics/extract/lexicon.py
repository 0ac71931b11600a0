"""Load the extractor's lexicons (lexicons/*.tsv) into compiled, per-language objects."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._data import lexicon_dir, read_tsv

LANGUAGES = ("zh", "en")
_TERMSET_KEYS = ("pseudo_negations", "preceding_negations", "following_negations", "termination")


@dataclass(frozen=True)
class OrganTerm:
    """One organ-lexicon row: ``term`` names ``organs`` (kind organ), a node station (node), a
    station only with a node word (region), or nothing (exclude)."""

    term: str
    organs: tuple[str, ...]
    kind: str
    station: str
    lang: str


@dataclass(frozen=True)
class CuePattern:
    """A compiled uptake-cue regex with its state and priority."""

    state: str
    priority: int
    regex: re.Pattern[str]
    source: str


@dataclass(eq=False)
class Lexicon:
    """Everything the extractor reads for one language."""

    language: str
    folder: Path
    organ_terms: list[OrganTerm]
    cues: list[CuePattern]
    context: dict[str, re.Pattern[str]]
    modifiers: list[tuple[str, str, re.Pattern[str]]]
    negation: dict[str, list[str]]
    uncertainty: dict[str, list[str]]
    sections: list[tuple[str, str]]
    traditional: dict[int, str] = field(default_factory=dict)

    def has_context(self, kind: str) -> bool:
        return kind in self.context


def _expand_macros(pattern: str, macros: dict[str, str]) -> str:
    for _ in range(5):
        new = re.sub(
            r"\{([A-Z][A-Z0-9_]*)\}", lambda m: macros.get(m.group(1), m.group(0)), pattern
        )
        if new == pattern:
            break
        pattern = new
    return pattern


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{where}: bad regular expression: {exc}") from exc


@cache
def load_lexicon(language: str, folder: str | None = None) -> Lexicon:
    """Load and compile the lexicon of ``language`` ('zh' or 'en') from ``folder`` (default: the
    packaged lexicons). Cached: repeated calls return the same object."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    path = Path(folder) if folder else lexicon_dir()

    organ_terms = []
    for row in read_tsv("organs.tsv", path):
        # zh pipelines also match English organ words: mixed zh/en reports are common.
        if row["lang"] == language or (language == "zh" and row["lang"] == "en"):
            organs = tuple(o for o in row["organs"].split("+") if o)
            organ_terms.append(
                OrganTerm(row["term"], organs, row["kind"], row["station"], row["lang"])
            )

    macros: dict[str, str] = {}
    cues = []
    for row in read_tsv("cues.tsv", path):
        if "@" in row:
            name, _, value = row["@"].partition("\t")
            macros[name.split()[-1]] = value.strip()
            continue
        if row["lang"] != language:
            continue
        source = _expand_macros(row["pattern"], macros)
        where = f"{path / 'cues.tsv'}:{row['_line']}"
        cues.append(CuePattern(row["state"], int(row["priority"]), _compile(source, where), source))

    context_parts: dict[str, list[str]] = {}
    for row in read_tsv("context.tsv", path):
        if row["lang"] == language:
            context_parts.setdefault(row["kind"], []).append(row["pattern"])
    context = {
        kind: _compile("|".join(f"(?:{p})" for p in parts), f"{path / 'context.tsv'} ({kind})")
        for kind, parts in context_parts.items()
    }

    modifiers = [
        (
            row["field"],
            row["value"],
            _compile(row["pattern"], f"{path / 'modifiers.tsv'}:{row['_line']}"),
        )
        for row in read_tsv("modifiers.tsv", path)
        if row["lang"] == language
    ]

    negation: dict[str, list[str]] = {key: [] for key in _TERMSET_KEYS}
    uncertainty: dict[str, list[str]] = {key: [] for key in _TERMSET_KEYS}
    removed: list[str] = []
    if language == "en":
        from negspacy.termsets import termset

        # deepcopy: negspacy's termsets are module-level dicts shared by every pipeline.
        negation = copy.deepcopy(termset("en_clinical").get_patterns())
    for row in read_tsv("negation.tsv", path):
        if row["lang"] != language:
            continue
        target = negation if row["set"] == "negation" else uncertainty
        if row["role"] == "remove":
            removed.append(row["term"])
        elif row["role"] in _TERMSET_KEYS:
            target[row["role"]].append(row["term"])
        else:
            raise ValueError(
                f"{path / 'negation.tsv'}:{row['_line']}: unknown role {row['role']!r}"
            )
    for key in _TERMSET_KEYS:
        negation[key] = sorted({t for t in negation[key] if t not in removed})
        uncertainty[key] = sorted(set(uncertainty[key]))

    sections = [
        (row["section"], row["pattern"])
        for row in read_tsv("sections.tsv", path)
        if row["lang"] == language
    ]

    traditional: dict[int, str] = {}
    if language == "zh":
        for row in read_tsv("zh_traditional.tsv", path):
            traditional[ord(row["traditional"])] = row["simplified"]

    return Lexicon(
        language=language,
        folder=path,
        organ_terms=organ_terms,
        cues=cues,
        context=context,
        modifiers=modifiers,
        negation=negation,
        uncertainty=uncertainty,
        sections=sections,
        traditional=traditional,
    )
