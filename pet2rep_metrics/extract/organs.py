"""Organ mentions: a spaCy component built from lexicons/organs.tsv (every occurrence of every
term: PhraseMatcher over English tokens, TermScanner over Chinese characters; longest match
first), node stations and regions resolved from context, rapidfuzz for misspelt English words."""

from __future__ import annotations

import bisect
import re

from rapidfuzz import fuzz, process
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .._cache import bounded_cache
from .batching import BatchedComponent
from .caseless import compile_caseless
from .lexicon import Lexicon, OrganTerm
from .normalize import normalize_text
from .segment import heading_scopes, merge_list_clauses
from .state import DocState, OrganMention, token_offsets
from .terms import TermScanner

_ASCII_WORD = re.compile(r"[A-Za-z]")
_FUZZY_MIN_LENGTH = 5
# an organ word that already ends in its lesion noun never names a node station
_WINDOW = 80  # characters before an English organ word searched for a place or node word


class _Hits:
    """Where one pattern matches in a text, found once: 'is there a match in [lo, hi)' by
    bisection, so that asking for every organ word stays linear in the report."""

    def __init__(self, pattern: re.Pattern[str], text: str):
        self.spans = [m.span() for m in pattern.finditer(text)]
        self.starts = [s for s, _ in self.spans]

    def between(self, lo: int, hi: int) -> bool:
        i = bisect.bisect_left(self.starts, lo)
        return i < len(self.spans) and self.spans[i][1] <= hi


_FUZZY_CUTOFF = 85.0


