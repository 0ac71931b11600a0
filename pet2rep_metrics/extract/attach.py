"""Attachment of cues to organ mentions: clause rules for both languages, and a dependency-parse
variant for English pipelines that carry a parser."""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .batching import BatchedComponent
from .lexicon import Lexicon
from .state import DocState

_LIST_GAP_MAX = 45
_INHERIT_GAP_MAX = 15
_PREP_GAP_MAX = 60
_CLAUSE_DEPS = frozenset({"advcl", "ccomp", "parataxis"})
_ENUMERATED = re.compile(r"^\s*(?:\d+|[a-zA-Z]|[一二三四五六七八九十]+)\s*[.、)）]")
_MODIFIER_DEPS = frozenset({"amod", "compound", "nmod", "npadvmod", "advmod"})


class Attacher(BatchedComponent):
    """Links each kept cue to the organ mentions it describes (spaCy component ``pet2rep_attach``).

    Rules, in order: organs in the cue's own clause (zh: the organs before the cue; en: organs
    tied by a preposition after it, then organs before it); then the organ the sentence is about
    (zh: the organs of its first clause that names any); then, for a sentence that names no organ,
    the previous sentence's organ (zh always, en when the sentence opens with 'it', 'the lesion'…).
    'Elsewhere' clauses (余, otherwise) only label organs they name. With ``use_parse`` and a parsed
    doc, English cues are first attached through the dependency tree.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon, use_parse: bool = True):
        self.lexicon = lexicon
        self.use_parse = use_parse
        self.zh = lexicon.language == "zh"
        ctx = lexicon.context
        self.elsewhere = ctx.get("elsewhere")
        self.anaphora = ctx.get("anaphora")
        self.correlate = ctx.get("correlate")
        self.prep = ctx.get("prep")
        self.finding = ctx.get("finding_clause")
        self.continuation = ctx.get("continuation")
        self.shared = ctx.get("shared_reference")
        self.explanation_lead = ctx.get("explanation_lead")
        self.weak = ctx.get("weak_level")
        self.lesion = ctx.get("lesion_word")
        self.part_of_organ = ctx.get("part_of_organ")
        self.comparator = ctx.get("comparator")
        self.reference = ctx.get("reference_value")
        # words that give an intensity a direction (mildly increased, faintly avid)
        self.directed = ctx.get("direction_word")
        self.new_predicate = lexicon.compose(r"\b«new_predicate»\b")
        self.coordinated_prep = lexicon.compose(
            r"\b«coordinator»\s+(?:also\s+)?(?:in|within|at|involving)\s+(?:the\s+)?(?:[\w-]+\s+){0,4}$"
        )
        self.same_subject_gap = lexicon.compose(
            r"\s*(?:\w+\s+){0,2}«same_subject_link»\s+(?:\w+\s+){0,3}$"
        )
        # words (and word shapes) between a cue and the organ word of its phrase
        self.adjective_gap = lexicon.compose(
            r"^\s*(?:(?:«premodifier»|\w+al|\w+ic|\w+ar"
            r"|\d+(?:\.\d+)?(?:\s*x\s*\d+(?:\.\d+)?)*\s*(?:mm|cm)|\d+(?:\.\d+)?)\s+){0,4}$"
        )

    def __call__(self, doc: Doc) -> Doc:
        state: DocState = doc._.pet2rep
        text = state.normalized.text
        context = _DocContext(text, state)
        self._yield_weak_levels(text, state, context)
        mention_starts = context.mention_starts
        # cues are in text order of their match start; heads follow the same order
        order = sorted(range(len(state.cues)), key=lambda k: state.cues[k].head_start)
        state.cues = [state.cues[k] for k in order]
        # the cues that can describe an organ, in head order (none is dropped after this point)
        live = [
            k for k, c in enumerate(state.cues) if c.dropped is None and (not c.prior or c.negated)
        ]
        live_heads = [state.cues[k].head_start for k in live]
        parsed = self.use_parse and not self.zh and doc.has_annotation("DEP")
        links: list[tuple[int, int, str]] = []
        carry: list[int] = []
        after_heading = False
        section = None
        comparator_mentions = self._comparators(text, state)
        unplaced: list[int] = []  # the previous sentence's cues that found no organ
        linked: set[int] = set()  # mentions some cue describes
        for sentence in state.sentences:
            if sentence.section != section:
                carry, section, unplaced = [], sentence.section, []
            lo = bisect.bisect_left(mention_starts, sentence.start)
            hi = bisect.bisect_left(mention_starts, sentence.end)
            sentence_mentions = [i for i in range(lo, hi) if i not in comparator_mentions]
            # "A focus of uptake was seen on PET. This corresponded to a nodule in the spleen."
            if (
                unplaced
                and sentence_mentions
                and self.correlate is not None
                and self.correlate.match(text[sentence.start : sentence.end])
            ):
                links.extend((k, m, "next sentence") for k in unplaced for m in sentence_mentions)
                linked.update(sentence_mentions)
            unplaced = []
            by_clause: dict[int, list[int]] = {}
            clause_starts = [c0 for c0, _ in sentence.clauses]
            for i in sentence_mentions:
                position = state.mentions[i].start
                ci = bisect.bisect_right(clause_starts, position) - 1
                if ci >= 0 and position >= sentence.clauses[ci][1]:
                    ci = -1
                by_clause.setdefault(ci, []).append(i)
            elsewhere_cache: dict[int, bool] = {}

            def elsewhere(ci: int, clauses=sentence.clauses, cache=elsewhere_cache) -> bool:
                if ci not in cache:
                    c0, c1 = clauses[ci]
                    cache[ci] = bool(
                        self.elsewhere
                        and self.elsewhere.search(text[c0:c1].lstrip("0123456789.、)( -"))
                    )
                return cache[ci]

            raw = text[sentence.start : sentence.end]
            sentence_text = raw.lstrip("0123456789.、)( -")
            # A sentence that names a place (脊柱旁, neck mass) or opens a numbered item is about
            # something new, not the previous sentence's organ.
            names_place = bisect.bisect_left(state.places, sentence.start) < bisect.bisect_left(
                state.places, sentence.end
            )
            refers_back = (
                not names_place
                and not _ENUMERATED.match(raw)
                and (
                    self.zh
                    or after_heading
                    or bool(self.anaphora and self.anaphora.search(sentence_text))
                )
            )

            last_targets: list[int] = []
            # The sentence's subject is renewed by each statement unit: once an uptake statement
            # is complete, the next clause that names an organ starts a new unit
            # (…心肌生理性摄取，肝、脾大小正常，放射性分布均匀 → liver and spleen).
            unit_done = False
            subject, subject_clause = [], -1
            latest_named = -1  # the last clause before this one that names an organ
            for ci, (c0, c1) in enumerate(sentence.clauses):
                if ci > 0 and ci - 1 in by_clause:
                    latest_named = ci - 1
                if ci in by_clause and (not subject or unit_done) and not elsewhere(ci):
                    subject, subject_clause, unit_done = by_clause[ci], ci, False
                cue_ids = live[
                    bisect.bisect_left(live_heads, c0) : bisect.bisect_left(live_heads, c1)
                ]
                if not cue_ids:
                    continue
                members = by_clause.get(ci, [])
                member_starts = [state.mentions[m].start for m in members]
                previous_targets: list[int] = []
                for position, k in enumerate(cue_ids):
                    cue = state.cues[k]
                    prev_end = state.cues[cue_ids[position - 1]].end if position else c0
                    next_start = (
                        state.cues[cue_ids[position + 1]].start
                        if position + 1 < len(cue_ids)
                        else c1
                    )
                    targets: list[int] = []
                    how = "clause"
                    if parsed and not cue.from_suv:
                        targets = self._parse_targets(doc, state, k, sentence_mentions)
                        how = "parse"
                    rule_targets = (
                        self._clause_targets(
                            text, state, cue, members, member_starts, prev_end, next_start
                        )
                        if members
                        else []
                    )
                    if not targets:
                        how = "clause"
                        targets = rule_targets
                    elif rule_targets:
                        targets = sorted(set(targets) | set(rule_targets))
                    # 上述病灶…代谢增高, "all of these lesions are FDG-avid": every lesion site
                    # listed before it in the paragraph
                    if (
                        not targets
                        and not members
                        and context.shared_before(self.shared, c0, c1, cue)
                    ):
                        targets = self._shared_targets(text, state, context, sentence, cue, linked)
                        how = "shared statement"
                    # a second cue right after the first describes the same organs
                    # (zh: 摄取增高，局部减低; en only when nothing but a few words lie between)
                    if (
                        not targets
                        and previous_targets
                        and (
                            self.zh
                            or cue.start - prev_end <= _INHERIT_GAP_MAX
                            # "photopenic centrally with peripheral rim uptake"
                            or (
                                self.same_subject_gap is not None
                                and self.same_subject_gap.match(text, prev_end, cue.start)
                                is not None
                            )
                        )
                    ):
                        targets = previous_targets
                    if (
                        not targets
                        and not members
                        and not self.zh
                        and context.clause_matches(self.continuation, c0, c1)
                    ):
                        targets, how = (
                            last_targets or by_clause.get(latest_named, []),
                            "same subject",
                        )
                    if not targets and not members and not elsewhere(ci):
                        finding = self._finding_clause(
                            text, sentence.clauses, by_clause, subject_clause, latest_named
                        )
                        if finding:
                            targets, how = finding, "finding clause"
                        elif subject and (self.zh and subject_clause < ci):
                            targets, how = subject, "sentence subject"
                        elif not sentence_mentions and refers_back and carry:
                            targets, how = carry, "previous sentence"
                    if cue.state == "removed":
                        targets = [m for m in targets if self._whole_organ(text, state, m, cue)]
                    for m in targets:
                        links.append((k, m, how))
                    linked.update(targets)
                    if not targets and not sentence_mentions and not cue.negated:
                        unplaced = [*unplaced[-(_UNPLACED_MAX - 1) :], k]
                    previous_targets = targets
                    if targets:
                        last_targets = targets
                        unit_done = True
            if subject:
                carry = subject
            # 'Liver:' standing alone heads the sentences that follow it
            if sentence_mentions:
                after_heading = self._is_heading(text, sentence, state, sentence_mentions)
        state.links = links
        return doc

    def _shared_targets(
        self, text: str, state: DocState, context: _DocContext, sentence, cue, linked: set[int]
    ) -> list[int]:
        """Mentions a back-reference covers: in the paragraph before the cue, not yet described
        by any cue, not comparators or places, each named with a lesion word in its clause."""
        start = context.paragraph_start(sentence.start)
        found = []
        lo = bisect.bisect_left(context.mention_starts, start)
        hi = bisect.bisect_left(context.mention_starts, cue.start)
        for i in range(lo, hi):
            if i in linked:
                continue
            mention = state.mentions[i]
            if self.lesion is None or context.clause_matches(
                self.lesion, mention.clause_start, context.clause_end(mention.clause_start)
            ):
                found.append(i)
        return found

    def _yield_weak_levels(self, text: str, state: DocState, context: _DocContext) -> None:
        """An intensity with no direction (faint, mild uptake) gives way to a normal statement
        about the same uptake later in its clause: "faint uptake in the axillary nodes, below the
        blood pool", "low-grade activity, not above background". The normal statement must close
        the clause's description (no organ after it), with at most one organ word between."""
        if self.weak is None:
            return
        weak = [
            c
            for c in state.cues
            if c.state == "increased"
            and c.dropped is None
            and not c.negated
            and self.weak.match(text[c.head_start : c.head_end])
            and not (self.directed is not None and self.directed.search(c.text))
        ]
        if not weak:
            return
        covered = bytearray(len(text) + 1)
        for c in state.cues:
            if c.dropped is None:
                covered[c.start : c.end] = b"\x01" * (c.end - c.start)
        outside = [m.start for m in state.mentions if not covered[m.start]]
        cue_starts = [c.start for c in state.cues]
        for cue in weak:
            c1 = context.clause_end(context.clause_start_of(cue.head_start))
            lo = bisect.bisect_left(cue_starts, cue.end)
            # the normal statement may lie beyond at most one organ word
            second = bisect.bisect_left(outside, cue.end) + 1
            reach = min(c1, outside[second]) if second < len(outside) else c1
            hi = bisect.bisect_left(cue_starts, reach)
            for other in state.cues[lo:hi]:
                if other.dropped is not None:
                    continue
                says_normal = (other.state == "normal" and not other.negated) or (
                    other.state in ("increased", "decreased", "absent") and other.negated
                )
                if not says_normal:
                    continue
                between = bisect.bisect_left(outside, other.start) - bisect.bisect_left(
                    outside, cue.end
                )
                after = bisect.bisect_left(outside, c1) - bisect.bisect_left(outside, other.end)
                if between <= 1 and after == 0:
                    cue.dropped = "intensity without direction, stated normal"
                    break

    def _whole_organ(self, text: str, state: DocState, m: int, cue) -> bool:
        """Whether a removal cue can make mention ``m`` absent: an organ named whole, not a node,
        a lobe, a lesion or a resection bed of it (肺叶切除术后, 肝癌切除术后 leave the organ)."""
        mention = state.mentions[m]
        if all(organ.endswith("_lymph_node") for organ in mention.organs):
            return False
        part = self.part_of_organ
        if part is None:
            return True
        words = text[mention.start : mention.end]
        if mention.end <= cue.start and cue.start - mention.end <= 12:
            words += text[mention.end : cue.start]
        return part.search(words) is None

    @staticmethod
    def _is_heading(text: str, sentence, state: DocState, mention_ids: list[int]) -> bool:
        if text[sentence.end : sentence.end + 1] != ":":
            return False
        rest = text[sentence.start : sentence.end]
        for i in reversed(mention_ids):
            m = state.mentions[i]
            rest = rest[: m.start - sentence.start] + rest[m.end - sentence.start :]
        return len(re.sub(r"[\W\d_]", "", rest)) <= 4

    def _comparators(self, text: str, state: DocState) -> set[int]:
        """Mentions that are yardsticks, not findings: inside a cue after a comparison word
        (摄取较周围肝实质减低, greater than liver), or followed by a reference SUVmean."""
        comparator, reference = self.comparator, self.reference
        found: set[int] = set()
        if reference is not None:
            # an organ given only as a reference measurement (liver SUVmean 2.1)
            found.update(i for i, m in enumerate(state.mentions) if reference.match(text, m.end))
        if comparator is None:
            return found
        starts = [m.start for m in state.mentions]
        for cue in state.cues:
            lo = bisect.bisect_left(starts, cue.start)
            for i in range(lo, len(starts)):
                mention = state.mentions[i]
                if mention.start >= cue.end:
                    break
                if comparator.search(text, cue.start, mention.start):
                    found.add(i)
        return found

    def _finding_clause(
        self, text, clauses, by_clause, subject_clause: int, latest_named: int
    ) -> list[int]:
        """zh: the organs of the nearest earlier clause (after the subject's) that introduces a new
        finding (左侧腋窝见肿大淋巴结), when the clauses between name no organ."""
        if not self.zh or self.finding is None or subject_clause < 0:
            return []
        if latest_named <= subject_clause:
            return []
        c0, c1 = clauses[latest_named]
        return by_clause[latest_named] if self.finding.search(text, c0, c1) else []

    def _clause_targets(self, text, state, cue, members, starts, prev_end, next_start) -> list[int]:
        """The organs a cue describes within its clause; ``members`` are the clause's mentions in
        text order, ``starts`` their start offsets."""
        mentions = state.mentions

        def within(lo: int, hi: int) -> list[int]:
            """Members that start at or after lo and end by hi (members are in text order)."""
            first = bisect.bisect_left(starts, lo)
            last = bisect.bisect_left(starts, hi)
            return [m for m in members[first:last] if mentions[m].end <= hi]

        before = within(prev_end, cue.start)
        # an organ adjective inside the cue itself: increased splenic uptake, 胃肠道生理性摄取
        inside = within(cue.start, cue.end)
        if inside and not (
            # "uptake in the ureter, likely urinary activity": the cue explains another finding
            self.explanation_lead is not None
            and self.explanation_lead.search(text, max(prev_end, cue.start - 40), cue.start)
        ):
            return inside
        after = within(cue.end, next_start)
        if self.zh:
            return before or after
        chained: list[int] = []
        for m in after:
            mention = mentions[m]
            if not chained:
                if mention.start - cue.end > _PREP_GAP_MAX:
                    break
                gap = text[cue.end : mention.start]
                # 'uptake in the liver', or an adjective chain: 'FDG-avid pulmonary nodules'
                if (self.adjective_gap is None or self.adjective_gap.match(gap) is None) and not (
                    self.prep and self.prep.search(" " + gap + " ")
                ):
                    break
            else:
                gap_start = mentions[chained[-1]].end
                if mention.start - gap_start > _PREP_GAP_MAX * 2:
                    break
                gap = text[gap_start : mention.start]
                new_predicate = self.new_predicate is not None and self.new_predicate.search(gap)
                if (len(gap) > _LIST_GAP_MAX or new_predicate) and not (
                    # "… in the mass, consistent with sarcoma, as well as in the lung nodules"
                    self.coordinated_prep is not None and self.coordinated_prep.search(gap)
                ):
                    break
            chained.append(m)
        return chained or before

    # --- dependency parse -------------------------------------------------------------------
    def _parse_targets(
        self, doc: Doc, state: DocState, k: int, mention_ids: list[int]
    ) -> list[int]:
        cue = state.cues[k]
        cue_span = doc.char_span(cue.head_start, cue.head_end, alignment_mode="expand")
        if cue_span is None or len(cue_span) == 0:
            return []
        cue_root = cue_span.root
        other_roots = set()
        for j, other in enumerate(state.cues):
            if j != k and other.dropped is None:
                span = doc.char_span(other.head_start, other.head_end, alignment_mode="expand")
                if span is not None and len(span):
                    other_roots.add(span.root.i)
        anchor = (
            cue_root.head
            if cue_root.dep_ in _MODIFIER_DEPS and cue_root.head.i != cue_root.i
            else cue_root
        )
        spans: dict[int, Span] = {}
        for m in mention_ids:
            mention = state.mentions[m]
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None and len(span):
                spans[m] = span
        inside = [
            m
            for m, span in spans.items()
            if _within(span.root, anchor)
            and not _blocked(span.root, anchor, other_roots - {anchor.i})
        ]
        if inside:
            return inside
        linked = []
        for m, span in spans.items():
            path = _path(cue_root, span.root)
            if path is None or len(path) > 7:
                continue
            inner = path[1:-1]
            if any(t.i in other_roots for t in inner) or any(t.dep_ in _CLAUSE_DEPS for t in inner):
                continue
            linked.append(m)
        return linked


