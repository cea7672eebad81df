"""Invitations imported from a spreadsheet: .csv (UTF-8 with or without BOM, or the GB18030 that
Chinese Excel writes) or .xlsx, with the header row

    organisation,kind,credit_code,contact_name,email,phone,seats

(or its Chinese names 单位名称,单位类型,统一社会信用代码,联系人,邮箱,手机,席位数). Good rows are kept, each
bad row is reported with its row number (the header is row 1) and the reason. Organisations are matched
by credit code, then exact name, never duplicated — also between rows of the same file.

`preview` runs exactly the same steps as `import_invitations` inside a savepoint that is rolled back,
so what the organiser sees before confirming is what the import will do, and nothing is written.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Event, EventStatus, Organisation, OrgKind, User
from . import audit, invitations, uploads, values
from .errors import DomainError, Gone, Invalid
from .locks import dry_run, lock_event
from .organisations import by_credit_code, clean_contact_name, clean_credit_code, find_or_create_organisation

MAX_ROWS = 2000
MAX_COLUMNS = 30
# An .xlsx is a zip: a few kilobytes can unpack to gigabytes. Refuse before openpyxl reads it.
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")

COLUMNS = ("organisation", "kind", "credit_code", "contact_name", "email", "phone", "seats")
HEADER_ZH = ("单位名称", "单位类型", "统一社会信用代码", "联系人", "邮箱", "手机", "席位数")
REQUIRED_COLUMNS = ("organisation", "contact_name")

# Header names accepted for each column (compared after strip, lower case, without spaces and '*').
ALIASES = {
    "organisation": ("organisation", "organization", "org", "单位名称", "单位", "企业名称", "机构名称", "名称"),
    "kind": ("kind", "type", "单位类型", "类型", "机构类型", "类别"),
    "credit_code": ("credit_code", "creditcode", "统一社会信用代码", "信用代码", "社会信用代码"),
    "contact_name": ("contact_name", "contact", "name", "联系人", "联系人姓名", "姓名"),
    "email": ("email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件", "邮件"),
    "phone": ("phone", "mobile", "tel", "手机", "手机号", "手机号码", "电话", "联系电话"),
    "seats": ("seats", "席位数", "席位", "人数", "名额"),
}
_HEADER = {alias: column for column, names in ALIASES.items() for alias in names}

# Kinds as organisers write them: the API words, the English and the Chinese names.
KIND_NAMES: dict[str, OrgKind] = {kind.value: kind for kind in OrgKind}
KIND_NAMES.update({
    "e-commerce": OrgKind.ecommerce, "company": OrgKind.enterprise, "investment fund": OrgKind.fund,
    "企业": OrgKind.enterprise, "公司": OrgKind.enterprise, "龙头企业": OrgKind.enterprise,
    "农业企业": OrgKind.enterprise,
    "基金": OrgKind.fund, "投资基金": OrgKind.fund, "基金公司": OrgKind.fund, "投资机构": OrgKind.fund,
    "创投": OrgKind.fund, "资本": OrgKind.fund,
    "银行": OrgKind.bank, "金融机构": OrgKind.bank,
    "孵化器": OrgKind.incubator, "孵化基地": OrgKind.incubator, "众创空间": OrgKind.incubator,
    "电商": OrgKind.ecommerce, "电子商务": OrgKind.ecommerce, "电商企业": OrgKind.ecommerce,
    "协会": OrgKind.association, "商会": OrgKind.association, "行业协会": OrgKind.association,
    "政府": OrgKind.government, "政府部门": OrgKind.government, "机关": OrgKind.government,
    "委托招商机构": OrgKind.agent, "招商代理": OrgKind.agent, "招商代理机构": OrgKind.agent, "委托招商": OrgKind.agent,
    "investment-promotion agent": OrgKind.agent,
    "其他": OrgKind.other, "其它": OrgKind.other,
})

COLUMN_LABELS = {
    "organisation": _l("Organisation"),
    "kind": _l("Kind"),
    "credit_code": _l("Credit code"),
    "contact_name": _l("Contact"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "seats": _l("Seats"),
}


class UnsupportedFile(DomainError):
    status = 415
    title = _l("Unsupported file")

    def __init__(self, detail: str):
        super().__init__(detail)
        self.errors = {"file": [detail]}


class UploadTooLarge(DomainError):
    status = 413
    title = _l("The upload is too large")

    def __init__(self, detail: str):
        super().__init__(detail)
        self.errors = {"file": [detail]}


def _file_error(message: str) -> Invalid:
    return Invalid({"file": [message]}, detail=message)


@dataclass
class Row:
    number: int  # in the file, the header being row 1
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def error(self, column: str | None, message: str) -> None:
        label = str(COLUMN_LABELS[column]) if column else ""
        # "统一社会信用代码: 统一社会信用代码无效" says the column twice; the message alone is enough.
        self.errors.append(f"{label}: {message}" if label and label not in message else message)


# ---------------------------------------------------------------------------------------------- reading

def load_upload(file) -> tuple[str, bytes]:
    """(filename, content) of a FileStorage, an open file, a Path or a (filename, bytes) pair,
    refusing anything over MAX_UPLOAD_MB without reading past the limit."""
    limit = int(current_app.config.get("MAX_UPLOAD_MB", 5)) * 1024 * 1024
    if isinstance(file, tuple):
        filename, data = file
    elif isinstance(file, (str, Path)):
        path = Path(file)
        filename = path.name
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    else:
        filename = getattr(file, "filename", None) or getattr(file, "name", "") or ""
        stream = getattr(file, "stream", file)
        data = stream.read(limit + 1)
    filename = Path(str(filename or "")).name
    if not filename.lower().endswith(EXTENSIONS):
        raise UnsupportedFile(_("Upload a .csv or .xlsx file (an Excel workbook saved as .xlsx, or CSV)."))
    if len(data) > limit:
        raise UploadTooLarge(_("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    return filename, data


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030 as Chinese Excel writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file's text could not be read: save it as CSV UTF-8 or as an Excel .xlsx file."))


def _csv_rows(data: bytes):
    text = _decode(data)
    if "\x00" in text:
        raise _file_error(_("The file's text could not be read: save it as CSV UTF-8 or as an Excel .xlsx file."))
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            yield [_cell(c) for c in record[:MAX_COLUMNS]]
    except csv.Error:
        raise _file_error(_("The CSV file is malformed (check the quotes).")) from None


# What openpyxl raises on a workbook it cannot read. ParseError: broken XML, and entity amplification
# ("billion laughs"), which Python's expat refuses (defusedxml is not installed; expat's own limit holds).
_UNREADABLE_XLSX = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, ElementTree.ParseError)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    # From the zip's declared sizes, before openpyxl decompresses anything (zip bombs).
    uploads.check_xlsx(data, field="file")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE_XLSX as exc:
        current_app.logger.info("unreadable xlsx upload: %s", exc)
        raise _file_error(_("The Excel file could not be opened: save it again as .xlsx.")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            yield [_cell(v) for v in values]
    except _UNREADABLE_XLSX as exc:
        current_app.logger.info("unreadable xlsx upload: %s", exc)
        raise _file_error(_("The Excel file could not be opened: save it again as .xlsx.")) from None
    finally:
        workbook.close()


def table_records(filename: str, data: bytes):
    """The cells of each row of an uploaded .xlsx or .csv, as strings (other imports read their files so too)."""
    if not data.strip():
        raise _file_error(_("The file is empty."))
    return _xlsx_rows(data) if filename.lower().endswith(".xlsx") else _csv_rows(data)


def _header_key(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").replace(" ", "").replace("*", "").replace("＊", "").lower()


def read_rows(file) -> tuple[str, list[Row]]:
    """The file's data rows with their row numbers; blank rows are skipped (but counted)."""
    filename, data = load_upload(file)
    if not data.strip():
        raise _file_error(_("The file is empty."))
    records = _xlsx_rows(data) if filename.lower().endswith(".xlsx") else _csv_rows(data)
    columns: dict[int, str] | None = None
    rows: list[Row] = []
    for number, cells in enumerate(records, start=1):
        if columns is None:
            if not any(cells):
                continue  # blank lines above the header
            columns = {}
            for index, cell in enumerate(cells):
                column = _HEADER.get(_header_key(cell))
                if column and column not in columns.values():
                    columns[index] = column
            missing = [c for c in REQUIRED_COLUMNS if c not in columns.values()]
            if missing:
                raise _file_error(_("The first row must be the header: %(header)s (missing: %(missing)s).",
                                    header=",".join(COLUMNS), missing=", ".join(missing)))
            continue
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise _file_error(_("The file has more than %(max)s rows; split it into smaller files.",
                                max=MAX_ROWS))
        raw = {column: (cells[index] if index < len(cells) else "") for index, column in columns.items()}
        rows.append(Row(number=number, raw={c: raw.get(c, "") for c in COLUMNS}))
    if columns is None:
        raise _file_error(_("The file is empty."))
    if not rows:
        raise _file_error(_("The file has a header but no rows of invitations."))
    return filename, rows


