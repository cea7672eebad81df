"""API v1: spreadsheet exports (organiser and admin only)."""
from __future__ import annotations

from flask import g, request

from .. import downloads
from ..downloads import CSV, XLSX
from ..permissions import P, require
from ..services import pipeline
from . import bp, file_operation

PROJECT_FILTERS = ("stage", "industry", "event_id", "team_id", "mine", "q", "overdue")


@bp.get("/events/<int:event_id>/attendees.csv")
@require(P.read_personal_data)
@file_operation("/events/{event_id}/attendees.csv", summary="Attendees of an event as CSV (UTF-8 with BOM)",
                media_type=CSV, tags=["exports"], path_params=("event_id",))
def export_attendees_csv(event_id: int):
    return downloads.attendees(event_id, "csv")


@bp.get("/events/<int:event_id>/attendees.xlsx")
@require(P.read_personal_data)
@file_operation("/events/{event_id}/attendees.xlsx", summary="Attendees of an event as XLSX", media_type=XLSX,
                tags=["exports"], path_params=("event_id",))
def export_attendees_xlsx(event_id: int):
    return downloads.attendees(event_id, "xlsx")


@bp.get("/projects.csv")
@require(P.read_personal_data)
@file_operation("/projects.csv", summary="Projects with their stage dates as CSV (the pipeline's filters apply)",
                media_type=CSV, tags=["exports"], query_params=PROJECT_FILTERS)
def export_projects_csv():
    return downloads.projects("csv", pipeline.parse_filters(request.args, g.api_user))


@bp.get("/projects.xlsx")
@require(P.read_personal_data)
@file_operation("/projects.xlsx", summary="Projects with their stage dates as XLSX (the pipeline's filters apply)",
                media_type=XLSX, tags=["exports"], query_params=PROJECT_FILTERS)
def export_projects_xlsx():
    return downloads.projects("xlsx", pipeline.parse_filters(request.args, g.api_user))
