"""Generation: manifests, prompts, backends (openai-compatible servers, transformers, template)
and resumable runs. Entry point: ``pet2rep-generate``."""

from .backends import OpenAIBackend, TemplateBackend, TransformersBackend
from .manifest import Case, ManifestError, read_manifest
from .run import RunSummary, run

__all__ = [
    "Case",
    "ManifestError",
    "OpenAIBackend",
    "RunSummary",
    "TemplateBackend",
    "TransformersBackend",
    "read_manifest",
    "run",
]
