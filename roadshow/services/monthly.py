"""The monthly report (月调度): for the district and each team, the month and the year to date against the year's
targets, the completion rates and the teams' ranking, and the stalled projects with their flags.

Months are Beijing's calendar months. Every figure is a grouped query over the whole table (by team and by
"in the month or earlier in the year"), so the report costs the same few queries whatever the number of projects.
A project counts for its team (`projects.team_id`); the district counts every project, trip and reception.

Stalled projects, counted to the end of the month (to today for the current month): signed and not started for
90 days (yellow) or 180 (red); started and not producing for 365 (yellow) or 540 (red) — `STALLED_DAYS` in the
configuration changes the thresholds.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    FollowUp,
    FollowUpKind,
    Project,
    Reception,
    Stage,
    StageChange,
    Team,
    Trip,
    TripVisit,
)
from . import pipeline
from .figures import investment_totals
from .pipeline import SHANGHAI
from .reports import fen_sum, from_fen
from .targets import AMOUNTS, METRICS, year_targets

STALLED_DAYS = {"signed": (90, 180), "started": (365, 540)}  # yellow, red
STAGE_METRICS = {Stage.signed: "signed_count", Stage.started: "started_count", Stage.producing: "producing_count"}


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


class _Tally:
    """metric → team id (None: no team) → [month, year to date]."""

    def __init__(self) -> None:
        self.values: dict[str, dict[int | None, list[Any]]] = {}

    def add(self, metric: str, team_id: int | None, in_month: bool, value: Any) -> None:
        zero: Any = Decimal("0.00") if metric in AMOUNTS else 0
        slot = self.values.setdefault(metric, {}).setdefault(team_id, [zero, zero])
        slot[1] += value
        if in_month:
            slot[0] += value

    def of(self, metric: str, team_id: int | None) -> list[Any]:
        zero: Any = Decimal("0.00") if metric in AMOUNTS else 0
        return self.values.get(metric, {}).get(team_id, [zero, zero])

    def district(self, metric: str) -> list[Any]:
        zero: Any = Decimal("0.00") if metric in AMOUNTS else 0
        slots = self.values.get(metric, {}).values()
        return [sum((s[0] for s in slots), zero), sum((s[1] for s in slots), zero)]


def _tally(month: date) -> tuple[_Tally, dict[str, list[int]], dict[int | None, list[int]]]:
    year_start, month_end = date(month.year, 1, 1), _next_month(month)
    start, m_start, end = _moment(year_start), _moment(month), _moment(month_end)
    tally = _Tally()

    # Stages entered: each project once per stage, at the first time it entered it this year.
    first = (select(StageChange.project_id, StageChange.to_stage, func.min(StageChange.at).label("at"))
             .where(StageChange.to_stage.in_(list(STAGE_METRICS)), StageChange.at >= start, StageChange.at < end)
             .group_by(StageChange.project_id, StageChange.to_stage).subquery())
    in_month = case((first.c.at >= m_start, 1), else_=0)
    for stage, team_id, is_month, count, fen in db.session.execute(
            select(first.c.to_stage, Project.team_id, in_month, func.count(), fen_sum(Project.amount_wan))
            .join(Project, Project.id == first.c.project_id).group_by(first.c.to_stage, Project.team_id, in_month)):
        tally.add(STAGE_METRICS[Stage(stage)], team_id, bool(is_month), int(count))
        if stage == Stage.signed:
            tally.add("signed_amount_wan", team_id, bool(is_month), from_fen(fen))

    # Money in place and fixed assets formed, month by month: the same sums as the year's official figures.
    for team_id, sums in investment_totals(year_start, month_end - timedelta(days=1), split=month).items():
        for metric in ("out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan"):
            month_fen, ytd = sums[metric]
            tally.add(metric, team_id, False, from_fen(ytd - month_fen))
            tally.add(metric, team_id, True, from_fen(month_fen))

    # Trips (by the day they began) and receptions.
    for metric, model, day in (("trips", Trip, Trip.starts_on), ("receptions", Reception, Reception.date)):
        in_month = case((day >= month, 1), else_=0)
        for team_id, is_month, count in db.session.execute(
                select(model.team_id, in_month, func.count()).where(day >= year_start, day < month_end)
                .group_by(model.team_id, in_month)):
            tally.add(metric, team_id, bool(is_month), int(count))

    # Companies visited: distinct organisations, so the month and the year are counted apart, and the district
    # apart from its teams (a company two teams visited is one company).
    visited_teams: dict[int | None, list[int]] = {}
    visited_district = [0, 0]
    for index, first_day in enumerate((month, year_start)):
        window = and_(Trip.starts_on >= first_day, Trip.starts_on < month_end)
        for team_id, count in db.session.execute(
                select(Trip.team_id, func.count(func.distinct(TripVisit.organisation_id)))
                .join(Trip, Trip.id == TripVisit.trip_id).where(window).group_by(Trip.team_id)):
            visited_teams.setdefault(team_id, [0, 0])[index] = int(count)
        visited_district[index] = int(db.session.scalar(
            select(func.count(func.distinct(TripVisit.organisation_id))).join(Trip, Trip.id == TripVisit.trip_id)
            .where(window)) or 0)
    return tally, {"companies_visited": visited_district}, visited_teams


def _metric(values: list[Any], target: Any) -> dict[str, Any]:
    month_value, ytd = values
    completion = None
    if target is not None and target > 0:
        completion = round(float(Decimal(ytd) / Decimal(target)), 4)
    return {"month": month_value, "year_to_date": ytd, "target": target, "completion": completion}


def reference_day(month: date) -> date:
    """Stalled days are counted to the month's last day, or to today in the current month."""
    today = pipeline.today()
    last = _next_month(month) - timedelta(days=1)
    return min(last, today) if month <= today else last


