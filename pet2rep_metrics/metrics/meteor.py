"""METEOR 1.5 in Python: the scorer pycocoevalcap runs as ``java -jar meteor-1.5.jar - - -stdio
-l en -norm``, re-implemented from the published algorithm (Denkowski & Lavie 2014).

What is reproduced: the '-norm' tokenisation (Moses-style, dashes between words removed), the
exact and stem (Snowball English) matchers, the one-to-one pre-pass, the left-to-right beam
search over reference positions (width 40; alignments ranked by weighted matches, then chunks,
then distance, with the reference's own tie-break order), the English 'rank' parameters
(alpha 0.85, beta 0.20, gamma 0.60, delta 0.75; module weights 1.0 0.6 0.8 0.6), best reference
per segment, and corpus scores from pooled statistics. Not reproduced: the synonym (WordNet) and
paraphrase matchers. On character-tokenised Chinese these never fire, so the numbers equal the
Java ones; on English they can differ (see README).
"""

from __future__ import annotations

import heapq
import re
import threading
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

import numpy as np

from .._cache import TokenMemo, bounded_cache
from ..errors import MetricUnavailable
from .base import Metric, MetricResult

ALPHA, BETA, GAMMA, DELTA = 0.85, 0.20, 0.60, 0.75
MODULE_WEIGHTS = (1.0, 0.6, 0.8, 0.6)  # exact, stem, synonym, paraphrase: scoring
BEAM_SIZE = 40
_ALNUM = "0-9A-Za-zŠŽšžŸÀ-ÖØ-öø-ž"
_ALPHA = "A-Za-zŠŽšžŸÀ-ÖØ-öø-ž"
_SEP_OTHER = re.compile(rf"([^{_ALNUM}\s.'`,\-‘’])")
_COMMA = (re.compile(r"([^\d]),([^\d])"), re.compile(r"(\d),([^\d])"), re.compile(r"([^\d]),(\d)"))
_RM_DASH = re.compile(rf"([{_ALNUM}.])-([{_ALNUM}])")
_CONTRACTIONS = (
    (re.compile(rf"([^{_ALPHA}])'([^{_ALPHA}])"), r"\1 ' \2"),
    (re.compile(rf"([^{_ALPHA}\d])'([{_ALPHA}])"), r"\1 ' \2"),
    (re.compile(rf"([{_ALPHA}])'([^{_ALPHA}])"), r"\1 ' \2"),
    (re.compile(rf"([{_ALPHA}])'([{_ALPHA}])"), r"\1 '\2"),
    (re.compile(r"(\d)'(s)"), r"\1 '\2"),
)
_FALLBACK_FUNCTION_WORDS = frozenset(
    [
        "the",
        ",",
        ".",
        "to",
        "of",
        "and",
        "a",
        "in",
        "that",
        "for",
        '"',
        "is",
        "on",
        "'s",
        "it",
        "with",
        "was",
        "as",
        "at",
        "he",
        "by",
        "be",
        "from",
        "have",
        "has",
        "are",
        "his",
        "but",
        "an",
        "this",
        "not",
        "i",
        "will",
        "they",
        ")",
        "(",
        "who",
        "their",
        "had",
        "we",
        "which",
        "were",
        "been",
        "more",
        "or",
        "its",
        "would",
        "about",
        "you",
        ":",
        "also",
        "up",
        "when",
        "there",
        "than",
        "all",
        "out",
        "her",
        "she",
        "if",
        "-",
        "can",
        "over",
        "into",
        "some",
        "what",
        "so",
        "--",
        "no",
        "could",
        "?",
        "'t",
        "'",
        ";",
        "there",
    ]
)


def _sub_all(pattern: re.Pattern[str], repl: str, text: str) -> str:
    # Java's replaceAll does not re-scan replaced text; overlapping contexts need a second pass.
    previous = None
    while previous != text:
        previous, text = text, pattern.sub(repl, text)
    return text


