"""API v1: reports."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
