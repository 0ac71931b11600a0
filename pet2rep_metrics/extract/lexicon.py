"""Load the extractor's lexicons (lexicons/*.tsv) into compiled, per-language objects."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .._data import lexicon_dir, read_tsv
from ..labels import STATES
from .caseless import compile_caseless

LANGUAGES = ("zh", "en")
_TERMSET_KEYS = ("pseudo_negations", "preceding_negations", "following_negations", "termination")

# The schema of lexicons/ (documented in lexicons/README.md): the values each column may take.
ORGAN_KINDS = ("organ", "node", "region", "exclude")
# what a cue row may state: an uptake state of the guide, or a cue the stages treat specially
CUE_STATES = (*STATES, "equal_ref", "removed", "explain", "artifact")
CONTEXT_KINDS = (
    "node_word", "mass_word", "finding_clause", "lesion_word", "station_glue", "region_after",
    "region_before", "elsewhere", "continuation", "anaphora", "correlate", "prior_time",
    "comparison", "comparator", "prior_modifier", "technique", "alternative", "prep",
    "reference_value", "node_heading", "shared_reference", "explanation_lead", "neighbour_nodes",
    "node_enumeration", "unchanged", "weak_level", "part_of_organ", "not_typo", "direction_word",
    "lesion_head", "contrast_word", "mean_value", "clause_contrast", "comma_clause",
    "fronted_subordinator", "new_predicate", "coordinator", "premodifier", "same_subject_link",
    "node_premodifier",
)  # fmt: skip
# context kinds a language's pipeline cannot be built without
REQUIRED_CONTEXT = {
    "zh": ("node_word", "mass_word", "station_glue", "region_after"),
    "en": ("node_word", "mass_word", "region_before", "node_premodifier"),
}
MODIFIER_VALUES = {
    "intensity": ("mild", "moderate", "intense"),
    "pattern": ("focal", "diffuse"),
    "laterality": ("left", "right", "bilateral"),
}
SECTIONS = ("findings", "impression", "technique", "history", "comparison")
NEGATION_SETS = ("negation", "uncertainty")


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

    def compose(self, template: str) -> re.Pattern[str] | None:
        """``template`` with every ``«kind»`` replaced by that context kind's pattern (a group),
        compiled case-insensitively; None when one of the kinds is not in this language's lexicon. Word lists live
        in context.tsv, the structure around them here."""
        missing = False

        def words(match: re.Match[str]) -> str:
            nonlocal missing
            found = self.context.get(match.group(1))
            missing = missing or found is None
            return f"(?:{found.pattern})" if found is not None else ""

        pattern = re.sub(r"«([a-z_]+)»", words, template)
        return None if missing else compile_caseless(pattern)


def _where(path: Path, name: str, row: dict[str, str]) -> str:
    return f"{path / name}:{row['_line']}"


def _one_of(path: Path, name: str, row: dict[str, str], column: str, allowed) -> str:
    """The row's ``column``, or ValueError naming file, line, the value and the choices."""
    value = row.get(column, "")
    if value not in allowed:
        raise ValueError(
            f"{_where(path, name, row)}: {column} {value!r} is not one of {', '.join(allowed)}"
        )
    return value


