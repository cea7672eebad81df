"""Targets (目标考核): a year's targets for the district and for each team, the measure of the monthly report."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Target, Team, User
from . import audit
from .errors import Invalid
from .pipeline import clean_amount
from .teams import clean_team_id

COUNTS = ("signed_count", "started_count", "producing_count", "trips", "receptions", "companies_visited")
AMOUNTS = ("signed_amount_wan", "out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan")
METRICS = ("signed_count", "signed_amount_wan", "started_count", "producing_count",
           "out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan", "trips", "receptions",
           "companies_visited")
COUNT_MAX = 1_000_000
FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid({"year": [_("Choose a year between %(first)d and %(last)d.", first=FIRST_YEAR,
                                  last=LAST_YEAR)]})
    return year


def _clean_count(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)) or not str(value).strip().isdigit() \
            or int(str(value).strip()) > COUNT_MAX:
        raise Invalid({field: [_("Enter a whole number from 0 to %(max)d.", max=COUNT_MAX)]})
    return int(str(value).strip())


def set_targets(year: int, data: Mapping[str, Any], *, actor: User | None) -> Target:
    """The targets given replace the year's (district when `team_id` is None, else that team's); a metric given
    as null has no target any more; those not given stay."""
    check_year(year)
    team = clean_team_id(data.get("team_id"))
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field in METRICS:
        if field not in data:
            continue
        try:
            cleaned[field] = _clean_count(data[field], field) if field in COUNTS else clean_amount(data[field], field)
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    team_id = team.id if team is not None else None
    target = _target_row(year, team_id)
    if target is None:
        try:  # two first entries at once: the second finds the first's row (the unique indexes decide)
            with db.session.begin_nested():
                target = Target(year=year, team_id=team_id)
                db.session.add(target)
                db.session.flush()
        except IntegrityError:
            target = _target_row(year, team_id)
            assert target is not None
    changes = audit.diff(target, cleaned)
    db.session.flush()
    if changes:
        audit.record(actor, "target.set", "target", target.id, {"year": year, "team_id": team_id, **changes})
    return target


def _target_row(year: int, team_id: int | None) -> Target | None:
    return db.session.scalars(select(Target).where(
        Target.year == year, Target.team_id.is_(None) if team_id is None else Target.team_id == team_id)
        .with_for_update()).first()


def _values(target: Target | None) -> dict[str, Any]:
    return {field: getattr(target, field) if target is not None else None for field in METRICS}


def year_targets(year: int) -> dict[str, Any]:
    """{"district": {metric: value|None}, "teams": [{"team_id", "name", metric...}]} for every team."""
    check_year(year)
    rows = {t.team_id: t for t in db.session.scalars(select(Target).where(Target.year == year))}
    teams = db.session.scalars(select(Team).order_by(Team.kind, Team.name, Team.id)).all()
    return {"year": year, "district": _values(rows.get(None)),
            "teams": [{"team_id": t.id, "name": t.name, **_values(rows.get(t.id))} for t in teams]}
