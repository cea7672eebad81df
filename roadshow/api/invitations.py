"""API v1: invitations."""
from __future__ import annotations

from . import bp, spec  # noqa: F401
