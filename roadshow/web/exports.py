"""Console downloads of the spreadsheet exports (roadshow/downloads.py, which the API serves too)."""
from __future__ import annotations

from flask import Blueprint, request

from .. import downloads
from ..permissions import P, current_actor, require
from ..services import pipeline

bp = Blueprint("exports", __name__)


@bp.get("/events/<int:event_id>/export/attendees.<any(csv, xlsx):fmt>")
@require(P.read_personal_data)
def attendees(event_id: int, fmt: str):
    return downloads.attendees(event_id, fmt)


@bp.get("/pipeline/export/projects.<any(csv, xlsx):fmt>")
@require(P.read_personal_data)
def projects(fmt: str):
    return downloads.projects(fmt, pipeline.parse_filters(request.args, current_actor()))
