"""Console: an event's invitations, import with preview, sending."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("invitations", __name__, url_prefix="/events/<int:event_id>/invitations")
