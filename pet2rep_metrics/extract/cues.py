"""Uptake cues and SUV values: a spaCy component built from lexicons/cues.tsv and context.tsv."""

from __future__ import annotations

import bisect
import re

from spacy.language import Language
from spacy.tokens import Doc

from .batching import BatchedComponent
from .caseless import compile_caseless
from .lexicon import Lexicon
from .segment import SKIPPED_SECTIONS, split_units
from .state import Cue, DocState, SuvValue

# A number as an SUV: at most 4 integer digits (a longer run is no SUV, and never infinite).
_NUMBER = r"(\d{1,4}(?:\.\d+)?)(?!\d)"
# Written with explicit letter cases (no IGNORECASE) so that the regex engine can skip to the
# positions where a match may start; the SUV scan runs on every report. Whitespace between the
# SUV word and its value is consumed by one quantified alternation only (each iteration takes
# one whitespace character or one connecting word): a run of blanks costs linear time.
_S, _U, _V = "[sS]", "[uU]", "[vV]"
_MAX = r"(?:[mM]\s?[aA]\s?[xX])"
SUV_REGEX = re.compile(
    rf"(?:{_S}\s?{_U}\s?{_V}\s?(?:-?\s?(?:{_MAX}|[pP][eE][aA][kK]|[mM][eE][aA][nN]|最大值|最大))?"
    r"|最大(?:标准化)?摄取值|[sS]tandardi[sz]ed uptake values?)"
    r"(?:\s?\((?:[sS][uU][vV]\w*|[sS]\s?[uU]\s?[vV][\w ]*)\))?(?:值)?"
    r"(?:\s|[:=,]|为|约|是|达|of|is|was|were|measuring|measured|measures|up to|approximately"
    r"|approx\.?|about)*" + _NUMBER + r"(?:\s?(?:~|-|to|至|、|/)\s?" + _NUMBER + r")?"
)


