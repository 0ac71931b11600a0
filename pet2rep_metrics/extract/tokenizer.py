"""The pipeline's tokenizer: it normalises the report (template brackets, full-width and
traditional characters, dashes, blanks; see normalize.py), keeps the map from the normalised
text back to the original, and tokenises the normalised text: for Chinese, coarse tokens (a run of
ideographs, of Latin letters or of digits; any other character alone), for English spaCy's own
tokenizer (or a loaded model's). The Chinese components read characters, not tokens (terms.py);
the tokens matter only for the findings' spans, which split them where a finding begins or ends.

Registered as ``pet2rep.Tokenizer.v1`` so that a pipeline built by :func:`build_pipeline` saves
with ``nlp.to_disk`` and loads with ``spacy.load`` (its settings live in the config; it has no
data of its own)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

import spacy
from spacy.tokens import Doc
from spacy.vocab import Vocab

from .lexicon import load_lexicon
from .normalize import normalize_text
from .state import DocState

# a run of ideographs, of Latin letters or of digits, or one other character (a blank too)
_ZH_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+|[0-9]+|.", re.DOTALL)

if not Doc.has_extension("pet2rep"):
    Doc.set_extension("pet2rep", default=None)


class NormalizingTokenizer:
    """Normalise, then tokenise; the Doc's text is the normalised text and ``doc._.pet2rep``
    (the pipeline's working state) holds the offset map back to the original."""

    def __init__(
        self,
        vocab: Vocab,
        language: str,
        lexicon_dir: str | None = None,
        inner: Callable[[str], Doc] | None = None,
    ):
        self.vocab = vocab
        self.language = language
        self.lexicon_dir = lexicon_dir
        self.traditional = load_lexicon(language, lexicon_dir).traditional
        self.inner = inner

    def __call__(self, text: str) -> Doc:
        normalized = normalize_text(text, self.traditional)
        doc = (
            self.inner(normalized.text) if self.inner is not None else self._words(normalized.text)
        )
        doc._.pet2rep = DocState(self.language, normalized, [])
        return doc

    def _words(self, text: str) -> Doc:
        """Coarse tokens (_ZH_TOKEN); a blank right after a token becomes its whitespace."""
        words = _ZH_TOKEN.findall(text)
        if " " not in text:
            return Doc(self.vocab, words=words, spaces=[False] * len(words))
        kept, spaces = fold_blanks(words)
        return Doc(self.vocab, words=kept, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    # the settings are in the config: nothing to save or load
    def to_disk(self, path, *, exclude=()) -> None:
        if self.inner is not None and hasattr(self.inner, "to_disk"):
            self.inner.to_disk(path, exclude=exclude)

    def from_disk(self, path, *, exclude=()) -> NormalizingTokenizer:
        if self.inner is not None and hasattr(self.inner, "from_disk"):
            self.inner.from_disk(path, exclude=exclude)
        return self

    def to_bytes(self, *, exclude=()) -> bytes:
        if self.inner is not None and hasattr(self.inner, "to_bytes"):
            return self.inner.to_bytes(exclude=exclude)
        return b""

    def from_bytes(self, data: bytes, *, exclude=()) -> NormalizingTokenizer:
        if data and self.inner is not None and hasattr(self.inner, "from_bytes"):
            self.inner.from_bytes(data, exclude=exclude)
        return self


def fold_blanks(pieces: Iterable[str]) -> tuple[list[str], list[bool]]:
    """(words, spaces) for a Doc from pieces of text in order: a blank piece right after a word
    becomes that word's trailing whitespace; any other blank is a word of its own."""
    words: list[str] = []
    spaces: list[bool] = []
    for piece in pieces:
        if piece == " " and words and not spaces[-1]:
            spaces[-1] = True
        else:
            words.append(piece)
            spaces.append(False)
    return words, spaces


@spacy.registry.tokenizers("pet2rep.Tokenizer.v1")
def create_tokenizer(language: str, lexicon_dir: str | None = None):
    """The factory spaCy's config names: Chinese in coarse tokens, English by spaCy's rules."""

    def create(nlp) -> NormalizingTokenizer:
        inner = None
        if language != "zh":
            inner = spacy.registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        # a blank pipeline (a trained model's components read the other attributes and keep
        # them: build_pipeline puts a model's own tokenizer inside NormalizingTokenizer directly)
        nlp.vocab.lex_attr_getters = _cheap_attributes(nlp.vocab.lex_attr_getters)
        return NormalizingTokenizer(nlp.vocab, language, lexicon_dir, inner)

    return create


def _cheap_attributes(getters: dict[int, Callable[[str], object]]) -> dict:
    """The lexical attributes the tokens of a blank pipeline get: those ``str`` computes
    natively (lower, is_alpha, is_digit, is_space, is_lower, is_upper, is_title, is_ascii), and
    spaCy's own norm, is_punct and lang. spaCy computes every attribute of a token string it has
    not seen (and keeps the entry only while its vocabulary holds fewer than 10,000, or the
    string is shorter than 3 characters: past that, again in every Doc). With all 23 defaults
    that was ~10 us a new token: on real reports read for the first time about a third of the
    Chinese extraction (about one coarse token in five unseen) and more of the English; ~3 us
    now. The rule components read lower and is_alpha at most; shape, prefix, suffix, stop words
    and like_num, like_url, like_email are left out (0 or empty)."""
    from spacy import attrs

    kept = {
        attrs.LOWER: str.lower,
        attrs.IS_ALPHA: str.isalpha,
        attrs.IS_DIGIT: str.isdigit,
        attrs.IS_SPACE: str.isspace,
        attrs.IS_LOWER: str.islower,
        attrs.IS_UPPER: str.isupper,
        attrs.IS_TITLE: str.istitle,
        attrs.IS_ASCII: str.isascii,
    }
    for attribute in (attrs.NORM, attrs.IS_PUNCT, attrs.LANG):
        if attribute in getters:
            kept[attribute] = getters[attribute]
    return kept
