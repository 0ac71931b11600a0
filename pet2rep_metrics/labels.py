"""Organ ids, uptake states and organ sets, as defined by docs/ANNOTATION.md."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ._data import read_tsv

STATES: tuple[str, ...] = ("increased", "decreased", "absent", "normal")
ABNORMAL_STATES: tuple[str, ...] = ("increased", "decreased", "absent")


@cache
def _organ_sets() -> dict[str, tuple[str, ...]]:
    sets: dict[str, list[str]] = {}
    for row in read_tsv("organ_sets.tsv"):
        if "@" in row:
            continue
        sets.setdefault(row["set"], []).append(row["organ"])
    return {name: tuple(ids) for name, ids in sets.items()}


def organ_ids() -> tuple[str, ...]:
    """Every organ id of the annotation guide, in the guide's order."""
    return _organ_sets()["all"]


def organ_set(spec: str | Path | list[str] | tuple[str, ...] | None = "pet2rep") -> tuple[str, ...]:
    """Resolve an organ set: a built-in name ('all', 'pet2rep'), a path to a file (one id a line
    or comma-separated), a comma-separated string of ids, or a list of ids. Unknown ids raise
    ValueError listing them."""
    if spec is None:
        spec = "pet2rep"
    sets = _organ_sets()
    if isinstance(spec, (list, tuple)):
        ids = [str(s).strip() for s in spec if str(s).strip()]
    elif isinstance(spec, str) and spec in sets:
        return sets[spec]
    else:
        path = Path(spec)
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            ids = [
                tok.strip()
                for line in text.splitlines()
                if not line.lstrip().startswith("#")
                for tok in line.split(",")
                if tok.strip()
            ]
        else:
            ids = [tok.strip() for tok in str(spec).split(",") if tok.strip()]
    known = set(sets["all"])
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(
            f"unknown organ id(s) {unknown}; known sets: {sorted(sets)}; ids: {', '.join(sets['all'])}"
        )
    if not ids:
        raise ValueError(f"empty organ set: {spec!r}")
    return tuple(dict.fromkeys(ids))


def normalize_states(states: set[str] | list[str]) -> list[str]:
    """Apply the guide's aggregation rule and return the states sorted (alphabetically, as the
    gold files list them): ``normal`` is dropped beside any abnormal state."""
    found = set(states)
    if found & set(ABNORMAL_STATES):
        found.discard("normal")
    return sorted(found)


def check_labels(labels: object) -> dict[str, list[str]]:
    """Validate a label table organ id -> states (a list, or one state). Returns it with states
    deduplicated and sorted; raises ValueError naming unknown organ ids and states."""
    if not isinstance(labels, dict):
        raise ValueError("labels must be an object organ -> [states]")
    known_organs, known_states = set(organ_ids()), set(STATES)
    clean: dict[str, list[str]] = {}
    unknown_organs, unknown_states = set(), set()
    for organ, states in labels.items():
        states = states if isinstance(states, list) else [states]
        if organ not in known_organs:
            unknown_organs.add(str(organ))
        unknown_states.update(str(s) for s in states if s not in known_states)
        if states:
            clean[organ] = sorted(set(states))
    if unknown_organs or unknown_states:
        parts = []
        if unknown_organs:
            parts.append(f"unknown organ ids {sorted(unknown_organs)}")
        if unknown_states:
            parts.append(f"unknown states {sorted(unknown_states)} (expected {', '.join(STATES)})")
        raise ValueError("; ".join(parts))
    return clean
