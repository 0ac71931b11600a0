from __future__ import annotations

import pytest

from pet2rep_metrics import Extractor


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    """One extractor for the whole session: pipelines are built once."""
    return Extractor()
