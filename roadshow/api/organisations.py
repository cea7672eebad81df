"""API v1: organisations."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
