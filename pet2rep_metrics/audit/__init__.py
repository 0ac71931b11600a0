"""Audit: agreement of the extractor (or any labeller) with radiologist labels."""

from .agreement import CATEGORIES, agreement, category
from .gold import read_gold, read_label_rows

__all__ = ["CATEGORIES", "agreement", "category", "read_gold", "read_label_rows"]
