"""Negation and uncertainty: a NegEx component that reads termsets in negspacy's layout.

negspacy's own ``Negex`` scopes a term to the end of the spaCy sentence and walks every span for
every sentence; here the scope is the clause (zh: ，；。, en: the sentence or ';') and never crosses
a termination term, a term nested in a longer term does not count (未见 holds 见, 不除外 holds 不),
and the cost is linear in the report. With a dependency parse, a term also has to sit in the same
syntactic clause as the cue it negates.
"""

from __future__ import annotations

import bisect

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

from .state import DocState

_ROLES = ("pseudo_negations", "preceding_negations", "following_negations", "termination")
_CLAUSE_DEPS = frozenset({"ROOT", "advcl", "ccomp", "relcl", "parataxis", "xcomp"})


class ScopedNegex:
    """Marks cues negated (``attribute='negated'``) or hedged (``attribute='uncertain'``)."""

    def __init__(self, nlp: Language, termset: dict[str, list[str]], attribute: str):
        missing = [role for role in _ROLES if role not in termset]
        if missing:
            raise KeyError(f"termset lacks {missing}; expected negspacy's keys {list(_ROLES)}")
        self.attribute = attribute
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for role in _ROLES:
            terms = [t for t in termset[role] if t.strip()]
            if terms:
                self.matcher.add(role, list(nlp.tokenizer.pipe(terms)))
        self._role_of = {nlp.vocab.strings[role]: role for role in _ROLES}

    def __call__(self, doc: Doc) -> Doc:
        state: DocState = doc._.pet2rep
        if not state.cues:
            return doc
        matches = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            matches.append((span.start_char, span.end_char, self._role_of[match_id], start))
        # A term inside a longer term is part of it (未见 holds 见; 不除外 holds 不).
        matches.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        kept = []
        reach = (-1, -1)  # (start, end) of the longest match so far
        for match in matches:
            if match[1] <= reach[1] and (match[0], match[1]) != reach:
                continue
            kept.append(match)
            if match[1] > reach[1]:
                reach = (match[0], match[1])
        preceding = [m for m in kept if m[2] == "preceding_negations"]
        following = [m for m in kept if m[2] == "following_negations"]
        boundaries = sorted(
            {c[0] for s in state.sentences for c in s.clauses} | {m[0] for m in kept if m[2] == "termination"}
        )
        parsed = doc.has_annotation("DEP")
        for cue in state.cues:
            bi = bisect.bisect_right(boundaries, cue.head_start) - 1
            lo = boundaries[bi] if bi >= 0 else 0
            hi = boundaries[bi + 1] if bi + 1 < len(boundaries) else len(state.normalized.text)
            hit = any(lo <= m[0] and m[1] <= cue.head_start for m in preceding) or any(
                cue.head_end <= m[0] and m[1] <= hi for m in following
            )
            if hit and parsed:
                hit = self._same_clause(doc, cue.head_start, [m for m in preceding + following if lo <= m[0] < hi])
            if hit:
                setattr(cue, self.attribute, True)
        return doc

    @staticmethod
    def _same_clause(doc: Doc, cue_char: int, terms: list[tuple[int, int, str, int]]) -> bool:
        cue_token = doc.char_span(cue_char, cue_char + 1, alignment_mode="expand")
        if cue_token is None or len(cue_token) == 0:
            return True
        head = _clause_head(cue_token[0])
        return any(_clause_head(doc[m[3]]).i == head.i or doc[m[3]].head.i == cue_token[0].i for m in terms)


def _clause_head(token: Token) -> Token:
    current = token
    for _ in range(50):
        if current.dep_ in _CLAUSE_DEPS or current.head.i == current.i:
            return current
        current = current.head
    return current
