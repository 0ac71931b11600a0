"""Import spaCy without importing torch or spaCy's command-line interface.

spaCy's machine-learning library (thinc) imports torch whenever it is installed, to offer
PyTorch-backed layers; that costs 2-3 s of start-up in every process, and this package's
pipelines never use it. While spaCy is first imported, torch is marked as absent
(``sys.modules["torch"] = None``, which makes ``import torch`` raise ImportError); the mark is
removed right after, so BERTScore or a transformers backend imports torch normally later.
Set ``PET2REP_SPACY_TORCH=1`` to let thinc import torch (for spaCy models that need it).

spaCy's package also imports its command-line interface (``spacy.cli``: weasel, requests,
the training and packaging commands) only to offer ``spacy.info``: about 0.1 s, a third of
importing spaCy. While spaCy is first imported, ``spacy.cli.info`` is a stand-in module whose
names (``info`` included) import the real one when first used; it is removed right after, so
``import spacy.cli`` or ``spacy.info()`` later behave as usual."""

from __future__ import annotations

import importlib
import os
import sys
import types

_CLI_INFO = "spacy.cli.info"


def import_spacy():
    """spaCy, imported once; without torch unless it is already imported or asked for, and
    with its command-line interface left until something uses it."""
    if "spacy" in sys.modules:
        import spacy

        return spacy
    marks = {_CLI_INFO: _deferred_cli_info()}
    if "torch" not in sys.modules and not os.environ.get("PET2REP_SPACY_TORCH"):
        marks["torch"] = None
    for name, mark in marks.items():
        sys.modules.setdefault(name, mark)  # type: ignore[arg-type]
    try:
        import spacy
    finally:
        for name, mark in marks.items():
            if name in sys.modules and sys.modules[name] is mark:
                del sys.modules[name]
    return spacy


def _deferred_cli_info() -> types.ModuleType:
    """A stand-in for ``spacy.cli.info`` whose ``info`` (and any other name) comes from the
    real module, imported on first use."""
    stand_in = types.ModuleType(_CLI_INFO)

    def real() -> types.ModuleType:
        if sys.modules.get(_CLI_INFO) is stand_in:
            del sys.modules[_CLI_INFO]
        return importlib.import_module(_CLI_INFO)

    def info(*args, **kwargs):
        return real().info(*args, **kwargs)

    info.__doc__ = "spaCy's info command (imported on first call; see pet2rep_metrics._spacy)."
    stand_in.info = info  # type: ignore[attr-defined]

    def attribute(name: str):
        if name.startswith("__"):  # the import system probing the module (__path__, ...)
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.__getattr__ = attribute  # type: ignore[method-assign]
    return stand_in
