"""A character tokenizer for Chinese: one token per non-space character, as
``spacy.blank('zh')`` makes by default, without its generic word-and-space alignment."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.tokens import Doc
from spacy.vocab import Vocab


class CharTokenizer:
    """Tokenize text into single characters; a space becomes the preceding token's whitespace."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        if " " not in text:
            return Doc(self.vocab, words=list(text), spaces=[False] * len(text))
        words: list[str] = []
        spaces: list[bool] = []
        for char in text:
            if char == " " and words and not spaces[-1]:
                spaces[-1] = True
            else:
                words.append(char)
                spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)
