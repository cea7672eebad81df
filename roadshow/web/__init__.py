"""HTML blueprints, one per area."""
from __future__ import annotations

from flask import request

# Far beyond any real list (50 a page), and small enough that the OFFSET fits SQLite's 64-bit integer.
MAX_PAGE = 100_000


def page_number(name: str = "page") -> int:
    """The ?page= of a list page: 1 when missing or not a number, never below 1 nor above MAX_PAGE
    (a page past the end is simply empty)."""
    value = (request.args.get(name) or "").strip()
    if not value.isdigit() or not value.isascii():
        return 1
    return min(max(int(value), 1), MAX_PAGE) if len(value) <= 12 else MAX_PAGE
