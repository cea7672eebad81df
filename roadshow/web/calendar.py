"""iCalendar files and the feed."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calendar", __name__)
