"""Visits fixtures: the pipeline's clock frozen after the test year (2031), as in tests/pipeline."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

FROZEN_NOW = datetime(2032, 2, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock(monkeypatch):
    from roadshow.services import pipeline

    monkeypatch.setattr(pipeline, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW
