"""The investment pipeline: board, projects, follow-ups, lead capture and reports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pipeline", __name__)