def _normalize_token(token: str) -> tuple[str, ...]:
    """The character-level rules of METEOR's '-norm' on one whitespace-free token (padded with
    spaces, as each token of a line is there); trailing dots are left to :func:`normalize`."""
    work = f" {token} "
    work = _SEP_OTHER.sub(r" \1 ", work)
    for pattern in _COMMA:
        work = _sub_all(pattern, r"\1 , \2", work)
    work = re.sub(r"[`‘’]", "'", work)
    work = re.sub(r"[“”]|''", ' " ', work)
    work = work.replace("–", "-").replace("--", "-")
    work = _sub_all(_RM_DASH, r"\1 \2", work)
    for pattern, repl in _CONTRACTIONS:
        work = _sub_all(pattern, repl, work)
    return tuple(work.split())


# every token of every segment passes here: one dict lookup per token in C, at most 65,536
# tokens of up to 64 characters kept
_TOKEN_NORMS = TokenMemo(_normalize_token, maxsize=65536, max_chars=64)


# whole segments repeat (references across training steps): at most 4096 of up to 8192
# characters are kept (about 100 MB at worst; a PET2Rep report is about 1,000 characters)
@bounded_cache(maxsize=4096, max_chars=8192)
def normalize(line: str) -> tuple[str, ...]:
    """METEOR's '-norm' tokenisation and lower-casing of one segment. Its rules act within a
    token except the word-final dot, which looks at the next word, so tokens are normalised
    once each (cached) and the dots decided over the whole line."""
    words = list(chain.from_iterable(_TOKEN_NORMS.map(line.split())))
    if not _TRAILING_DOT.search(line):
        # no word ends with a dot: nothing depends on the next word
        return tuple(words) if line == line.lower() else tuple(w.lower() for w in words)
    out = []
    for i, word in enumerate(words):
        if len(word) > 1 and word.endswith("."):
            stem = word[:-1]
            if "." in stem and re.search(f"[{_ALPHA}]", stem):
                out.append(word.replace(".", ""))
            elif i + 1 < len(words) and words[i + 1][:1].islower():
                out.append(word)
            else:
                out.extend((stem, "."))
        else:
            out.append(word)
    return tuple(w.lower() for w in out)


@cache
def _function_words() -> tuple[frozenset[str], str]:
    """METEOR's English function-word list, read from pycocoevalcap's jar when installed."""
    try:
        import pycocoevalcap.meteor as meteor_pkg

        jar = f"{meteor_pkg.__path__[0]}/meteor-1.5.jar"
        with zipfile.ZipFile(jar) as archive:
            words = archive.read("function/english.words").decode("utf-8").splitlines()
        return frozenset(w for w in words if w), "jar"
    except Exception:
        return _FALLBACK_FUNCTION_WORDS, "builtin"


_LATIN = re.compile(r"[a-z]")
_TRAILING_DOT = re.compile(r"\.(?:\s|$)")


def _has_latin(word: str) -> bool:
    return _LATIN.search(word) is not None


@bounded_cache(maxsize=65536, max_chars=64, arg=1)
def _stem_cached(stem, word: str) -> str:
    return stem(word)


@cache
def _stemmer():
    """The English Snowball stemmer METEOR 1.5's jar runs (Snowball 2.x's algorithm, as the
    ``snowballstemmer`` 2.x package generates it; NLTK's port stems a few words differently from
    the jar, e.g. 'realizers', and its import costs about 1 s). One stemmer per thread: a
    Snowball stemmer object keeps its word while it works."""
    try:
        import snowballstemmer
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    local = threading.local()

    def stem(word: str) -> str:
        stemmer = getattr(local, "stemmer", None)
        if stemmer is None:
            stemmer = local.stemmer = snowballstemmer.stemmer("english")
        return stemmer.stemWord(word)

    return stem


