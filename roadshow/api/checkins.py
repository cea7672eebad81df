"""API v1: checkins."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