def _filled(path: Path, name: str, row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value.strip():
        raise ValueError(f"{_where(path, name, row)}: empty {column}")
    return value


def _organ_ids(path: Path) -> tuple[str, ...]:
    """The organ ids of the lexicon folder (organ_sets.tsv, set ``all``)."""
    ids = tuple(r["organ"] for r in read_tsv("organ_sets.tsv", path) if r.get("set") == "all")
    if not ids:
        raise ValueError(f"{path / 'organ_sets.tsv'}: no organ set 'all' (every organ id)")
    return ids


def _expand_macros(pattern: str, macros: dict[str, str]) -> str:
    for _ in range(5):
        new = re.sub(
            r"\{([A-Z][A-Z0-9_]*)\}", lambda m: macros.get(m.group(1), m.group(0)), pattern
        )
        if new == pattern:
            break
        pattern = new
    return pattern


def _compile(
    pattern: str, where: str, compiler: Callable[[str], re.Pattern[str]] | None = None
) -> re.Pattern[str]:
    try:
        return (compiler or compile_caseless)(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: bad regular expression: {exc}") from exc


def _check(pattern: str, where: str) -> None:
    """ValueError naming ``where`` when ``pattern`` is not a regular expression: for rows that
    are validated but not kept as they are (the other language's, or parts of a pattern
    compiled whole), at a fraction of :func:`compile_caseless`'s cost, whose rewriting keeps
    a pattern's syntax."""
    _compile(pattern, where, lambda source: re.compile(source, re.IGNORECASE))


@cache
def load_lexicon(language: str, folder: str | None = None) -> Lexicon:
    """Load and compile the lexicon of ``language`` ('zh' or 'en') from ``folder`` (default: the
    packaged lexicons). Cached: repeated calls return the same object."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    path = Path(folder) if folder else lexicon_dir()
    known_organs = _organ_ids(path)

    organ_terms = []
    for row in read_tsv("organs.tsv", path):
        lang = _one_of(path, "organs.tsv", row, "lang", LANGUAGES)
        kind = _one_of(path, "organs.tsv", row, "kind", ORGAN_KINDS)
        _filled(path, "organs.tsv", row, "term")
        organs = tuple(o for o in row["organs"].split("+") if o)
        unknown = [o for o in (*organs, row["station"]) if o and o not in known_organs]
        if unknown:
            raise ValueError(f"{_where(path, 'organs.tsv', row)}: unknown organ id(s) {unknown}")
        if kind != "exclude" and not organs:
            raise ValueError(f"{_where(path, 'organs.tsv', row)}: a {kind} row names no organ")
        # zh pipelines also match English organ words: mixed zh/en reports are common.
        if lang == language or (language == "zh" and lang == "en"):
            organ_terms.append(OrganTerm(row["term"], organs, kind, row["station"], lang))

    macros: dict[str, str] = {}
    cues = []
    for row in read_tsv("cues.tsv", path):
        if "@" in row:
            name, _, value = row["@"].partition("\t")
            macros[name.split()[-1]] = value.strip()
            continue
        where = _where(path, "cues.tsv", row)
        lang = _one_of(path, "cues.tsv", row, "lang", LANGUAGES)
        state = _one_of(path, "cues.tsv", row, "state", CUE_STATES)
        try:
            priority = int(row["priority"])
        except ValueError:
            raise ValueError(
                f"{where}: priority {row['priority']!r} is not a whole number"
            ) from None
        if lang != language:
            continue
        source = _expand_macros(_filled(path, "cues.tsv", row, "pattern"), macros)
        cues.append(CuePattern(state, priority, _compile(source, where), source))

    context_parts: dict[str, list[str]] = {}
    for row in read_tsv("context.tsv", path):
        lang = _one_of(path, "context.tsv", row, "lang", LANGUAGES)
        kind = _one_of(path, "context.tsv", row, "kind", CONTEXT_KINDS)
        pattern = _filled(path, "context.tsv", row, "pattern")
        _check(pattern, _where(path, "context.tsv", row))
        if lang == language:
            context_parts.setdefault(kind, []).append(pattern)
    missing = [k for k in REQUIRED_CONTEXT[language] if k not in context_parts]
    if missing:
        raise ValueError(f"{path / 'context.tsv'}: no {language} row of kind(s) {missing}")
    context = {
        kind: _compile("|".join(f"(?:{p})" for p in parts), f"{path / 'context.tsv'} ({kind})")
        for kind, parts in context_parts.items()
    }

    modifiers = []
    for row in read_tsv("modifiers.tsv", path):
        lang = _one_of(path, "modifiers.tsv", row, "lang", LANGUAGES)
        column = _one_of(path, "modifiers.tsv", row, "field", tuple(MODIFIER_VALUES))
        value = _one_of(path, "modifiers.tsv", row, "value", MODIFIER_VALUES[column])
        pattern = _filled(path, "modifiers.tsv", row, "pattern")
        where = _where(path, "modifiers.tsv", row)
        if lang == language:
            modifiers.append((column, value, _compile(pattern, where)))
        else:
            _check(pattern, where)

    negation: dict[str, list[str]] = {key: [] for key in _TERMSET_KEYS}
    uncertainty: dict[str, list[str]] = {key: [] for key in _TERMSET_KEYS}
    removed: list[str] = []
    if language == "en":
        from negspacy.termsets import termset

        # deepcopy: negspacy's termsets are module-level dicts shared by every pipeline.
        negation = copy.deepcopy(termset("en_clinical").get_patterns())
    for row in read_tsv("negation.tsv", path):
        lang = _one_of(path, "negation.tsv", row, "lang", LANGUAGES)
        term_set = _one_of(path, "negation.tsv", row, "set", NEGATION_SETS)
        role = _one_of(path, "negation.tsv", row, "role", (*_TERMSET_KEYS, "remove"))
        term = _filled(path, "negation.tsv", row, "term")
        if lang != language:
            continue
        if role == "remove":
            removed.append(term)
        else:
            (negation if term_set == "negation" else uncertainty)[role].append(term)
    for key in _TERMSET_KEYS:
        negation[key] = sorted({t for t in negation[key] if t not in removed})
        uncertainty[key] = sorted(set(uncertainty[key]))

    sections = []
    for row in read_tsv("sections.tsv", path):
        lang = _one_of(path, "sections.tsv", row, "lang", LANGUAGES)
        section = _one_of(path, "sections.tsv", row, "section", SECTIONS)
        pattern = _filled(path, "sections.tsv", row, "pattern")
        _check(pattern, _where(path, "sections.tsv", row))
        if lang == language:
            sections.append((section, pattern))

    traditional: dict[int, str] = {}
    if language == "zh":
        for row in read_tsv("zh_traditional.tsv", path):
            pair = (row["traditional"], row["simplified"])
            if any(len(c) != 1 for c in pair):
                raise ValueError(
                    f"{_where(path, 'zh_traditional.tsv', row)}: one character a column, not {pair}"
                )
            traditional[ord(pair[0])] = pair[1]

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
