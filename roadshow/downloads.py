"""The spreadsheet exports as HTTP downloads: the console (web/exports.py) and the API (api/exports.py)
serve the same files from here."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, send_file, stream_with_context
from flask_babel import gettext as _

from .services import exports
from .services.events import get_event
from .services.pipeline import Filters

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(columns: Sequence[Any], rows: Iterable[Any], fmt: str, filename: str, sheet: str) -> Response:
    if fmt == "csv":
        response = Response(stream_with_context(exports.csv_stream(columns, rows)), mimetype=CSV)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.mimetype_params["charset"] = "utf-8"
    else:
        response = send_file(exports.xlsx_file(columns, rows, sheet), mimetype=XLSX, as_attachment=True,
                             download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def attendees(event_id: int, fmt: str) -> Response:
    """An event's attendees as CSV or XLSX."""
    event = get_event(event_id)
    return _file(exports.attendee_columns(event), exports.attendee_rows(event), fmt,
                 exports.attendees_filename(event, fmt), _("Attendees"))


def projects(fmt: str, filters: Filters | None = None) -> Response:
    """The pipeline's projects (filtered as on the board) as CSV or XLSX."""
    return _file(exports.PROJECT_COLUMNS, exports.project_rows(filters), fmt, f"projects.{fmt}", _("Projects"))