def _within(token: Token, ancestor: Token) -> bool:
    return token.i == ancestor.i or ancestor.is_ancestor(token)


def _blocked(token: Token, top: Token, other_roots: set[int]) -> bool:
    current = token
    while current.i != top.i and current.head.i != current.i:
        if current.i in other_roots or current.dep_ in _CLAUSE_DEPS:
            return True
        current = current.head
    return False


def _path(a: Token, b: Token) -> list[Token] | None:
    """Tokens on the tree path from a to b (both included), or None across sentences."""
    up_a = [a, *a.ancestors]
    index_a = {t.i: n for n, t in enumerate(up_a)}
    down: list[Token] = []
    for t in [b, *b.ancestors]:
        if t.i in index_a:
            return up_a[: index_a[t.i] + 1] + list(reversed(down))
        down.append(t)
    return None


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:\d+[.、)]|[^\n:：]{1,24}[:：]))")
_UNPLACED_MAX = 8  # cues of one sentence waiting for the next sentence to name their organ


class _DocContext:
    """Per-document lookups computed once, so that attaching every cue stays linear in the
    report: mention starts, clause ends, paragraph starts, and regex hits per clause."""

    def __init__(self, text: str, state: DocState):
        self.text = text
        self.mention_starts = [m.start for m in state.mentions]
        self._clause_end = {c0: c1 for s in state.sentences for c0, c1 in s.clauses}
        self._clause_starts = sorted(self._clause_end)
        self._paragraphs: list[int] | None = None
        self._hits: dict[tuple[int, int], list[int]] = {}

    def clause_end(self, clause_start: int) -> int:
        return self._clause_end.get(clause_start, clause_start)

    def clause_start_of(self, position: int) -> int:
        """Start of the last clause that starts at or before ``position``."""
        return self._clause_starts[bisect.bisect_right(self._clause_starts, position) - 1]

    def paragraph_start(self, position: int) -> int:
        """Start of the paragraph holding ``position``: after the last blank line, or the last
        line break before a heading or a numbered item."""
        if self._paragraphs is None:
            self._paragraphs = [0, *(m.end() for m in _PARAGRAPH_BREAK.finditer(self.text))]
        return self._paragraphs[bisect.bisect_right(self._paragraphs, position) - 1]

    def _clause_hits(self, pattern: re.Pattern[str], c0: int, c1: int) -> list[int]:
        key = (id(pattern), c0)
        if key not in self._hits:
            self._hits[key] = [m.end() for m in pattern.finditer(self.text, c0, c1)]
        return self._hits[key]

    def clause_matches(self, pattern: re.Pattern[str] | None, c0: int, c1: int) -> bool:
        """Whether ``pattern`` matches the clause (anchors at the clause start hold)."""
        if pattern is None:
            return False
        key = (id(pattern), -c0 - 1)
        if key not in self._hits:
            self._hits[key] = [1] if pattern.search(self.text[c0:c1]) else []
        return bool(self._hits[key])

    def shared_before(self, pattern: re.Pattern[str] | None, c0: int, c1: int, cue) -> bool:
        """Whether a back-reference (上述病灶, all of these lesions) ends before the cue's head
        ends, in the cue's clause."""
        if pattern is None:
            return False
        hits = self._clause_hits(pattern, c0, c1)
        return bool(hits) and hits[0] <= cue.head_end
