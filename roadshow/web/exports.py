"""Console downloads of the spreadsheet exports; the API serves the same responses."""
from __future__ import annotations

from flask import Blueprint, Response, request, send_file, stream_with_context
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event
from ..permissions import P, require
from ..services import exports
from ..services.errors import NotFound

bp = Blueprint("exports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(columns, rows, fmt: str, filename: str, sheet: str) -> Response:
    if fmt == "csv":
        response = Response(stream_with_context(exports.csv_stream(columns, rows)), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.mimetype_params["charset"] = "utf-8"
    else:
        response = send_file(exports.xlsx_file(columns, rows, sheet), mimetype=XLSX, as_attachment=True,
                             download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def attendees_response(event_id: int, fmt: str) -> Response:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound()
    return _file(exports.ATTENDEE_COLUMNS, exports.attendee_rows(event), fmt,
                 exports.attendees_filename(event, fmt), _("Attendees"))


def projects_response(fmt: str, filters=None) -> Response:
    return _file(exports.PROJECT_COLUMNS, exports.project_rows(filters), fmt, f"projects.{fmt}", _("Projects"))


def project_filters(args) -> "object":
    """The pipeline's filters (?stage=&industry=&event_id=&team=&q=&overdue=) from a query string;
    unknown or malformed values are ignored, as on the board."""
    from ..services.pipeline import Filters, Stage

    stage = args.get("stage")
    event_id = args.get("event_id", type=int)
    return Filters(stage=Stage(stage) if stage in Stage.__members__ else None,
                   industry=(args.get("industry") or None), team=(args.get("team") or None),
                   event_id=event_id if event_id is not None and 0 < event_id < 2**31 else None,
                   q=(args.get("q") or "")[:200] or None, overdue=args.get("overdue") in ("1", "true", "on"))


@bp.get("/events/<int:event_id>/export/attendees.<any(csv, xlsx):fmt>")
@require(P.read_personal_data)
def attendees(event_id: int, fmt: str):
    return attendees_response(event_id, fmt)


@bp.get("/pipeline/export/projects.<any(csv, xlsx):fmt>")
@require(P.read_personal_data)
def projects(fmt: str):
    return projects_response(fmt, project_filters(request.args))
