"""Negation and uncertainty: a NegEx component that reads termsets in negspacy's layout.

negspacy's own ``Negex`` scopes a term to the end of the spaCy sentence and walks every span for
every sentence; here the scope is the clause (zh: ，；。, en: the sentence or ';') and never crosses
a termination term, a term nested in a longer term does not count (未见 holds 见, 不除外 holds 不),
and the cost is linear in the report. With a dependency parse, a term also has to sit in the same
syntactic clause as the cue it negates.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

from .batching import BatchedComponent
from .state import DocState, token_offsets
from .terms import TermScanner, fold

_ROLES = ("pseudo_negations", "preceding_negations", "following_negations", "termination")
_CLAUSE_DEPS = frozenset({"ROOT", "advcl", "ccomp", "relcl", "parataxis", "xcomp"})


class ScopedNegex(BatchedComponent):
    """Sets cue attributes from termsets: ``termsets`` maps an attribute ('negated',
    'uncertain') to a termset dict with negspacy's four keys; ``scopes`` maps an attribute to
    'clause' (default) or 'sentence'. One matcher pass serves all. With ``normalize_term`` (a
    term as a report's normalised text writes it) terms are found on the characters, as the
    Chinese pipeline needs (its tokens are coarse); without, by a PhraseMatcher over tokens."""

    def __init__(
        self,
        nlp: Language,
        termsets: dict[str, dict[str, list[str]]],
        scopes: dict[str, str] | None = None,
        normalize_term: Callable[[str], str] | None = None,
    ):
        self.scopes = scopes or {}
        self._by_chars = normalize_term is not None
        self.matcher = None if self._by_chars else PhraseMatcher(nlp.vocab, attr="LOWER")
        self._label_of: dict[int, tuple[str, str]] = {}
        scanned_terms: list[str] = []
        self._scanned_labels: list[tuple[str, str]] = []
        for attribute, termset in termsets.items():
            missing = [role for role in _ROLES if role not in termset]
            if missing:
                raise KeyError(
                    f"termset for {attribute!r} lacks {missing}; expected negspacy's keys {list(_ROLES)}"
                )
            for role in _ROLES:
                terms = [t for t in termset[role] if t.strip()]
                if not terms:
                    continue
                if self._by_chars:
                    unique = list(dict.fromkeys(fold(normalize_term(t)) for t in terms))
                    scanned_terms.extend(unique)
                    self._scanned_labels.extend([(attribute, role)] * len(unique))
                else:
                    label = f"{attribute}:{role}"
                    self.matcher.add(label, list(nlp.tokenizer.pipe(terms)))
                    self._label_of[nlp.vocab.strings[label]] = (attribute, role)
        self.scanner = TermScanner(scanned_terms) if self._by_chars else None
        self.attributes = tuple(termsets)

    def __call__(self, doc: Doc) -> Doc:
        state: DocState = doc._.pet2rep
        if not state.cues:
            return doc
        by_attribute: dict[str, list[tuple[int, int, str, int]]] = {a: [] for a in self.attributes}
        if self.scanner is not None:
            labels = self._scanned_labels
            for start, end, index in self.scanner.find(state.normalized.text):
                attribute, role = labels[index]
                by_attribute[attribute].append((start, end, role, -1))
        else:
            token_starts, token_ends = token_offsets(doc)
            for match_id, start, end in self.matcher(doc):
                attribute, role = self._label_of[match_id]
                by_attribute[attribute].append(
                    (token_starts[start], token_ends[end - 1], role, start)
                )
        clause_starts = {c[0] for s in state.sentences for c in s.clauses}
        sentence_starts = {s.start for s in state.sentences}
        text_end = len(state.normalized.text)
        parsed = not self._by_chars and doc.has_annotation("DEP")
        for attribute, matches in by_attribute.items():
            if not matches:
                continue
            kept = _outermost(matches)
            preceding = [m for m in kept if m[2] == "preceding_negations"]
            following = [m for m in kept if m[2] == "following_negations"]
            if not preceding and not following:
                continue
            pre_starts = [m[0] for m in preceding]
            fol_starts = [m[0] for m in following]
            # negation reaches to the clause's end; a hedge speaks for the whole sentence
            starts = sentence_starts if self.scopes.get(attribute) == "sentence" else clause_starts
            boundaries = sorted(starts | {m[0] for m in kept if m[2] == "termination"})
            for cue in state.cues:
                head = cue.head_start
                bi = bisect.bisect_right(boundaries, head) - 1
                lo = boundaries[bi] if bi >= 0 else 0
                hi = boundaries[bi + 1] if bi + 1 < len(boundaries) else text_end
                # the terms nearest the cue on each side decide (a bounded look, so that a clause
                # full of negations stays linear)
                last = bisect.bisect_left(pre_starts, head)
                window = preceding[max(last - _NEAREST, 0) : last]
                scope = [m for m in window if m[0] >= lo and m[1] <= head] if window else []
                first = bisect.bisect_left(fol_starts, cue.head_end)
                window = following[first : first + _NEAREST]
                if window:
                    scope += [m for m in window if m[0] < hi and m[1] <= hi]
                if scope and (not parsed or self._same_clause(doc, head, scope)):
                    setattr(cue, attribute, True)
        return doc

    @staticmethod
    def _same_clause(doc: Doc, cue_char: int, terms: list[tuple[int, int, str, int]]) -> bool:
        cue_token = doc.char_span(cue_char, cue_char + 1, alignment_mode="expand")
        if cue_token is None or len(cue_token) == 0:
            return True
        head = _clause_head(cue_token[0])
        return any(
            _clause_head(doc[m[3]]).i == head.i or doc[m[3]].head.i == cue_token[0].i for m in terms
        )


def _clause_head(token: Token) -> Token:
    current = token
    for _ in range(50):
        if current.dep_ in _CLAUSE_DEPS or current.head.i == current.i:
            return current
        current = current.head
    return current


_NEAREST = 4  # negation terms looked at on each side of a cue
_DIRECTIONS = frozenset({"preceding_negations", "following_negations"})


def _outermost(matches: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    """Drop matches nested in a longer match (未见 holds 见; 不除外 holds 不); equal spans stay,
    and so does a negation nested in a negation of the other direction ("are not" negates what
    comes before it, its "not" what comes after it)."""
    matches.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    kept = []
    reach = (-1, -1, "")
    for match in matches:
        nested = match[1] <= reach[1] and (match[0], match[1]) != reach[:2]
        if nested and {match[2], reach[2]} != _DIRECTIONS:
            continue
        kept.append(match)
        if match[1] > reach[1]:
            reach = (match[0], match[1], match[2])
    return kept
