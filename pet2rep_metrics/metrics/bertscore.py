"""BERTScore (bert-score), optional: needs the ``bertscore`` extra and a model available offline.

Default models are bert-score's own for the language (zh: bert-base-chinese, en: roberta-large);
any local model folder works with ``model`` (a path) and ``num_layers``. A model that cannot be
loaded offline raises :class:`BertScoreUnavailable` with what to do, not a stack trace."""

from __future__ import annotations

import numpy as np

from ..errors import MetricUnavailable
from .base import Metric, MetricResult

_DEFAULT_MODELS = {"zh": "bert-base-chinese", "en": "roberta-large"}


class BertScoreUnavailable(MetricUnavailable):
    """BERTScore cannot run here (package or model missing)."""


class BertScore(Metric):
    name = "bertscore"
    keys = ("bertscore_f1",)
    input = "text"
    help = "BERTScore F1 (bertscore extra; a model available offline)"

    def __init__(
        self,
        model: str | None = None,
        num_layers: int | None = None,
        batch_size: int = 16,
        device: str | None = None,
    ):
        self.model = model
        self.num_layers = num_layers
        self.batch_size = batch_size
        self.device = device
        self._scorers: dict[str, object] = {}

    def signature(self, language: str | None = "zh") -> str:
        model = self.model or _DEFAULT_MODELS.get(language or "zh")
        return f"bertscore|model:{model}|layers:{self.num_layers or 'default'}|idf:no|rescale:no"

    def _scorer(self, language: str):
        key = language
        if key in self._scorers:
            return self._scorers[key]
        try:
            import bert_score
        except ImportError as exc:
            raise BertScoreUnavailable(
                "BERTScore needs torch, transformers and bert-score: pip install 'pet2rep-metrics[bertscore]'"
            ) from exc
        model = str(self.model) if self.model else _DEFAULT_MODELS[language]
        kwargs = {"model_type": model, "batch_size": self.batch_size, "lang": language}
        if self.num_layers is not None:
            kwargs["num_layers"] = self.num_layers
        elif self.model is not None and model not in bert_score.utils.model2layers:
            raise BertScoreUnavailable(
                f"model {model!r} is not one bert-score knows: give its layer with num_layers (--bertscore-layers)"
            )
        if self.device:
            kwargs["device"] = self.device
        _check_reachable(model)
        try:
            scorer = bert_score.BERTScorer(**kwargs)
        except (OSError, ValueError) as exc:
            raise BertScoreUnavailable(
                f"BERTScore model {model!r} could not be loaded offline ({type(exc).__name__}). Download it once "
                "with network access, or pass a local model folder with its num_layers."
            ) from exc
        self._scorers[key] = scorer
        return scorer

    def compute(self, hyps: list[str], refs: list[list[str]], language: str | None) -> MetricResult:
        scorer = self._scorer(language or "zh")
        _, _, f1 = scorer.score(
            [h if h.strip() else " " for h in hyps], [[r for r in rs] for rs in refs]
        )
        per_case = np.asarray(f1.cpu().numpy(), dtype=float)
        return MetricResult(
            "bertscore_f1",
            float(per_case.mean()) if len(per_case) else 0.0,
            per_case,
            self.signature(language),
        )


def _check_reachable(model: str, timeout_s: float = 3.0) -> None:
    """Fail at once, not after the hub client's minute of retries, when ``model`` is neither a
    local folder nor in the local model cache and the model hub cannot be reached."""
    import os
    import socket
    from pathlib import Path
    from urllib.parse import urlparse

    folder = Path(model).expanduser()
    if folder.exists():
        return
    if folder.is_absolute() or model.startswith((".", "~")) or model.count("/") > 1:
        raise BertScoreUnavailable(f"no model folder {model}")
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # transformers without the hub client: let it report
        return
    try:
        cached = isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:  # not a valid model id: the hub client would refuse it too
        cached = False
    if cached:
        return  # transformers loads it (HF_HUB_OFFLINE=1 makes it skip the network)
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    reason = "HF_HUB_OFFLINE is set" if offline else None
    if reason is None:
        try:
            port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
            socket.create_connection((endpoint.hostname or "", port), timeout=timeout_s).close()
        except OSError as exc:
            reason = f"{endpoint.hostname} cannot be reached: {exc.strerror or exc}"
    if reason:
        raise BertScoreUnavailable(
            f"BERTScore model {model!r} is not in the local model cache and cannot be "
            f"downloaded ({reason}). Download it once with network access, or pass a local "
            "model folder with --bertscore-model and its layer with --bertscore-layers."
        )