class OrganMatcher(BatchedComponent):
    """Finds organ mentions in ``doc._.pet2rep`` (spaCy component ``pet2rep_organs``)."""

    def __init__(self, nlp: Language, lexicon: Lexicon, fuzzy: bool = True):
        self.lexicon = lexicon
        self._zh = lexicon.language == "zh"
        self.terms: list[OrganTerm] = []
        seen: set[str] = set()
        variants_kept: list[str] = []
        for term in lexicon.organ_terms:
            variants = [term.term]
            if term.lang == "en" and not term.term.endswith("s"):
                variants.append(term.term + "s")
            for variant in variants:
                key = variant.lower()
                if key in seen:
                    continue
                seen.add(key)
                self.terms.append(term)
                variants_kept.append(variant)
        if self._zh:  # Chinese tokens are coarse: terms are found on the characters
            self.scanner = TermScanner(
                [normalize_text(v, lexicon.traditional).text for v in variants_kept]
            )
        else:
            self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            for index, variant in enumerate(variants_kept):
                self.matcher.add(str(index), [nlp.make_doc(variant)])
            self._term_of = {nlp.vocab.strings[str(i)]: t for i, t in enumerate(self.terms)}
        self.fuzzy = fuzzy and lexicon.language == "en"
        self._fuzzy_choices = {
            t.term.lower(): t
            for t in lexicon.organ_terms
            if t.kind in ("organ", "node")
            and " " not in t.term
            and len(t.term) >= _FUZZY_MIN_LENGTH
        }
        self._fuzzy_keys = tuple(self._fuzzy_choices)  # built once: the lookup cache keys on it
        ctx = lexicon.context
        node_word = ctx["node_word"].pattern
        # a lesion noun ending the organ phrase: pulmonary nodules are not nodes
        self._lesion_head = lexicon.compose(r"«lesion_head»$")
        if lexicon.language == "zh":
            glue = ctx["station_glue"].pattern
            self._node_after = compile_caseless(f"(?:{glue})(?:{node_word})")
            self._glue = ctx["station_glue"]
            self._node_word = ctx["node_word"]
            region_after = ctx["region_after"].pattern
            self._beside_node = compile_caseless(f"(?:{region_after})(?:{glue})(?:{node_word})")
            self._mass_after = ctx["mass_word"]
        else:
            self._node_after = lexicon.compose(
                r"(?:\s+(?:«node_premodifier»|\w+al))*\s+«node_word»\b"
            )
            self._beside_node = None
            self._mass_after = compile_caseless(
                r"\s+(?:\w+\s+)?(?:" + ctx["mass_word"].pattern + r")\b"
            )

    def __call__(self, doc: Doc) -> Doc:
        state: DocState = doc._.pet2rep
        text = state.normalized.text

        candidates: list[tuple[int, int, OrganTerm]] = []
        if zh := self._zh:
            terms = self.terms
            for s, e, index in self.scanner.find(text):
                term = terms[index]
                # English words inside Chinese text: whole words only.
                if term.lang == "en" and (
                    (s > 0 and _ASCII_WORD.match(text[s - 1]))
                    or (e < len(text) and _ASCII_WORD.match(text[e]))
                ):
                    continue
                candidates.append((s, e, term))
        else:
            token_starts, token_ends = token_offsets(doc)
            term_of = self._term_of
            for match_id, start, end in self.matcher(doc):
                candidates.append((token_starts[start], token_ends[end - 1], term_of[match_id]))
        if self.fuzzy:
            candidates.extend(self._fuzzy_candidates(doc, text, candidates))

        # Longest match first (then the earliest, then the order found); an 'exclude' entry
        # blocks the shorter organ words inside it.
        order = sorted((s - e, s, k) for k, (s, e, _) in enumerate(candidates))
        taken: list[tuple[int, int, OrganTerm]] = []
        occupied = bytearray(len(text) + 1)
        for _, _, k in order:
            s, e, term = candidates[k]
            if occupied.find(1, s, e) >= 0:
                continue
            occupied[s:e] = b"\x01" * (e - s)
            taken.append((s, e, term))
        taken.sort(key=lambda c: c[0])
        if zh:
            merge_list_clauses(text, state.sentences, [(s, e) for s, e, _ in taken])
        clauses = [c for s in state.sentences for c in s.clauses]
        clause_starts = [c[0] for c in clauses]
        heading = self.lexicon.context.get("node_heading")
        scopes = heading_scopes(text, heading) if heading is not None and taken else []
        # a bracketed list right after a node word names stations: 淋巴结肿大(颈部、腋窝、纵隔)
        enumeration = self.lexicon.context.get("node_enumeration")
        if enumeration is not None and taken:
            for match in enumeration.finditer(text):
                close = text.find(")", match.end())
                scopes.append((match.end(), len(text) if close < 0 else close))

        mentions: list[OrganMention] = []
        places: list[int] = []
        # (mention index, clause end) of node and region terms
        station_words: list[tuple[int, int]] = []
        stations: list[str] = []  # per mention: the node station of its organ word, if any
        words = [(s, e, term) for s, e, term in taken if term.kind != "exclude"]
        clause_of = [bisect.bisect_right(clause_starts, s) - 1 for s, _, _ in words]
        clause_ends = [clauses[ci][1] if ci >= 0 else len(text) for ci in clause_of]
        follows = (
            self._stations_follow(text, [(s, e) for s, e, _ in words], clause_ends) if zh else None
        )
        node_words = _Hits(self.lexicon.context["node_word"], text)
        for k, (s, e, term) in enumerate(words):
            ci = clause_of[k]
            clause_end = clause_ends[k]
            clause_start = clauses[ci][0] if ci >= 0 else 0
            under_heading = bool(scopes) and any(a <= s < b for a, b in scopes)
            node_follows = (
                follows[k]
                if follows is not None and term.kind == "organ" and term.station
                else None
            )
            organs = self._resolve(
                text, s, e, term, clause_start, clause_end, under_heading, node_follows, node_words
            )
            if organs:
                mentions.append(OrganMention(s, e, organs, clause_start))
                stations.append(term.station if term.kind == "organ" else "")
                if term.kind in ("node", "region"):
                    station_words.append((len(mentions) - 1, clause_end))
            else:
                places.append(s)
        # A body region whose name is also a node station (腋窝, 颈部, axilla) locates a skin or
        # muscle lesion when its clause names that tissue and no node: 腋窝皮下结节 → soft tissue.
        if station_words:
            node_word = self.lexicon.context["node_word"]
            tissue_clauses = {m.clause_start for m in mentions if "soft_tissue" in m.organs}
            dropped = {
                i
                for i, clause_end in station_words
                if mentions[i].clause_start in tissue_clauses
                and node_word.search(text, mentions[i].clause_start, clause_end) is None
            }
            if dropped:
                places.extend(mentions[i].start for i in dropped)
                places.sort()
                stations = [st for i, st in enumerate(stations) if i not in dropped]
                mentions = [m for i, m in enumerate(mentions) if i not in dropped]
        mentions = self._neighbour_nodes(text, state, mentions, stations)
        state.mentions = mentions
        state.places = places
        return doc

    def _resolve(
        self,
        text: str,
        s: int,
        e: int,
        term: OrganTerm,
        clause_start: int,
        clause_end: int,
        under_node_heading: bool,
        node_follows: bool | None,
        node_words: _Hits,
    ) -> tuple[str, ...]:
        """Organ ids of a matched term in context, or () when the context says it is a place.
        Under a node heading (淋巴结：, Lymph nodes:) regions and places beside organs are the
        node stations the heading lists. ``node_follows``: whether a node word follows the term
        with only places between (zh, computed for all terms at once), None to match here;
        ``node_words``: where the report's node words are."""
        ctx = self.lexicon.context
        zh = self._zh
        kind = term.kind
        if kind == "organ":
            if zh:
                beside = ctx["region_after"].match(text, e, clause_end) is not None
            else:
                window = max(clause_start, s - _WINDOW)
                beside = ctx["region_before"].search(text, window, s) is not None
            # a node word right after the organ word: 胰头周围淋巴结, intrapulmonary lymph nodes
            if (
                term.station
                and (self._lesion_head is None or self._lesion_head.search(text, s, e) is None)
                and node_words.between(e, clause_end)
                and (
                    (
                        node_follows
                        if node_follows is not None
                        else self._node_after.match(text, e, clause_end) is not None
                    )
                    or (beside and zh and self._beside_node.match(text, e, clause_end) is not None)
                )
            ):
                return (term.station,)
            if beside:
                return (term.station,) if term.station and under_node_heading else ()
            return term.organs
        if kind == "node":
            mass = self._mass_after.match(text, e, clause_end) is not None
            beside = zh and ctx["region_after"].match(text, e, clause_end) is not None
            if (mass or beside) and not self._node_after.match(text, e, clause_end):
                return ()  # a mass placed by region, or 肺门旁: a place beside the hilum
            return term.organs
        if kind == "region":
            node_later = node_words.between(e, clause_end)
            return (
                term.organs
                if (
                    node_later
                    or under_node_heading
                    or (not zh and node_words.between(max(clause_start, s - _WINDOW), s))
                )
                else ()
            )
        return ()

    def _neighbour_nodes(
        self, text: str, state: DocState, mentions: list[OrganMention], stations: list[str]
    ) -> list[OrganMention]:
        """Nodes named only by their neighbourhood (胃窦壁增厚，周围见多发小淋巴结; a mass with
        regional nodes) are the station of the organ named before them in the sentence."""
        pattern = self.lexicon.context.get("neighbour_nodes")
        if pattern is None or not any(stations):
            return mentions
        added = []
        starts = [m.start for m in mentions]
        sentence_starts = [x.start for x in state.sentences]
        for match in pattern.finditer(text):
            i = bisect.bisect_left(starts, match.start())
            if i < len(mentions) and mentions[i].start < match.end():
                continue  # the nodes are named by a station of their own
            si = bisect.bisect_right(sentence_starts, match.start()) - 1
            if si < 0 or match.start() >= state.sentences[si].end:
                continue
            sentence = state.sentences[si]
            station = ""
            for k in range(i - 1, -1, -1):
                if mentions[k].start < sentence.start:
                    break
                if stations[k]:
                    station = stations[k]
                    break
            if station:
                clause_starts = [c0 for c0, _ in sentence.clauses]
                ci = bisect.bisect_right(clause_starts, match.start()) - 1
                clause_start = clause_starts[ci] if ci >= 0 else sentence.start
                added.append(OrganMention(match.start(), match.end(), (station,), clause_start))
        if not added:
            return mentions
        return sorted(mentions + added, key=lambda m: m.start)

    def _stations_follow(
        self, text: str, spans: list[tuple[int, int]], clause_ends: list[int]
    ) -> list[bool]:
        """zh, per organ-word span: whether a node word follows it in its clause with only
        position words and other organ words between (a list of places of the nodes). Computed
        right to left, each span from the next: linear in the number of spans."""
        follows = [False] * len(spans)
        for i in range(len(spans) - 1, -1, -1):
            end, clause_end = spans[i][1], clause_ends[i]
            glue = self._glue.match(text, end, clause_end)
            pos = glue.end() if glue is not None else end
            if self._node_word.match(text, pos, clause_end):
                follows[i] = True
            elif i + 1 < len(spans) and spans[i + 1][0] == pos and clause_ends[i + 1] == clause_end:
                follows[i] = follows[i + 1]
        return follows

    def _fuzzy_candidates(
        self, doc: Doc, text: str, exact: list[tuple[int, int, OrganTerm]]
    ) -> list[tuple[int, int, OrganTerm]]:
        covered = bytearray(len(text) + 1)
        for s, e, _ in exact:
            covered[s:e] = b"\x01" * (e - s)
        not_typo = self.lexicon.context.get("not_typo")
        not_typo_pattern = not_typo.pattern if not_typo else ""
        found = []
        for token in doc:
            word = token.lower_
            if len(word) < _FUZZY_MIN_LENGTH or not token.is_alpha or covered[token.idx]:
                continue
            term = _fuzzy_lookup(word, self._fuzzy_keys, not_typo_pattern)
            if term is not None:
                found.append((token.idx, token.idx + len(token), self._fuzzy_choices[term]))
        return found


@bounded_cache(maxsize=100_000, max_chars=40)
def _fuzzy_lookup(word: str, choices: tuple[str, ...], not_typo: str) -> str | None:
    if word in choices or word.rstrip("s") in choices:
        return None
    if not_typo and re.match(not_typo, word, re.IGNORECASE):
        return None
    # Typos rarely touch the first letter; requiring it keeps 'arrow' from becoming 'marrow'.
    candidates = [c for c in choices if c[0] == word[0]]
    best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    return best[0] if best else None