@dataclass
class MeteorStats:
    """METEOR's sufficient statistics for one segment (summable over a corpus)."""

    test_len: float = 0.0
    ref_len: float = 0.0
    test_func: float = 0.0
    ref_func: float = 0.0
    # per module: test content, ref content, test function, ref function matches
    modules: list[list[float]] = field(default_factory=lambda: [[0.0] * 4 for _ in range(4)])
    chunks: float = 0.0
    test_matched: float = 0.0
    ref_matched: float = 0.0

    def as_row(self) -> list[float]:
        """The 23 numbers METEOR prints for a segment, in its order."""
        return [
            self.test_len,
            self.ref_len,
            self.test_func,
            self.ref_func,
            *[v for module in self.modules for v in module],
            self.chunks,
            self.test_matched,
            self.ref_matched,
        ]

    @classmethod
    def from_row(cls, row) -> MeteorStats:
        values = [float(v) for v in row]
        stats = cls(values[0], values[1], values[2], values[3])
        stats.modules = [values[4 + 4 * m : 8 + 4 * m] for m in range(4)]
        stats.chunks, stats.test_matched, stats.ref_matched = values[20], values[21], values[22]
        return stats

    def score(self) -> float:
        test_weighted_len = DELTA * (self.test_len - self.test_func) + (1 - DELTA) * self.test_func
        ref_weighted_len = DELTA * (self.ref_len - self.ref_func) + (1 - DELTA) * self.ref_func
        test_weighted = sum(
            w * (DELTA * m[0] + (1 - DELTA) * m[2]) for w, m in zip(MODULE_WEIGHTS, self.modules)
        )
        ref_weighted = sum(
            w * (DELTA * m[1] + (1 - DELTA) * m[3]) for w, m in zip(MODULE_WEIGHTS, self.modules)
        )
        try:
            precision = test_weighted / test_weighted_len
            recall = ref_weighted / ref_weighted_len
            fmean = 1.0 / ((1 - ALPHA) / precision + ALPHA / recall)
        except ZeroDivisionError:
            return 0.0
        test_total = sum(m[0] + m[2] for m in self.modules)
        ref_total = sum(m[1] + m[3] for m in self.modules)
        if test_total == self.test_len and ref_total == self.ref_len and self.chunks == 1:
            frag = 0.0
        else:
            avg = (self.test_matched + self.ref_matched) / 2
            frag = self.chunks / avg if avg else 0.0
        score = fmean * (1 - GAMMA * frag**BETA)
        return max(score, 0.0) if score == score else 0.0


