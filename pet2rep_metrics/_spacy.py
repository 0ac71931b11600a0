"""Import spaCy without importing torch.

spaCy's machine-learning library (thinc) imports torch whenever it is installed, to offer
PyTorch-backed layers; that costs 2-3 s of start-up in every process, and this package's
pipelines never use it. While spaCy is first imported, torch is marked as absent
(``sys.modules["torch"] = None``, which makes ``import torch`` raise ImportError); the mark is
removed right after, so BERTScore or a transformers backend imports torch normally later.
Set ``PET2REP_SPACY_TORCH=1`` to let thinc import torch (for spaCy models that need it)."""

from __future__ import annotations

import os
import sys


def import_spacy():
    """spaCy, imported once; without torch unless it is already imported or asked for."""
    if "spacy" in sys.modules or "torch" in sys.modules or os.environ.get("PET2REP_SPACY_TORCH"):
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return spacy