def _local_date(column):
    """The Beijing calendar day of a UTC instant, in SQL (SQLite keeps naive UTC text; China has kept UTC+8
    since 1991)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(SHANGHAI.key, column))
    return func.date(column, "+8 hours")


def _stalled_rows(month: date, limit: int | None = None, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The stalled projects in the report's order (red first, then the longest stalled, then by id), `limit`
    of them from `offset` (all without a limit), and how many there are in all."""
    day = reference_day(month)
    ref = _moment(day + timedelta(days=1))
    thresholds = {**STALLED_DAYS, **(current_app.config.get("STALLED_DAYS") or {})}
    limits = [(Stage(name), tuple(pair)) for name, pair in thresholds.items()
              if name in (Stage.signed.value, Stage.started.value)]

    def past(days: int):  # the Beijing day of the change is at most `day - days`
        return StageChange.at < _moment(day - timedelta(days=days - 1))

    # The latest stage change and follow-up before the moment, each as "no later one" (NOT EXISTS): a plan
    # that stays an index probe a project whatever the planner knows. (Joined to max(id) grouped by project,
    # PostgreSQL without statistics — a bulk load autovacuum has not analysed yet — looped 4,581 × 10,000
    # rows at 10,000 projects: 5 s.)
    later_change = aliased(StageChange)
    # Only the projects past their yellow threshold: in Beijing days, since <= day - yellow, i.e. before the
    # moment the day after (day - yellow) begins. Plain columns, not ORM objects: thousands of rows at 10,000.
    overdue = or_(*(and_(StageChange.to_stage == stage, past(yellow)) for stage, (yellow, _red) in limits))
    red = case((or_(*(and_(StageChange.to_stage == stage, past(red_days)) for stage, (_yellow, red_days) in limits)),
                0), else_=1)
    since_day = _local_date(StageChange.at)
    # The page is chosen in SQL, in the report's order (by the Beijing day: days stalled, not the hour), with
    # the count of the whole list beside each row; only the page's rows then get their latest follow-up.
    page = (select(StageChange.project_id, StageChange.to_stage, StageChange.at, red.label("red"),
                   since_day.label("since_day"), func.count().over().label("total"))
            .where(StageChange.at < ref, StageChange.to_stage.in_([Stage.signed, Stage.started]), overdue,
                   ~exists().where(later_change.project_id == StageChange.project_id, later_change.at < ref,
                                   later_change.id > StageChange.id))
            .order_by(red, since_day, StageChange.project_id).offset(offset))
    if limit is not None:
        page = page.limit(limit)
    page_sq = page.subquery()
    fu, later_follow_up = aliased(FollowUp), aliased(FollowUp)
    rows = db.session.execute(
        select(Project.id, Project.name, Project.team_id, page_sq.c.to_stage, page_sq.c.at, page_sq.c.total,
               fu.id, fu.at, fu.kind, fu.note)
        .select_from(page_sq).join(Project, Project.id == page_sq.c.project_id)
        .outerjoin(fu, and_(fu.project_id == Project.id, fu.at < ref,
                            ~exists().where(later_follow_up.project_id == fu.project_id, later_follow_up.at < ref,
                                            later_follow_up.id > fu.id)))
        .order_by(page_sq.c.red, page_sq.c.since_day, page_sq.c.project_id)).all()
    teams: dict[int | None, str] = {i: n for i, n in db.session.execute(select(Team.id, Team.name))} if rows else {}
    out = []
    total = rows[0].total if rows else 0
    for project_id, name, team_id, stage, since, _total, follow_up_id, follow_up_at, kind, note in rows:
        yellow, red_days = thresholds[Stage(stage).value]
        days = (day - since.astimezone(SHANGHAI).date()).days
        out.append({"project_id": project_id, "name": name, "stage": Stage(stage).value,
                    "since": since.astimezone(SHANGHAI).date(), "days": days,
                    "flag": "red" if days >= red_days else "yellow", "team_id": team_id, "team": teams.get(team_id),
                    "last_follow_up": None if follow_up_id is None else {
                        "at": follow_up_at, "kind": FollowUpKind(kind).value, "note": note}})
    if not rows and offset:  # past the end: the count alone
        total = int(db.session.scalar(select(func.count()).select_from(page.limit(None).offset(None).subquery()))
                    or 0)
    return out, int(total)


