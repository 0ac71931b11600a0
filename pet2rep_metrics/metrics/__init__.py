"""Metrics: NLG scores matching pycocoevalcap, clinical efficacy (OUA), BERTScore, statistics.

Every metric is a :class:`Metric` in one registry (:mod:`.registry`); the
:class:`~pet2rep_metrics.Scorer` dispatches them by the input they take."""

from .base import Metric, MetricResult
from .bleu import Bleu
from .cider import Cider
from .clinical import ClinicalEfficacy
from .meteor import Meteor
from .registry import register, unregister
from .rouge import RougeL
from .stats import bootstrap_ci, paired_randomization
from .tokenize import tokenize

__all__ = [
    "Bleu",
    "Cider",
    "ClinicalEfficacy",
    "Meteor",
    "Metric",
    "MetricResult",
    "RougeL",
    "bootstrap_ci",
    "paired_randomization",
    "register",
    "tokenize",
    "unregister",
]
