"""The bureau's figures: each project's money in place and fixed-asset investment, month by month, and the
official figures of a year computed from them.

A project's `amount_wan` is what was agreed (协议投资额). What the district reports is what actually arrived
(到位资金) and the fixed-asset investment actually formed (实际形成固定资产投资), entered per month. The official
亿元以上省外项目资金 is the money in place during the period in out-of-province projects whose agreed investment
is at least 1 亿元 (10,000 万元), whenever they were signed. Months are Beijing's calendar months.

Sums are exact: the same integer-fen sums as services/reports.py.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import BigInteger, and_, case, cast, func, select

from ..extensions import db
from ..models import Origin, Project, ProjectInvestment
from . import audit
from .errors import Invalid
from .locks import lock_project
from .pipeline import clean_amount

FIRST_YEAR, LAST_YEAR = 2000, 2100
OVER_100M_WAN = Decimal(10000)  # 1 亿元 in 万元
FIGURES = ("funds_in_place_wan", "fixed_asset_wan")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
ZERO = Decimal("0.00")


def parse_month(value: Any, field: str = "month") -> date:
    """'YYYY-MM' → the first day of that month; anything else → Invalid under `field`."""
    match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or not 1 <= int(match[2]) <= 12 or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise Invalid({field: [_("Enter a month as YYYY-MM, between the years %(first)d and %(last)d.",
                                 first=FIRST_YEAR, last=LAST_YEAR)]})
    return date(int(match[1]), int(match[2]), 1)


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def set_month(project: Project, month: date, data: Mapping[str, Any], *, actor: Any) -> ProjectInvestment:
    """Record a month's figures of a project (the figures given replace that month's; those not given stay).
    The project is locked first, so two entries of the same month made at once apply one after the other."""
    from .pipeline import today

    errors: dict[str, list[str]] = {}
    if month > today().replace(day=1):
        errors["month"] = [_("This month has not begun; enter figures of a past or the current month.")]
    cleaned: dict[str, Decimal] = {}
    for field in FIGURES:
        if field not in data:
            continue
        try:
            cleaned[field] = clean_amount(data[field], field) or ZERO
        except Invalid as exc:
            errors.update(exc.errors)
    if not cleaned and not errors:
        errors["funds_in_place_wan"] = [_("Enter the funds in place or the fixed-asset investment of the month.")]
    if errors:
        raise Invalid(errors)
    lock_project(project.id)
    row = db.session.scalars(select(ProjectInvestment).where(
        ProjectInvestment.project_id == project.id, ProjectInvestment.month == month)).first()
    if row is None:
        row = ProjectInvestment(project_id=project.id, month=month, funds_in_place_wan=ZERO, fixed_asset_wan=ZERO)
        db.session.add(row)
    changes = audit.diff(row, cleaned)
    db.session.flush()
    if changes:
        audit.record(actor, "project.investment", "project", project.id, {"month": month_label(month), **changes})
    return row


def project_investments(project: Project) -> dict[str, Any]:
    """A project's months, oldest first, and their totals."""
    rows = list(db.session.scalars(select(ProjectInvestment).where(ProjectInvestment.project_id == project.id)
                                   .order_by(ProjectInvestment.month)))
    return {
        "items": [{"month": month_label(r.month), "funds_in_place_wan": r.funds_in_place_wan,
                   "fixed_asset_wan": r.fixed_asset_wan} for r in rows],
        "totals": {field: sum((getattr(r, field) for r in rows), ZERO) for field in FIGURES},
    }


OFFICIAL = ("funds_in_place_wan", "out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan")


Totals = dict[int | None, dict[str, list[int]]]


