"""Pipeline fixtures: a clock frozen after the test year (`industries` is in tests/conftest.py).

Reports are tested in 2031, a year no other test touches. A stage change can never be dated in the
future, so the pipeline's clock is set to 2032-02-01 (UTC) for these tests.
"""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

FROZEN_NOW = datetime(2032, 2, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock(monkeypatch):
    from roadshow.services import pipeline

    monkeypatch.setattr(pipeline, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW
