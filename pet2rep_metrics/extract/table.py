"""The extractor's output: findings and the organ x uptake label table of one report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..labels import normalize_states


@dataclass(frozen=True)
class Finding:
    """One organ x uptake statement. Offsets (``start``, ``end``: the organ and cue words;
    ``sentence_start``, ``sentence_end``) index the original report text."""

    organ: str
    state: str
    pattern: str | None
    intensity: str | None
    negated: bool
    uncertain: bool
    suvmax: float | None
    laterality: str | None
    section: str
    start: int
    end: int
    evidence: str
    sentence_start: int
    sentence_end: int
    cue: str
    attachment: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReportTable:
    """Structured reading of one report: ``findings`` in text order and ``labels``, a dict
    organ id -> sorted list of states (``normal`` dropped beside an abnormal state)."""

    text: str
    language: str
    findings: tuple[Finding, ...]
    labels: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        states: dict[str, set[str]] = {}
        for finding in self.findings:
            states.setdefault(finding.organ, set()).add(finding.state)
        object.__setattr__(self, "labels", {organ: normalize_states(s) for organ, s in sorted(states.items())})

    def to_frame(self):
        """Findings as a pandas DataFrame, one row a finding (columns as :class:`Finding`)."""
        import pandas as pd

        columns = list(Finding.__dataclass_fields__)
        return pd.DataFrame([f.to_dict() for f in self.findings], columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``language``, ``labels``, ``findings``."""
        return {
            "language": self.language,
            "labels": self.labels,
            "findings": [f.to_dict() for f in self.findings],
        }
