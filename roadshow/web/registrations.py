"""Console: an event's registrations, approval and rejection."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("registrations", __name__, url_prefix="/events/<int:event_id>/registrations")
