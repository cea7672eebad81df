"""API v1: events."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