# ------------------------------------------------------------------------------------------ validating

def _organisation_name(value: str, field: str) -> str:
    return values.require_text(value, field, max_length=values.ORG_NAME_MAX,
                               missing=_("Enter the organisation's name."))


def _validate(row: Row) -> None:
    raw = row.raw
    row.values["organisation"] = raw["organisation"].strip()
    kind = raw["kind"].strip()
    if kind:
        found = KIND_NAMES.get(kind.lower())
        if found is None:
            row.error("kind", _(
                "Unknown kind “%(kind)s”: use 企业, 基金, 银行, 孵化器, 电商, 协会, 政府, 委托招商机构 or 其他.",
                kind=kind[:40]))
        row.values["kind"] = found
    else:
        row.values["kind"] = None
    checks = (("organisation", _organisation_name), ("credit_code", clean_credit_code),
              ("contact_name", clean_contact_name), ("email", values.clean_email),
              ("phone", values.clean_phone))
    for column, clean in checks:
        try:
            row.values[column] = clean(raw[column], column)
        except Invalid as exc:
            for messages in exc.errors.values():
                for message in messages:
                    row.error(column, message)
    seats = raw["seats"].strip()
    if not seats:
        row.values["seats"] = 1
    else:
        try:
            number = float(seats)
            if not number.is_integer():
                raise ValueError
            row.values["seats"] = invitations.clean_seats(int(number))
        except (ValueError, OverflowError, Invalid):
            row.error("seats", _("Seats must be a whole number from 1 to %(max)s.", max=invitations.MAX_SEATS))


