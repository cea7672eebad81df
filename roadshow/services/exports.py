"""Spreadsheet exports for organisers: attendees of an event, and the project pipeline.

Both formats stream: rows come from the database in batches (`yield_per`), CSV is written row by
row to the response, XLSX through openpyxl's write-only workbook (rows go to a temporary file, not
memory). Every text cell goes through `neutralise` (OWASP CSV injection) — one function for every
export and both formats.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, func, select

from ..extensions import db
from ..labels import ORG_KIND, STAGE
from ..models import (
    Attendee,
    CheckIn,
    CheckInStatus,
    Event,
    Organisation,
    Project,
    Registration,
    RegistrationStatus,
    Stage,
    StageChange,
    Team,
    User,
)
from .questions import answers_for_event, display, list_questions

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000


def neutralise(value: str) -> tuple[str, bool]:
    """(text, dangerous): text a spreadsheet would run as a formula is flagged.

    CSV gets a leading apostrophe so Excel and WPS show it as text; XLSX keeps the text but writes
    it as a string cell, never a formula (see `_xlsx_cell`)."""
    dangerous = value.startswith(FORMULA_TRIGGERS)
    return value, dangerous


def csv_text(value: str) -> str:
    text, dangerous = neutralise(value)
    return "'" + text if dangerous else text


def _date_reached_header(stage: Stage) -> str:
    return _("Date reached: %(stage)s", stage=str(STAGE[stage]))


@dataclass
class Column:
    header: Callable[[], str]  # translated at export time, in the request's language
    width: int
    kind: str = "text"  # text | int | money | datetime | date


def _registration_status_label(status: RegistrationStatus) -> str:
    return {
        RegistrationStatus.pending: _("Awaiting approval"),
        RegistrationStatus.confirmed: _("Confirmed"),
        RegistrationStatus.waitlisted: _("Waitlisted"),
        RegistrationStatus.cancelled: _("Cancelled"),
        RegistrationStatus.rejected: _("Rejected"),
    }[status]


# --- attendees ---------------------------------------------------------------------------------

ATTENDEE_COLUMNS = [
    Column(lambda: _("Organisation"), 32),
    Column(lambda: _("Organisation type"), 12),
    Column(lambda: _("Unified social credit code"), 22),
    Column(lambda: _("Attendee"), 14),
    Column(lambda: _("Job title"), 16),
    Column(lambda: _("Mobile phone"), 16),
    Column(lambda: _("Email"), 28),
    Column(lambda: _("Registration status"), 12),
    Column(lambda: _("Ticket"), 12),
    Column(lambda: _("Checked in at"), 18, "datetime"),
    Column(lambda: _("Check-in device"), 16),
]


def attendee_columns(event: Event) -> list[Column]:
    """ATTENDEE_COLUMNS, then one column per registration question of the event, in its order."""
    return ATTENDEE_COLUMNS + [Column(partial(str, q.label), 20) for q in list_questions(event)]


def attendee_rows(event: Event) -> Iterator[list[Any]]:
    """One row per attendee; each carries its registration's answers (one cell per question, as the
    person reads it; hostile text is neutralised by the writers like every other cell)."""
    asked = list_questions(event)
    answers = answers_for_event(event) if asked else {}
    zone = ZoneInfo(event.timezone or "Asia/Shanghai")
    stmt = (
        select(Registration.id, Organisation.name, Organisation.kind, Organisation.credit_code, Attendee.name,
               Attendee.title,
               Attendee.phone, Attendee.email, Registration.status, Attendee.ticket_code, CheckIn.scanned_at,
               CheckIn.device)
        .join(Registration, Attendee.registration_id == Registration.id)
        .join(Organisation, Registration.organisation_id == Organisation.id)
        .outerjoin(CheckIn, and_(CheckIn.attendee_id == Attendee.id, CheckIn.status == CheckInStatus.active))
        .where(Registration.event_id == event.id)
        .order_by(Registration.id, Attendee.position, Attendee.id)
        .execution_options(yield_per=BATCH)
    )
    # Labels translated once per export, not per row: 20,000 rows would look them up 60,000 times.
    kinds = {kind: str(label) for kind, label in ORG_KIND.items()}
    statuses = {status: _registration_status_label(status) for status in RegistrationStatus}
    checked_in, issued, no_ticket = _("Checked in"), _("Issued"), _("None")
    for reg_id, org, kind, code, name, title, phone, email, status, ticket, scanned_at, device \
            in db.session.execute(stmt):
        if status is RegistrationStatus.cancelled:
            # Cancelling deletes the data (privacy notice); until the purge has run, the export shows none.
            title = phone = email = None
        ticket_state = checked_in if scanned_at is not None else issued if ticket else no_ticket
        given = answers.get(reg_id, {})
        yield [org, kinds[kind], code, name, title, phone, email, statuses[status],
               ticket_state, scanned_at.astimezone(zone).replace(tzinfo=None) if scanned_at else None, device,
               *[display(q, given[q.id]) if q.id in given else None for q in asked]]


# --- projects ----------------------------------------------------------------------------------

PROJECT_COLUMNS = [
    Column(lambda: _("Project ID"), 8, "int"),
    Column(lambda: _("Project"), 32),
    Column(lambda: _("Organisation"), 30),
    Column(lambda: _("Industry"), 16),
    Column(lambda: _("Industry team"), 18),
    Column(lambda: _("Officer"), 12),
    Column(lambda: _("Stage"), 10),
    Column(lambda: _("Amount (10k yuan)"), 14, "money"),
    Column(lambda: _("Out of province"), 10),
    Column(lambda: _("Source event"), 28),
    Column(lambda: _("Next follow-up"), 12, "date"),
    Column(lambda: _("Notes"), 40),
    *[Column(partial(_date_reached_header, s), 14, "date")
      for s in (Stage.lead, Stage.negotiating, Stage.signed, Stage.started, Stage.producing, Stage.dropped)],
]


def project_rows(filters=None) -> Iterator[list[Any]]:
    """All projects, or those matching `filters` (services.pipeline.Filters), oldest first."""
    shanghai = ZoneInfo("Asia/Shanghai")
    reached = (select(StageChange.project_id, StageChange.to_stage, func.min(StageChange.at).label("at"))
               .group_by(StageChange.project_id, StageChange.to_stage).subquery())
    dates: dict[int, dict[Stage, date]] = {}
    for project_id, stage, at in db.session.execute(select(reached)):
        if at is not None:  # UTCDateTime gives aware datetimes on both databases
            dates.setdefault(project_id, {})[Stage(stage)] = at.astimezone(shanghai).date()
    stmt = (select(Project, Organisation.name, Event.title, Team.name,
                   func.coalesce(func.nullif(User.name, ""), User.email))
            .outerjoin(Organisation, Project.organisation_id == Organisation.id)
            .outerjoin(Event, Project.source_event_id == Event.id)
            .outerjoin(Team, Project.team_id == Team.id)
            .outerjoin(User, Project.officer_id == User.id)
            .order_by(Project.id).execution_options(yield_per=BATCH))
    if filters is not None:
        from .pipeline import project_query

        stmt = stmt.where(Project.id.in_(project_query(filters).with_only_columns(Project.id)))
    yes, no = _("Yes"), _("No")
    stages = {stage: str(label) for stage, label in STAGE.items()}
    for project, org_name, event_title, team_name, officer_name in db.session.execute(stmt):
        d = dates.get(project.id, {})
        yield [project.id, project.name, org_name, project.industry, team_name, officer_name,
               stages[project.stage], project.amount_wan, yes if project.out_of_province else no, event_title,
               project.next_follow_up, project.notes,
               *[d.get(s) for s in (Stage.lead, Stage.negotiating, Stage.signed, Stage.started, Stage.producing,
                                    Stage.dropped)]]


# --- writers -----------------------------------------------------------------------------------

def csv_stream(columns: list[Column], rows: Iterable[list[Any]]) -> Iterator[str]:
    """UTF-8 with BOM (so Chinese Excel opens it right), one chunk per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow([csv_text(c.header()) for c in columns])
    yield "\ufeff" + flush()
    for row in rows:
        writer.writerow([_csv_value(v, c) for v, c in zip(row, columns)])
        yield flush()


