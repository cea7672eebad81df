"""The bureau's monthly spreadsheet of figures (月度到位资金和固定资产投资), imported with a row-by-row preview.

Header row (Chinese or English names): 项目名称 (or 项目编号), 月份, 到位资金（万元）, 实际形成固定资产投资（万元）.
Each good row sets that month of that project as `figures.set_month` does (the figures in the row replace the
month's; an empty cell leaves that figure as it was); each bad row is reported with its row number (the header is
row 1) and why. `preview` runs the same steps in a savepoint that is rolled back: what the organiser sees before
confirming is what the import will do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Project, User
from . import audit, figures
from .errors import DomainError, Invalid
from .imports import MAX_ROWS, load_upload, table_records
from .locks import dry_run

ALIASES = {
    "project": ("项目名称", "项目", "project", "name", "projectname"),
    "project_id": ("项目编号", "项目id", "project_id", "projectid", "id"),
    "month": ("月份", "年月", "month"),
    "funds_in_place_wan": ("到位资金", "到位资金(万元)", "到位资金（万元）", "funds_in_place_wan", "fundsinplace"),
    "fixed_asset_wan": ("实际形成固定资产投资", "固定资产投资", "实际形成固定资产投资(万元)",
                        "实际形成固定资产投资（万元）", "固定资产投资（万元）", "固定资产投资(万元)", "fixed_asset_wan",
                        "fixedassets"),
}
_HEADER = {alias.lower(): column for column, names in ALIASES.items() for alias in names}
HEADER_ZH = ("项目名称", "月份", "到位资金（万元）", "实际形成固定资产投资（万元）")
# 2023-07, 2023/7, 2023.7, 2023年7月, and the date an Excel cell holds (2023-07-01T00:00:00)
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*月)?(?:[-/.]\d{1,2}(?:T[\d:]+)?)?")


@dataclass
class Row:
    number: int
    raw: dict[str, str]
    project: Project | None = None
    month: str | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.number, "project_id": self.project.id if self.project else None,
                "project": self.project.name if self.project else self.raw.get("project") or self.raw.get("project_id"),
                "month": self.month or self.raw.get("month"),
                "funds_in_place_wan": self.raw.get("funds_in_place_wan") or None,
                "fixed_asset_wan": self.raw.get("fixed_asset_wan") or None,
                "error": "; ".join(self.errors) or None}


def _file_error(message: str) -> Invalid:
    return Invalid({"file": [message]}, detail=message)


def _key(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").replace(" ", "").replace("*", "").replace("＊", "").lower()


def read_rows(file) -> tuple[str, list[Row]]:
    filename, data = load_upload(file)
    columns: dict[int, str] | None = None
    rows: list[Row] = []
    for number, cells in enumerate(table_records(filename, data), start=1):
        if columns is None:
            if not any(cells):
                continue
            columns = {}
            for index, cell in enumerate(cells):
                column = _HEADER.get(_key(cell))
                if column and column not in columns.values():
                    columns[index] = column
            if not ({"project", "project_id"} & set(columns.values()) and "month" in columns.values()):
                raise _file_error(_("The first row must be the header: %(header)s.", header=",".join(HEADER_ZH)))
            continue
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise _file_error(_("The file has more than %(max)s rows; split it into smaller files.", max=MAX_ROWS))
        rows.append(Row(number, {column: (cells[i] if i < len(cells) else "") for i, column in columns.items()}))
    if columns is None:
        raise _file_error(_("The file is empty."))
    if not rows:
        raise _file_error(_("The file has a header but no rows of figures."))
    return filename, rows


def _project(row: Row) -> Project | None:
    ident = (row.raw.get("project_id") or "").strip()
    if ident:
        project = db.session.get(Project, int(ident)) if ident.isdigit() and len(ident) < 10 else None
        if project is None:
            row.errors.append(_("No project has the number %(id)s.", id=ident))
        return project
    name = (row.raw.get("project") or "").strip()
    if not name:
        row.errors.append(_("Give the project's name."))
        return None
    found = list(db.session.scalars(select(Project).where(Project.name == name).limit(2)))
    if not found:
        row.errors.append(_("No project is named %(name)s.", name=name))
        return None
    if len(found) > 1:
        row.errors.append(_("Several projects are named %(name)s: give the project's number.", name=name))
        return None
    return found[0]


def _run(rows: list[Row], actor: User | None) -> int:
    done = 0
    for row in rows:
        row.project = _project(row)
        match = _MONTH.fullmatch((row.raw.get("month") or "").strip())
        row.month = f"{int(match[1]):04d}-{int(match[2]):02d}" if match else None
        if row.errors or row.project is None:
            continue
        data = {name: row.raw[name] for name in figures.FIGURES if (row.raw.get(name) or "").strip()}
        try:
            with db.session.begin_nested():
                figures.set_month(row.project, figures.parse_month(row.month or row.raw.get("month")), data,
                                  actor=actor)
        except Invalid as exc:
            row.errors.extend(m for messages in exc.errors.values() for m in messages)
            continue
        except DomainError as exc:
            row.errors.append(exc.detail)
            continue
        done += 1
    return done


def preview(file, actor: User | None = None) -> dict[str, Any]:
    """What importing the file would do: {"filename", "rows": [...], "good": N, "bad": N}. Writes nothing."""
    filename, rows = read_rows(file)
    with dry_run():
        good = _run(rows, actor)
        return {"filename": filename, "rows": [r.as_dict() for r in rows], "good": good, "bad": len(rows) - good}


def import_figures(file, actor: User | None = None) -> dict[str, Any]:
    """Record the good rows; report the bad ones: {"imported": N, "errors": [{"row", "message"}]}."""
    filename, rows = read_rows(file)
    good = _run(rows, actor)
    errors = [{"row": r.number, "message": "; ".join(r.errors)} for r in rows if r.errors]
    audit.record(actor, "investment.import", "import", None,
                 {"filename": filename, "rows": len(rows), "imported": good, "errors": len(errors)})
    return {"imported": good, "errors": errors}