# ------------------------------------------------------------------------------------------- running

@dataclass
class Outcome:
    row: Row
    organisation: Organisation | None = None
    organisation_id: int | None = None  # only for organisations that already existed
    match: str | None = None  # "existing", "new", or "file" (created by an earlier row of this file)
    match_row: int | None = None
    invitation_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.row.errors

    def as_dict(self) -> dict:
        values = self.row.values
        kind = values.get("kind") or (self.organisation.kind if self.organisation else None)
        return {
            "row": self.row.number,
            "organisation": values.get("organisation") or self.row.raw["organisation"],
            "kind": kind.value if kind else None,
            "credit_code": values.get("credit_code") or self.row.raw["credit_code"] or None,
            "contact_name": values.get("contact_name") or self.row.raw["contact_name"],
            "email": values.get("email", self.row.raw["email"]) or None,
            "phone": values.get("phone", self.row.raw["phone"]) or None,
            "seats": values.get("seats"),
            "match": self.match,
            "organisation_id": self.organisation_id,
            "match_row": self.match_row,
            "error": "; ".join(self.row.errors) or None,
        }


def _existing_organisation(values: dict) -> Organisation | None:
    from sqlalchemy import select

    if values.get("credit_code"):
        found = by_credit_code(values["credit_code"])
        if found is not None:
            return found
    return db.session.scalar(select(Organisation).where(Organisation.name == values["organisation"])
                             .order_by(Organisation.id))


def _run(event: Event, rows: list[Row], actor: User | None) -> list[Outcome]:
    outcomes = []
    created_by_row: dict[int, int] = {}  # organisation id → the row that created it
    for row in rows:
        outcome = Outcome(row=row)
        outcomes.append(outcome)
        _validate(row)
        if row.errors:
            continue
        values = row.values
        try:
            with db.session.begin_nested():
                existing = _existing_organisation(values)
                kind = values["kind"] or (existing.kind if existing is not None else None)
                if kind is None:
                    raise Invalid({"kind": [_("Give the kind for a new organisation.")]})
                org, created = find_or_create_organisation(values["organisation"], kind,
                                                           credit_code=values["credit_code"], actor=actor)
                invitation = invitations.create_invitation(
                    event, organisation=org, contact_name=values["contact_name"], email=values["email"],
                    phone=values["phone"], seats=values["seats"], actor=actor, lock=False)
        except Invalid as exc:
            for column, messages in exc.errors.items():
                for message in messages:
                    row.error(column if column in COLUMN_LABELS else None, message)
            continue
        except DomainError as exc:
            row.error(None, exc.detail)
            continue
        outcome.organisation = org
        outcome.invitation_id = invitation.id
        if created:
            created_by_row[org.id] = row.number
            outcome.match = "new"
        elif org.id in created_by_row:
            outcome.match, outcome.match_row = "file", created_by_row[org.id]
        else:
            outcome.match, outcome.organisation_id = "existing", org.id
    return outcomes


def _errors(outcomes: list[Outcome]) -> list[dict]:
    return [{"row": o.row.number, "message": "; ".join(o.row.errors)} for o in outcomes if not o.ok]


def _check_event(event: Event) -> None:
    if event.status is EventStatus.cancelled:
        raise Gone(_("This event has been cancelled."))


def preview(event: Event, file, actor: User | None = None) -> dict:
    """What importing the file would do: {"rows": [...], "errors": [...], "created": N}. Writes nothing."""
    _check_event(event)
    filename, rows = read_rows(file)
    with dry_run():
        outcomes = _run(event, rows, actor)
        result = {"filename": filename, "rows": [o.as_dict() for o in outcomes],
                  "errors": _errors(outcomes), "created": sum(1 for o in outcomes if o.ok)}
    return result


def import_invitations(event: Event, file, actor: User | None = None) -> dict:
    """Create the invitations of the good rows; report the bad ones.
    Returns {"created": N, "errors": [{"row", "message"}], "invitation_ids": [...]}."""
    _check_event(event)
    filename, rows = read_rows(file)
    event = lock_event(event.id)  # one writer of this event's invitations at a time
    _check_event(event)
    outcomes = _run(event, rows, actor)
    created = [o.invitation_id for o in outcomes if o.ok]
    errors = _errors(outcomes)
    audit.record(actor, "invitation.import", "event", event.id,
                 {"filename": filename, "rows": len(rows), "created": len(created), "errors": len(errors)})
    return {"created": len(created), "errors": errors, "invitation_ids": created}
