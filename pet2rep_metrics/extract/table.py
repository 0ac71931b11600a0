"""The extractor's output: findings and the organ x uptake label table of one report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
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
        # every field is a scalar: no deep copy (dataclasses.asdict) needed
        return {name: getattr(self, name) for name in _FIELD_NAMES}


_FIELD_NAMES = tuple(f.name for f in fields(Finding))


class ReportTable:
    """Structured reading of one report: ``labels``, a dict organ id -> sorted list of states
    (``normal`` dropped beside an abnormal state), and ``findings`` in text order (built on
    first access: scoring needs only the labels)."""

    __slots__ = ("__dict__", "_build", "labels", "language", "text")

    def __init__(
        self,
        text: str,
        language: str,
        findings: tuple[Finding, ...] | Callable[[], tuple[Finding, ...]],
        labels: dict[str, list[str]] | None = None,
    ):
        self.text = text
        self.language = language
        if callable(findings):
            self._build = findings
        else:
            self._build = None
            self.__dict__["findings"] = tuple(findings)
        if labels is None:
            states: dict[str, set[str]] = {}
            for finding in self.findings:
                states.setdefault(finding.organ, set()).add(finding.state)
            labels = {organ: normalize_states(s) for organ, s in sorted(states.items())}
        self.labels = labels

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        return self._build()

    def __repr__(self) -> str:
        return f"ReportTable(language={self.language!r}, labels={self.labels!r})"

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
