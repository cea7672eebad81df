"""API v1: registrations."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