def _csv_value(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "money":
        return f"{Decimal(value):.2f}"
    if column.kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M")
    if column.kind == "date":
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return str(value)
    return csv_text(str(value))


def xlsx_text(value: str) -> str:
    """Text an .xlsx can hold: XML forbids most control characters, and openpyxl refuses them."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def force_text(cells) -> None:
    """Cells of an ordinary (not write-only) sheet: text stays text, never a formula."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _xlsx_cell(sheet, value: Any, column: Column) -> WriteOnlyCell:
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if column.kind == "money":
        cell = WriteOnlyCell(sheet, value=Decimal(value).quantize(Decimal("0.01")))
        cell.number_format = "#,##0.00"
        return cell
    if column.kind == "datetime":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if column.kind == "date":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if column.kind == "int":
        return WriteOnlyCell(sheet, value=int(value))
    cell = WriteOnlyCell(sheet, value=xlsx_text(str(value)))
    # Never a formula, whatever the text starts with: openpyxl would make "=…" a formula cell.
    cell.data_type = "s"
    return cell


def xlsx_file(columns: list[Column], rows: Iterable[list[Any]], title: str) -> tempfile.SpooledTemporaryFile:
    """A write-only workbook (bounded memory) in a temporary file, positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = _xlsx_cell(sheet, column.header(), Column(column.header, column.width))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v, c) for v, c in zip(row, columns)])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(out)
    out.seek(0)
    return out


def attendees_filename(event: Event, extension: str) -> str:
    return f"attendees-event-{event.id}.{extension}"
