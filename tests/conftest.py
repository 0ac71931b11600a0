from __future__ import annotations

import os

import pytest

from pet2rep_metrics import Extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """One extractor for the whole session: pipelines are built once."""
    return Extractor()


# Markers whose tests must run, not skip (CI sets PET2REP_REQUIRE=reference,compiled,ray: there the
# comparisons with pycocoevalcap's jars and the compiled METEOR search cannot pass by skipping).
_REQUIRED = {m.strip() for m in os.environ.get("PET2REP_REQUIRE", "").split(",") if m.strip()}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    required = _REQUIRED & {mark.name for mark in item.iter_markers()}
    if report.skipped and required:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, but PET2REP_REQUIRE names {sorted(required)}: {reason}"