def stalled(month: date) -> list[dict[str, Any]]:
    """Projects signed and not started, or started and not producing, for too long at the reference day: red
    first, then the longest stalled, then by project id."""
    return _stalled_rows(month)[0]


def stalled_page(month: date, page: int, per_page: int) -> dict[str, Any]:
    """One page of `stalled(month)` (pages from 1; one past the end gives the last page): `{"items", "total",
    "page", "per_page", "pages"}`. The database sorts and counts; only the page's rows are fetched."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    page = max(page, 1)
    items, total = _stalled_rows(month, per_page, (page - 1) * per_page)
    pages = max(-(-total // per_page), 1)
    if not items and page > pages:
        page = pages
        items, total = _stalled_rows(month, per_page, (page - 1) * per_page)
        pages = max(-(-total // per_page), 1)
    return {"items": items, "total": total, "page": page, "per_page": per_page, "pages": pages}


def monthly_report(month: date, with_stalled: bool = True) -> dict[str, Any]:
    """The report; `with_stalled=False` leaves out the stalled list (the console page asks for it a page at
    a time: `stalled_page`)."""
    tally, district_visited, teams_visited = _tally(month)
    targets = year_targets(month.year)

    def block(values_of, target_of) -> dict[str, Any]:
        return {metric: _metric(values_of(metric), target_of.get(metric)) for metric in METRICS}

    district = block(lambda m: district_visited[m] if m == "companies_visited" else tally.district(m),
                     targets["district"])
    teams = []
    for team in targets["teams"]:
        tid = team["team_id"]
        metrics = block(lambda m, tid=tid: teams_visited.get(tid, [0, 0]) if m == "companies_visited"
                        else tally.of(m, tid), team)
        rates = [m["completion"] for m in metrics.values() if m["completion"] is not None]
        teams.append({"team_id": tid, "name": team["name"], **metrics,
                      "score": round(sum(rates) / len(rates), 4) if rates else None})
    # The ranking: the mean completion of the metrics a team has targets for; teams without targets last.
    teams.sort(key=lambda t: (t["score"] is None, -(t["score"] or 0), t["name"]))
    for rank, team in enumerate(teams, start=1):
        team["rank"] = rank
    report: dict[str, Any] = {"month": f"{month.year:04d}-{month.month:02d}", "district": district, "teams": teams}
    if with_stalled:
        report["stalled"] = stalled(month)
    return report


def monthly_workbook(report: dict[str, Any]):
    """The monthly report as an XLSX file: the district, the teams' ranking and the stalled projects; counts
    as whole numbers, 万元 as exact numbers with two decimals, completion rates as percentages."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..labels import METRIC, STAGE
    from .exports import force_text, xlsx_text

    wan, percent = "#,##0.00", "0.0%"
    wb = Workbook()
    wb.remove(wb.active)

    def sheet(title: str, header: list[str], rows: list[list[Any]], formats: dict[int, str]) -> None:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([xlsx_text(v) if isinstance(v, str) else v for v in row])
            force_text(ws[ws.max_row])
            for col, number_format in formats.items():
                ws.cell(ws.max_row, col).number_format = number_format
        for i, text in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, min(44, len(str(text)) * 2 + 4))
        ws.freeze_panes = "A2"

    def formats_for(metric: str, first: int) -> dict[int, str]:
        number = wan if metric in AMOUNTS else "0"
        return {first: number, first + 1: number, first + 2: number, first + 3: percent}

    header = [_("Indicator"), _("This month"), _("Year to date"), _("Target"), _("Completion")]
    district_rows = []
    for metric in METRICS:
        m = report["district"][metric]
        district_rows.append([str(METRIC[metric]), m["month"], m["year_to_date"], m["target"], m["completion"]])
    sheet(_("District %(month)s", month=report["month"]), header, district_rows, {})
    ws = wb.worksheets[-1]
    for row_number, metric in enumerate(METRICS, start=2):  # each indicator its own number format
        for col, number_format in formats_for(metric, 2).items():
            ws.cell(row_number, col).number_format = number_format

    team_header = [_("Rank"), _("Team"), _("Completion")]
    team_rows: list[list[Any]] = []
    team_formats = {3: percent}
    for metric in METRICS:
        team_header += [f"{METRIC[metric]} · {_('Year to date')}", f"{METRIC[metric]} · {_('Target')}"]
    for team in report["teams"]:
        row: list[Any] = [team["rank"], team["name"], team["score"]]
        for metric in METRICS:
            row += [team[metric]["year_to_date"], team[metric]["target"]]
        team_rows.append(row)
    for index, metric in enumerate(METRICS):
        number = wan if metric in AMOUNTS else "0"
        team_formats[4 + 2 * index] = number
        team_formats[5 + 2 * index] = number
    sheet(_("Teams"), team_header, team_rows, team_formats)

    flags = {"yellow": _("Yellow"), "red": _("Red")}
    sheet(_("Stalled projects"),
          [_("Flag"), _("Project"), _("Stage"), _("Since"), _("Days"), _("Team"), _("Last follow-up")],
          [[str(flags[s["flag"]]), s["name"], str(STAGE[Stage(s["stage"])]), s["since"], s["days"], s["team"] or "",
            (s["last_follow_up"]["note"] if s["last_follow_up"] else "")] for s in report["stalled"]], {})
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out