def investment_totals(first_day: date, last_day: date, split: date | None = None) -> Totals:
    """The official figures of the months from `first_day` to `last_day` (inclusive) by team, in whole fen: team id
    (None: no team) → figure (`OFFICIAL`) → [the months from `split` on, all the months]; one query. A project
    counts with its team, origin, agreed investment and industrial flag as they are now.

    The fastest shape differs by database (`tests/figures/test_investment_totals.py` holds both to an independent
    sum over the rows):
    - SQLite sums NUMERIC as floats, so each month's amount is rounded to whole fen before it is added (as
      `reports.fen_sum` does). It has no hash aggregation: grouping the period's rows by team sorts them all.
      So the sum runs over each project's months first, project by project in the order of the covering index
      `ix_project_investments_sums` (one range a project, no table read, no sort), then over the projects by team.
    - PostgreSQL sums NUMERIC exactly and hashes the grouping, so one pass over the rows grouped by team and
      part of the period is the cheapest (10,000 groups of projects first cost it more than they save)."""
    later = case((ProjectInvestment.month >= (split or first_day), 1), else_=0)
    big = and_(Project.origin == Origin.out_of_province, Project.amount_wan >= OVER_100M_WAN)
    industrial = Project.industrial.is_(True)
    in_period = and_(ProjectInvestment.month >= first_day, ProjectInvestment.month <= last_day)
    funds, fixed = ProjectInvestment.funds_in_place_wan, ProjectInvestment.fixed_asset_wan
    totals: Totals = {}

    def add(team_id: int | None, is_later: bool, fen_sums: list[int]) -> None:
        team = totals.setdefault(team_id, {name: [0, 0] for name in OFFICIAL})
        for name, value in zip(OFFICIAL, fen_sums):
            team[name][1] += value
            if is_later:
                team[name][0] += value

    if db.session.get_bind().dialect.name == "postgresql":
        for team_id, is_later, *sums in db.session.execute(
                select(Project.team_id, later, func.sum(funds), func.sum(case((big, funds), else_=0)),
                       func.sum(case((industrial, fixed), else_=0)))
                .join(Project, Project.id == ProjectInvestment.project_id).where(in_period)
                .group_by(Project.team_id, later)):
            add(team_id, bool(is_later), [int(Decimal(v or 0) * 100) for v in sums])
        return totals

    def fen(column):
        return cast(func.round(column * 100), BigInteger)

    # Grouped by the primary key: the project's other columns are one value a group.
    per_project = (
        select(Project.team_id.label("team_id"), case((big, 1), else_=0).label("big"),
               case((industrial, 1), else_=0).label("industrial"),
               func.sum(fen(funds)).label("funds"), func.sum(fen(fixed)).label("fixed"),
               func.sum(case((later == 1, fen(funds)), else_=0)).label("funds_later"),
               func.sum(case((later == 1, fen(fixed)), else_=0)).label("fixed_later"))
        .select_from(Project).join(ProjectInvestment, ProjectInvestment.project_id == Project.id).where(in_period)
        .group_by(Project.id).subquery())
    p = per_project.c
    for team_id, *sums in db.session.execute(
            select(p.team_id, func.sum(p.funds_later), func.sum(case((p.big == 1, p.funds_later), else_=0)),
                   func.sum(case((p.industrial == 1, p.fixed_later), else_=0)),
                   func.sum(p.funds), func.sum(case((p.big == 1, p.funds), else_=0)),
                   func.sum(case((p.industrial == 1, p.fixed), else_=0)))
            .group_by(p.team_id)):
        values = [int(v or 0) for v in sums]
        add(team_id, True, values[:3])
        add(team_id, False, [whole - part for whole, part in zip(values[3:], values[:3])])
    return totals


def period_figures(first_day: date, last_day: date) -> dict[str, Decimal]:
    """The official figures of the months from `first_day` to `last_day` (inclusive): the district's, in one
    query (the same sums as the monthly report's, `investment_totals`)."""
    from .reports import from_fen

    totals = investment_totals(first_day, last_day).values()
    return {name: from_fen(sum(team[name][1] for team in totals)) for name in OFFICIAL}
