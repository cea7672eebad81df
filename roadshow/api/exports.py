"""API v1: spreadsheet exports (organiser and admin only)."""
from __future__ import annotations

from ..permissions import P, require
from ..web.exports import attendees_response, projects_response
from . import bp, file_operation

CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/events/<int:event_id>/attendees.csv")
@require(P.read_personal_data)
@file_operation("/events/{event_id}/attendees.csv", summary="Attendees of an event as CSV (UTF-8 with BOM)",
                media_type=CSV, tags=["exports"], path_params=("event_id",))
def export_attendees_csv(event_id: int):
    return attendees_response(event_id, "csv")


@bp.get("/events/<int:event_id>/attendees.xlsx")
@require(P.read_personal_data)
@file_operation("/events/{event_id}/attendees.xlsx", summary="Attendees of an event as XLSX", media_type=XLSX,
                tags=["exports"], path_params=("event_id",))
def export_attendees_xlsx(event_id: int):
    return attendees_response(event_id, "xlsx")


@bp.get("/projects.csv")
@require(P.read_personal_data)
@file_operation("/projects.csv", summary="All projects with their stage dates as CSV", media_type=CSV,
                tags=["exports"])
def export_projects_csv():
    return projects_response("csv")


@bp.get("/projects.xlsx")
@require(P.read_personal_data)
@file_operation("/projects.xlsx", summary="All projects with their stage dates as XLSX", media_type=XLSX,
                tags=["exports"])
def export_projects_xlsx():
    return projects_response("xlsx")