def _align(test: tuple[str, ...], ref: tuple[str, ...], use_stem: bool) -> MeteorStats:
    """Stats of METEOR's alignment of ``test`` against ``ref`` (both normalised), in Python."""
    functions, _ = _function_words()
    n_test, n_ref = len(test), len(ref)
    # candidate matches per reference position, in METEOR's order: module, then test position
    candidates: list[list[tuple[int, int]]] = [[] for _ in range(n_ref)]
    positions: dict[str, list[int]] = defaultdict(list)
    for j, word in enumerate(test):
        positions[word].append(j)
    test_cover = [0] * n_test
    for i, word in enumerate(ref):
        for j in positions.get(word, ()):
            candidates[i].append((j, 0))
            test_cover[j] += 1
    identical = test == ref
    stem = _stemmer() if use_stem and not identical else None
    if stem is not None:
        # words without Latin letters (CJK characters, numbers) stem to themselves: only an
        # identical word could share their stem, and identical words are the exact module's
        by_stem: dict[str, list[int]] = defaultdict(list)
        for j, w in enumerate(test):
            if _has_latin(w):
                by_stem[_stem_cached(stem, w)].append(j)
        for i, word in enumerate(ref):
            if not by_stem or not _LATIN.search(word):
                continue
            for j in by_stem.get(_stem_cached(stem, word), ()):
                if test[j] != word:
                    candidates[i].append((j, 1))
                    test_cover[j] += 1
    # one-to-one, non-overlapping matches are fixed before the search
    fixed: dict[int, tuple[int, int]] = {}
    used0 = 0
    for i, cands in enumerate(candidates):
        if len(cands) == 1 and test_cover[cands[0][0]] == 1:
            fixed[i] = cands[0]
            used0 |= 1 << cands[0][0]

    # beam search; a path is (-weighted, chunks, distance, order, last_end, used, link)
    # The comparator adds int-truncated module weights (exact 1.0, others 0.5) to an int, so
    # only exact matches raise a path's rank; a candidate's distance is charged to its parent.
    order = 0
    next_paths = [(0, 0, 0, order, -1, used0, None)]
    for current in range(n_ref + 1):
        paths = (
            heapq.nsmallest(BEAM_SIZE, next_paths)
            if len(next_paths) > BEAM_SIZE
            else sorted(next_paths)
        )
        next_paths = []
        for neg_weight, chunks, distance, _, last, used, link in paths:
            if current == n_ref:
                order += 1
                next_paths.append(
                    (neg_weight, chunks + (last != -1), distance, order, last, used, link)
                )
                continue
            if current in fixed:
                j, module = fixed[current]
                order += 1
                next_paths.append(
                    (
                        neg_weight - (2 if module == 0 else 0),
                        chunks + (last != -1 and j != last),
                        distance + abs(current - j),
                        order,
                        j + 1,
                        used,
                        (current, j, module, link),
                    )
                )
                continue
            for j, module in candidates[current]:
                if used >> j & 1:
                    continue
                order += 1
                next_paths.append(
                    (
                        neg_weight - (2 if module == 0 else 0),
                        chunks + (last != -1 and j != last),
                        distance,
                        order,
                        j + 1,
                        used | (1 << j),
                        (current, j, module, link),
                    )
                )
                distance += abs(current - j)
            order += 1
            next_paths.append((neg_weight, chunks + (last != -1), distance, order, -1, used, link))
        if not next_paths:
            next_paths = [paths[0]]
    next_paths.sort()
    best = next_paths[0]

    pairs = []
    link = best[6]
    while link is not None:
        i, j, module, link = link
        pairs.append((i, j, module))
    return _stats(test, ref, functions, pairs)


def _stats(test, ref, functions, pairs) -> MeteorStats:
    """Segment statistics from the chosen matches (reference position, test position, module)."""
    n_test, n_ref = len(test), len(ref)
    stats = MeteorStats(test_len=n_test, ref_len=n_ref)
    test_is_func = [w in functions for w in test]
    ref_is_func = [w in functions for w in ref]
    stats.test_func = sum(test_is_func)
    stats.ref_func = sum(ref_is_func)
    matched: dict[int, int] = {}
    for i, j, module in pairs:
        matched[i] = j
        row = stats.modules[module]
        row[2 if test_is_func[j] else 0] += 1
        row[3 if ref_is_func[i] else 1] += 1
    chunks, last = 0, -1
    for i in range(n_ref):
        j = matched.get(i)
        if j is None:
            if last != -1:
                chunks, last = chunks + 1, -1
        else:
            if last != -1 and j != last:
                chunks += 1
            last = j + 1
    stats.chunks = chunks + (last != -1)
    stats.test_matched = stats.ref_matched = len(matched)
    return stats


@cache
def _native():
    """The compiled search over a whole batch (same steps, ~100x faster), or None when the C
    file was not built."""
    import ctypes
    import importlib.machinery
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        library = here / f"_meteor_beam{suffix}"
        if library.is_file():
            break
    else:
        return None
    try:
        func = ctypes.CDLL(str(library)).meteor_stats_batch
    except (OSError, AttributeError):
        return None
    func.restype = ctypes.c_int
    return func


