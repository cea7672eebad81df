"""Console: events, their page with live counts, publish and cancel."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")
