"""Tickets' QR images, the door page, badges and the organiser's live check-in view."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checkin", __name__)