def _native_rows(
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]], use_stem: bool, threads: int = 1
):
    """23 statistics per (test, reference) pair from the compiled search, the pairs split over
    ``threads`` calls that run at once (each releases the GIL). Words and stems get ids shared
    by the batch."""
    import ctypes

    segments: dict[tuple[str, ...], int] = {}  # segment -> start in the flat id array
    for pair in pairs:
        for segment in pair:
            segments.setdefault(segment, 0)
    # ids only need to be equal for equal words: sorted for a reproducible call
    vocab = {w: k for k, w in enumerate(sorted(set().union(*segments)))}
    flat: list[int] = []
    for segment in segments:
        segments[segment] = len(flat)
        flat.extend(map(vocab.__getitem__, segment))
    functions, _ = _function_words()
    stem = _stemmer() if use_stem else None
    stem_ids: dict[str, int] = {}
    word_stem = np.full(max(len(vocab), 1), -1, dtype=np.intc)
    if stem is not None:
        for word, k in vocab.items():
            if _has_latin(word):
                word_stem[k] = stem_ids.setdefault(_stem_cached(stem, word), len(stem_ids))
    is_function = np.zeros(max(len(vocab), 1), dtype=np.uint8)
    for word, k in vocab.items():
        if word in functions:
            is_function[k] = 1
    ids = np.array(flat or [0], dtype=np.intc)
    stems = word_stem[ids]
    starts = np.array([[segments[t], segments[r]] for t, r in pairs], dtype=np.intc).reshape(-1, 2)
    lengths = np.array([[len(t), len(r)] for t, r in pairs], dtype=np.intc).reshape(-1, 2)
    test_start, ref_start = np.ascontiguousarray(starts[:, 0]), np.ascontiguousarray(starts[:, 1])
    test_len, ref_len = np.ascontiguousarray(lengths[:, 0]), np.ascontiguousarray(lengths[:, 1])
    rows = np.zeros((len(pairs), 23))
    int_pointer = ctypes.POINTER(ctypes.c_int)

    def run(lo: int, hi: int) -> int:
        # pairs [lo, hi): slices of contiguous arrays, so plain pointers into them
        return _native()(
            hi - lo,
            BEAM_SIZE,
            *(a[lo:hi].ctypes.data_as(int_pointer) for a in (test_start, test_len)),
            *(a[lo:hi].ctypes.data_as(int_pointer) for a in (ref_start, ref_len)),
            ids.ctypes.data_as(int_pointer),
            stems.ctypes.data_as(int_pointer),
            is_function.ctypes.data_as(ctypes.POINTER(ctypes.c_ubyte)),
            len(vocab),
            len(stem_ids),
            int(stem is not None),
            rows[lo:hi].ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
        )

    parts = max(1, min(threads, len(pairs)))
    bounds = [len(pairs) * k // parts for k in range(parts + 1)]
    if len(bounds) == 2:
        statuses = [run(0, len(pairs))]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(bounds) - 1, thread_name_prefix="pet2rep-meteor") as pool:
            statuses = list(pool.map(run, bounds[:-1], bounds[1:]))
    if min(statuses) < 0:
        raise MemoryError("METEOR beam search ran out of memory")
    return rows


def _pair_rows(
    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]], use_stem: bool, threads: int = 1
):
    """METEOR statistics (rows of 23) of each (test, reference) pair of normalised segments."""
    if not pairs:
        return np.zeros((0, 23))
    if _native() is not None:
        return _native_rows(pairs, use_stem, threads)
    return np.array([_align(test, ref, use_stem).as_row() for test, ref in pairs])


def warm_up() -> None:
    """Load what METEOR needs (stemmer, function words, compiled search) ahead of scoring."""
    _function_words()
    _native()
    stem = _stemmer()
    if stem is not None:
        stem("warming")


def backend() -> str:
    """'c' when the compiled beam search is in use, else 'python' (same results)."""
    return "c" if _native() is not None else "python"


def _best_rows(
    hyps: list, refs: list, use_stem: bool, threads: int = 1
) -> list[tuple[MeteorStats, float]]:
    """Per case, the statistics against the reference that scores highest (the first of equals),
    as METEOR picks its reference, and that score. Segments are token lists, joined by spaces
    and normalised."""
    tests = [normalize(" ".join(hyp).replace("|||", "").replace("  ", " ")) for hyp in hyps]
    pairs, owner = [], []
    for c, (test, ref_list) in enumerate(zip(tests, refs)):
        for ref in ref_list:
            pairs.append((test, normalize(" ".join(ref))))
            owner.append(c)
    best: list[tuple[MeteorStats, float]] = [(MeteorStats(), 0.0)] * len(hyps)
    best_score = [-1.0] * len(hyps)
    for c, row in zip(owner, _pair_rows(pairs, use_stem, threads).tolist()):
        stats = MeteorStats.from_row(row)
        score = stats.score()
        if score > best_score[c]:
            best[c], best_score[c] = (stats, score), score
    return best


