"""The clinical-efficacy extractor: PET/CT report text -> organ x uptake table."""

from .pipeline import Extractor, build_pipeline
from .table import Finding, ReportTable

__all__ = ["Extractor", "Finding", "ReportTable", "build_pipeline"]
