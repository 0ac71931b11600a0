"""The per-document working state the pipeline components fill in (kept on ``doc._.pet2rep``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .normalize import NormalizedText
from .segment import Sentence


@dataclass(slots=True)
class OrganMention:
    """An organ mention: char span in the normalised text and the organ ids it names."""

    start: int
    end: int
    organs: tuple[str, ...]
    clause_start: int


@dataclass(slots=True)
class Cue:
    """An uptake cue. ``start``/``end`` cover the whole match (overlap, evidence); the head
    (``head_start``/``head_end``) is what negation and hedging are judged against."""

    state: str
    priority: int
    start: int
    end: int
    head_start: int
    head_end: int
    text: str
    negated: bool = False
    uncertain: bool = False
    explained: bool = False
    dropped: str | None = None  # why the cue adds nothing (prior time point, change only)
    from_suv: bool = False  # an SUV value standing in for an uptake word
    prior: bool = False  # describes an earlier study: counts only as a resolution (negated)


@dataclass(slots=True)
class SuvValue:
    start: int
    end: int
    value: float


def token_offsets(doc):
    """(start chars, end chars) of every token as two int arrays, read in one pass from the
    Doc (arrays, not lists: large Python containers make every GC pass slower)."""
    from array import array

    from spacy.attrs import IDX, LENGTH

    table = doc.to_array([IDX, LENGTH])
    starts = array("q", table[:, 0].tobytes())
    ends = array("q", (table[:, 0] + table[:, 1]).tobytes())
    return starts, ends


@dataclass(slots=True)
class DocState:
    """Everything the components know about one report."""

    language: str
    normalized: NormalizedText
    sentences: list[Sentence]
    mentions: list[OrganMention] = field(default_factory=list)
    places: list[int] = field(default_factory=list)  # starts of organ words read as places (脊柱旁)
    cues: list[Cue] = field(default_factory=list)
    suv: list[SuvValue] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)  # (cue, mention, how)