def function_word_source() -> str:
    """'jar' when METEOR's own function-word list was found, else 'builtin'."""
    return _function_words()[1]


class Meteor(Metric):
    """METEOR 1.5 (see module docstring). ``backend``: 'python' (this package's search, compiled
    when a C compiler was there at install) or 'java' (pycocoevalcap's jar; needs Java)."""

    name = "meteor"
    keys = ("meteor",)
    input = "tokens"
    help = "METEOR 1.5 (-l en -norm, exact and stem modules), pooled as the jar pools"

    def __init__(self, use_stem: bool = True, threads: int = 1, backend: str = "python"):
        """``threads``: compiled searches run at once over parts of the batch (same numbers)."""
        if backend not in ("python", "java"):
            raise ValueError("meteor must be 'python' or 'java'")
        self.use_stem = use_stem
        self.threads = max(1, threads)
        self.backend = backend

    def signature(self) -> str:
        from .. import __version__

        if self.backend == "java":
            return f"meteor|impl:java(pycocoevalcap meteor-1.5 -l en -norm)|version:{__version__}"
        modules = "exact+stem" if self.use_stem else "exact"
        return f"meteor|impl:python+{backend()}-beam|modules:{modules}|norm:yes|fw:{function_word_source()}|beam:{BEAM_SIZE}|version:{__version__}"

    def compute(self, hyps, refs):
        if self.backend == "java":
            return _java(hyps, refs, self.signature())
        best = _best_rows(hyps, refs, self.use_stem, self.threads)
        per_case = np.array([score for _, score in best], dtype=float)
        table = np.array([stats.as_row() for stats, _ in best]) if best else np.zeros((0, 23))

        return MetricResult(
            self.name,
            pool(table)["meteor"],
            per_case,
            self.signature(),
            case_stats=table,
            aggregate=pool,
            additive=True,
        )


def _java(hyp_tokens, ref_tokens, signature: str) -> MetricResult:
    """pycocoevalcap's Java METEOR on the same space-joined tokens (the reference backend); the
    jar's per-segment statistics are kept, so the corpus score is the jar's pooled one and
    intervals re-pool them."""
    try:
        from pycocoevalcap.meteor.meteor import Meteor as JavaMeteor
    except ImportError as exc:
        raise MetricUnavailable(
            "--meteor java needs pycocoevalcap and Java: pip install 'pet2rep-metrics[reference]'"
        ) from exc
    gts = {i: [" ".join(r) or " " for r in refs] for i, refs in enumerate(ref_tokens)}
    res = {i: [" ".join(h) or " "] for i, h in enumerate(hyp_tokens)}
    try:
        scorer = JavaMeteor()
        stats = [scorer._stat(res[i][0], gts[i]) for i in res]
        score, scores = scorer.compute_score(gts, res)
    except OSError as exc:
        raise MetricUnavailable(
            f"Java METEOR could not run ({exc}); install Java 8+ or use meteor='python'"
        ) from exc
    table = np.array([[float(v) for v in line.split()] for line in stats], dtype=float)
    return MetricResult(
        "meteor",
        float(score),
        np.array(scores, dtype=float),
        signature,
        case_stats=table,
        aggregate=lambda rows: {"meteor": float(score)} if rows is table else pool(rows),
        additive=True,
    )


def pool(rows: np.ndarray) -> dict[str, float]:
    """The corpus METEOR of segments' statistics (rows of 23 numbers), as the jar pools them."""
    pooled = MeteorStats.from_row(rows.sum(0)) if len(rows) else MeteorStats()
    return {"meteor": pooled.score() if len(rows) else 0.0}
