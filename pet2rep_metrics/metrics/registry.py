"""The metrics the scorer and the commands know, in table order: one registry.

A metric is a :class:`~pet2rep_metrics.metrics.base.Metric` subclass that says its ``name``
(what ``--metrics`` and ``Scorer(metrics=...)`` take), its ``keys`` (the corpus scores it
returns, in the order tables print them), its ``input`` (``tokens``, ``text`` or ``labels``) and
a one-line ``help``; it computes a :class:`MetricResult` whose pooled statistics give those keys.
Adding a metric is one class and one :func:`register` call::

    from pet2rep_metrics.metrics import Metric, MetricResult, register

    class LengthRatio(Metric):
        name, keys, input = "length_ratio", ("length_ratio",), "tokens"
        help = "generated length over reference length"

        def compute(self, hyps, refs):
            ratios = np.array([len(h) / max(1, len(r[0])) for h, r in zip(hyps, refs)])
            return MetricResult(self.name, float(ratios.mean()), ratios, self.signature())

    register(LengthRatio)
    Scorer(metrics=["bleu", "length_ratio"])   # and: pet2rep-score --metrics bleu,length_ratio

``register`` takes the class (built with no arguments) or a factory ``build(options)`` that gets
the scorer's options (a :class:`ScorerOptions`). For the commands to see a metric of another
package, that package names the class under the entry-point group ``pet2rep_metrics.metrics``
(in its pyproject: ``[project.entry-points."pet2rep_metrics.metrics"] length_ratio =
"mypkg.metrics:LengthRatio"``); it is registered when the registry is first used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .base import Metric

INPUTS = ("tokens", "text", "labels")
PLUGIN_GROUP = "pet2rep_metrics.metrics"


@dataclass(frozen=True)
class ScorerOptions:
    """The scorer's settings a metric may need when it is built."""

    organs: Any = "pet2rep"
    meteor: str = "python"
    bertscore_model: str | None = None
    bertscore_layers: int | None = None


@dataclass(frozen=True)
class Entry:
    name: str
    keys: tuple[str, ...]
    input: str
    help: str
    build: Callable[[ScorerOptions], Metric]
    default: bool


_REGISTRY: dict[str, Entry] = {}


def register(
    metric: type[Metric],
    build: Callable[[ScorerOptions], Metric] | None = None,
    default: bool = False,
) -> type[Metric]:
    """Add ``metric`` (a Metric subclass) to the registry; ``build`` makes an instance from the
    scorer's options (default: ``metric()``). ``default``: scored when no metric is named.
    A name already registered is replaced (the package's own come first in table order)."""
    _builtin()
    name = getattr(metric, "name", None)
    keys = tuple(getattr(metric, "keys", ()))
    kind = getattr(metric, "input", None)
    if not name or not keys:
        raise ValueError(f"{metric!r} needs a name and its output keys")
    if kind not in INPUTS:
        raise ValueError(f"{name}: input must be one of {INPUTS}, not {kind!r}")
    clash = {k for entry in _REGISTRY.values() if entry.name != name for k in entry.keys} & set(
        keys
    )
    if clash:
        raise ValueError(f"{name}: output keys {sorted(clash)} belong to another metric")
    _REGISTRY[name] = Entry(
        name, keys, kind, getattr(metric, "help", ""), build or (lambda _options: metric()), default
    )
    return metric


def unregister(name: str) -> None:
    """Remove a metric (tests of user metrics clean up with it)."""
    _REGISTRY.pop(name, None)


def entry(name: str) -> Entry:
    """The registry's record of ``name`` (ValueError naming the choices when unknown)."""
    _builtin()
    if name not in _REGISTRY:
        raise ValueError(f"unknown metric {name!r}; choose from {', '.join(names())}")
    return _REGISTRY[name]


def names() -> tuple[str, ...]:
    """Every registered metric, in table order."""
    _builtin()
    return tuple(_REGISTRY)


def default_names() -> tuple[str, ...]:
    """The metrics scored when none is named."""
    _builtin()
    return tuple(n for n, e in _REGISTRY.items() if e.default)


def output_keys(metrics: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
    """The corpus score keys of ``metrics`` (default: all), in table order."""
    _builtin()
    chosen = set(metrics) if metrics is not None else set(_REGISTRY)
    return tuple(k for n, e in _REGISTRY.items() if n in chosen for k in e.keys)


_loaded = False


def _builtin() -> None:
    """Register the package's own metrics on first use (in table order)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from .bertscore import BertScore
    from .bleu import Bleu
    from .cider import Cider
    from .clinical import ClinicalEfficacy
    from .meteor import Meteor
    from .rouge import RougeL
    from .sacre import ChrF, RougeScore, SacreBleu

    register(Bleu, default=True)
    register(Meteor, lambda o: Meteor(backend=o.meteor), default=True)
    register(RougeL, default=True)
    register(Cider, default=True)
    register(ClinicalEfficacy, lambda o: ClinicalEfficacy(o.organs), default=True)
    register(ChrF)
    register(SacreBleu)
    register(RougeScore)
    register(BertScore, lambda o: BertScore(o.bertscore_model, o.bertscore_layers))
    _plugins()


def _plugins() -> None:
    """Register the metrics other installed packages declare (entry-point group
    ``pet2rep_metrics.metrics``); one that fails to load is skipped with a warning."""
    import warnings
    from importlib.metadata import entry_points

    for point in sorted(entry_points(group=PLUGIN_GROUP), key=lambda p: p.name):
        try:
            metric = point.load()
            if not (isinstance(metric, type) and issubclass(metric, Metric)):
                raise TypeError(f"{point.value} is not a Metric subclass")
            register(metric)
        except Exception as exc:  # a broken plugin must not stop the package's own metrics
            warnings.warn(f"metric plugin {point.name!r} not loaded: {exc}", stacklevel=3)
