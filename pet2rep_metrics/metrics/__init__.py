"""Metrics: NLG scores matching pycocoevalcap, clinical efficacy (OUA), BERTScore, statistics."""

from .base import Metric, MetricResult
from .bleu import Bleu
from .cider import Cider
from .clinical import ClinicalEfficacy
from .meteor import Meteor
from .rouge import RougeL
from .scorer import ALL_METRICS, DEFAULT_METRICS, Scorer
from .stats import bootstrap_ci, paired_randomization
from .tokenize import tokenize

__all__ = [
    "ALL_METRICS",
    "DEFAULT_METRICS",
    "Bleu",
    "Cider",
    "ClinicalEfficacy",
    "Meteor",
    "Metric",
    "MetricResult",
    "RougeL",
    "Scorer",
    "bootstrap_ci",
    "paired_randomization",
    "tokenize",
]
