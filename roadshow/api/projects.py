"""API v1: projects."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
