"""Batch-at-a-time components: ``nlp.pipe`` hands each component a batch of documents, and the
component reads all of them before the next component starts. One rule component over many
documents keeps its code, regexes and tables in the CPU's caches; one document through every
component in turn does not (about 7% of the extraction time on Chinese reports,
scripts/bench_extract.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from spacy.tokens import Doc
from spacy.util import minibatch

BATCH_SIZE = 128


def pipe_in_batches(
    component: Callable[[Doc], Doc], docs: Iterable[Doc], batch_size: int = BATCH_SIZE
) -> Iterator[Doc]:
    """``component`` applied to ``docs``, ``batch_size`` documents at a time, in order."""
    for batch in minibatch(docs, size=batch_size):
        yield from [component(doc) for doc in batch]


class BatchedComponent:
    """A component class whose ``pipe`` runs it a batch at a time (see the module's docstring)."""

    def __call__(self, doc: Doc) -> Doc:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def pipe(self, docs: Iterable[Doc], batch_size: int = BATCH_SIZE) -> Iterator[Doc]:
        return pipe_in_batches(self, docs, batch_size)


def batched(component: Callable[[Doc], Doc]) -> Callable[[Doc], Doc]:
    """A function component given the same ``pipe`` (returned, for use as a decorator)."""
    component.pipe = lambda docs, batch_size=BATCH_SIZE: pipe_in_batches(  # type: ignore[attr-defined]
        component, docs, batch_size
    )
    return component