class CueMatcher(BatchedComponent):
    """Finds uptake cues and SUV values (spaCy component ``pet2rep_cues``)."""

    def __init__(self, nlp: Language, lexicon: Lexicon):
        self.lexicon = lexicon
        ctx = lexicon.context
        self.lesion = ctx.get("lesion_word")
        self.technique = ctx.get("technique")
        self.prior = ctx.get("prior_time")
        self.comparison = ctx.get("comparison")
        self.alternative = ctx.get("alternative")
        self.unchanged = ctx.get("unchanged")
        self.contrast = ctx.get("contrast_word")
        self.anaphora = ctx.get("anaphora")
        self.mean = ctx.get("mean_value")
        self.prior_modifier = ctx.get("prior_modifier")
        # the modifier's words anywhere in a clause: without them no cue there can be "previous"
        self._prior_trigger = (
            compile_caseless(self.prior_modifier.pattern.replace("$", ""))
            if self.prior_modifier
            else None
        )
        self._patterns = [(p.regex, "cue" in p.regex.groupindex, -p.priority) for p in lexicon.cues]

    def __call__(self, doc: Doc) -> Doc:
        state: DocState = doc._.pet2rep
        text = state.normalized.text
        # (negative priority, negative length, start, pattern index, end, head start, head end):
        # Cue objects are made only for the matches that survive the overlap rule
        found: list[tuple[int, int, int, int, int, int, int]] = []
        for index, (regex, has_head, neg_priority) in enumerate(self._patterns):
            for match in regex.finditer(text):
                start, end = match.span()
                if end == start:
                    continue
                head_start, head_end = match.span("cue") if has_head else (start, end)
                if head_start < 0:
                    head_start, head_end = start, end
                found.append((neg_priority, start - end, start, index, end, head_start, head_end))
        # Overlaps: higher priority, then longer, then earlier wins. A match that crosses a
        # sentence boundary (an uptake word before a ':' or a line break, its level word after)
        # is no cue: its evidence would join two sentences.
        found.sort()
        occupied = bytearray(len(text) + 1)
        sentence_starts = [s.start for s in state.sentences]
        sentence_ends = [s.end for s in state.sentences]
        cues: list[Cue] = []
        for neg_priority, _, start, index, end, head_start, head_end in found:
            if occupied.find(1, start, end) >= 0:
                continue
            si = bisect.bisect_right(sentence_starts, start) - 1
            if si < 0 or end > sentence_ends[si]:  # not within one sentence
                continue
            occupied[start:end] = b"\x01" * (end - start)
            cues.append(
                Cue(
                    self.lexicon.cues[index].state,
                    -neg_priority,
                    start,
                    end,
                    head_start,
                    head_end,
                    text[start:end],
                )
            )
        cues.sort(key=lambda c: c.start)

        # SUVmean is a reference measurement (liver, blood pool), never a lesion's SUVmax
        state.suv = [
            SuvValue(m.start(), m.end(), max(float(g) for g in m.groups() if g is not None))
            for m in SUV_REGEX.finditer(text)
            if self.mean is None or not self.mean.search(m.group(0))
        ]
        if self.lexicon.language == "zh":
            split_units(text, state.sentences, state.mentions, cues, state.suv)
        self._apply_context(state, cues)
        state.cues = cues
        return doc

    def _apply_context(self, state: DocState, cues: list[Cue]) -> None:
        text = state.normalized.text
        sent_starts = [s.start for s in state.sentences]
        clauses = [(c, s) for s in state.sentences for c in s.clauses]
        clause_starts = [c[0] for c, _ in clauses]

        def locate(pos: int):
            i = bisect.bisect_right(clause_starts, pos) - 1
            return clauses[i] if i >= 0 else (None, None)

        # An SUV value in a sentence with a lesion word and no other cue is an increased cue.
        cue_sentences = {bisect.bisect_right(sent_starts, c.start) - 1 for c in cues}
        without_lesion: set[int] = set()
        for suv in state.suv:
            si = bisect.bisect_right(sent_starts, suv.start) - 1
            if si < 0 or si in cue_sentences or si in without_lesion:
                continue
            sentence = state.sentences[si]
            if self.lesion is None or not self.lesion.search(text, sentence.start, sentence.end):
                without_lesion.add(si)
            else:
                cues.append(
                    Cue(
                        "increased",
                        1,
                        suv.start,
                        suv.end,
                        suv.start,
                        suv.end,
                        text[suv.start : suv.end],
                        from_suv=True,
                    )
                )
                cue_sentences.add(si)
        cues.sort(key=lambda c: c.start)

        found_in: dict[tuple[int, int], bool] = {}

        def clause_has(pattern: re.Pattern[str] | None, clause: tuple[int, int]) -> bool:
            """Whether ``pattern`` (None: a kind this lexicon lacks) matches in the clause;
            searched once per pattern and clause."""
            if pattern is None:
                return False
            key = (id(pattern), clause[0])
            if key not in found_in:
                found_in[key] = pattern.search(text, clause[0], clause[1]) is not None
            return found_in[key]

        for cue in cues:
            clause, sentence = locate(cue.head_start)
            if clause is None:
                continue
            if sentence.section in SKIPPED_SECTIONS:
                cue.dropped = f"section:{sentence.section}"
                continue
            # technique words (injection, glucose, acquisition) silence their clause only: 血糖偏高，
            # 脑皮质摄取普遍减低 still states the cortex
            if clause_has(self.technique, clause):
                cue.dropped = "technique"
            elif clause_has(self.prior, clause) or (
                clause_has(self._prior_trigger, clause)
                and self.prior_modifier.search(text, max(clause[0], cue.start - 24), cue.start)
            ):
                cue.prior = True
            elif cue.state == "decreased" and clause_has(self.comparison, clause):
                cue.dropped = "change against a prior study"

        # A bare uptake word ("FDG uptake in the mass") states increased only when nothing else
        # says how that uptake is: no worded cue after it in its clause (uptake ... less than
        # liver; uptake ... physiologic), and none before it with no organ word between
        # (FDG-avid lobe mass with hilar nodal uptake keeps the nodal uptake).
        worded: dict[int, list[Cue]] = {}
        for c in cues:
            if c.priority > 0 and c.dropped is None:
                worded.setdefault(bisect.bisect_right(clause_starts, c.head_start) - 1, []).append(
                    c
                )
        mention_starts = [m.start for m in state.mentions]
        worded_starts = {i: [c.start for c in members] for i, members in worded.items()}
        for cue in cues:
            if cue.priority != 0:
                continue
            ci = bisect.bisect_right(clause_starts, cue.head_start) - 1
            members = worded.get(ci)
            if not members:
                continue
            nearest = bisect.bisect_left(worded_starts[ci], cue.start)
            if nearest < len(members):  # a worded cue after it in the clause
                cue.dropped = "bare uptake word beside a worded cue"
                continue
            other = members[nearest - 1]  # the closest worded cue before it
            between = bisect.bisect_left(mention_starts, cue.start) - bisect.bisect_left(
                mention_starts, other.end
            )
            # "photopenic centrally with peripheral rim uptake": a second finding
            if between <= 0 and other.state not in ("absent", "decreased"):
                cue.dropped = "bare uptake word beside a worded cue"
        # "unchanged in size and metabolic activity", 与前相仿: an uptake noun with no level word
        # in a clause that only reports no change states nothing
        if self.unchanged is not None:
            for cue in cues:
                if cue.priority <= 1 and cue.dropped is None:
                    clause, _ = locate(cue.head_start)
                    if clause is not None and clause_has(self.unchanged, clause):
                        cue.dropped = "no change reported, no current level"

        # A physiological/artefact explanation turns the abnormal cues of its clause (or of the
        # clause before, when it stands alone) into normal, unless it offers alternatives.
        by_clause: dict[int, list[Cue]] = {}
        for cue in cues:
            i = bisect.bisect_right(clause_starts, cue.head_start) - 1
            by_clause.setdefault(i, []).append(cue)
        for i, members in by_clause.items():
            explainers = [
                c for c in members if c.state in ("explain", "artifact") and not c.dropped
            ]
            if not explainers:
                continue
            if self._offers_alternative(text, clauses, i):
                continue
            abnormal = ("increased", "decreased", "absent")
            targets = [c for c in members if c.state in abnormal and c.dropped is None]
            # a bare uptake word is no statement of its own (考虑生理性肠道摄取 explains the clause
            # before it)
            if (
                all(t.priority == 0 for t in targets)
                and i > 0
                and self._explains_back(state, clauses, i, mention_starts)
            ):
                targets += [
                    c for c in by_clause.get(i - 1, []) if c.state in abnormal and c.dropped is None
                ]
            for target in targets:
                target.explained = True
        for cue in cues:
            if cue.state == "explain":
                cue.state = "normal"
            elif cue.state == "artifact" and cue.dropped is None:
                cue.dropped = "artefact explanation"
        self._resolve_reference_equality(state, cues, sent_starts)

    def _offers_alternative(self, text: str, clauses, i: int) -> bool:
        """Whether the explanation of clause ``i`` offers alternatives: in its own clause
        (炎性或生理性) or in a contrasting clause after it ("could be physiologic, but malignancy
        cannot be excluded")."""
        if self.alternative is None:
            return False
        (c0, c1), sentence = clauses[i]
        if self.alternative.search(text, c0, c1):
            return True
        previous_end = c1
        for (d0, d1), other in clauses[i + 1 :]:
            if other is not sentence:
                break
            contrast = self.contrast is not None and self.contrast.search(text, previous_end, d0)
            if contrast and self.alternative.search(text, d0, d1):
                return True
            previous_end = d1
        return False

    def _explains_back(self, state: DocState, clauses, i: int, starts: list[int]) -> bool:
        """Whether an explanation standing alone in clause ``i`` speaks of the clause before it:
        the same sentence, or a sentence that names no organ and (en) refers back to the
        previous one (… uptake in the femur. This represents an attenuation artefact.)"""
        (c0, _), sentence = clauses[i]
        if clauses[i - 1][1] is sentence:
            return True
        if c0 != sentence.start or bisect.bisect_left(starts, sentence.start) < bisect.bisect_left(
            starts, sentence.end
        ):
            return False
        if self.lexicon.language == "zh":
            return True
        return (
            self.anaphora is not None
            # sliced: the pattern's '^' anchors at the sentence start
            and self.anaphora.search(state.normalized.text[sentence.start : sentence.end])
            is not None
        )

    @staticmethod
    def _resolve_reference_equality(
        state: DocState, cues: list[Cue], sent_starts: list[int]
    ) -> None:
        """Uptake equal to the liver is a finding (increased) for the organs normally below it,
        unless its sentence describes normal uptake (then the comparison adds nothing)."""
        if not any(c.state == "equal_ref" for c in cues):
            return
        normal_sentences = {
            bisect.bisect_right(sent_starts, c.head_start)
            for c in cues
            if c.state == "normal" and not c.negated and c.dropped is None
        }
        for cue in cues:
            if cue.state != "equal_ref":
                continue
            cue.state = "increased"
            if bisect.bisect_right(sent_starts, cue.head_start) in normal_sentences:
                cue.dropped = "equal to the reference organ in a normal description"
