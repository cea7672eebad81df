"""API v1: the bureau's figures — each project's monthly funds in place and fixed-asset investment, the year's
targets and the monthly report."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask import g
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from spectree import Response

from ..permissions import P, require
from ..services import figures, monthly, pipeline, targets
from . import bp, spec
from .projects import AmountIn
from .schemas import Problem, Wan


class InvestmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    funds_in_place_wan: AmountIn | None = None
    fixed_asset_wan: AmountIn | None = None


class InvestmentOut(BaseModel):
    month: str
    funds_in_place_wan: Wan
    fixed_asset_wan: Wan


class InvestmentTotals(BaseModel):
    funds_in_place_wan: Wan
    fixed_asset_wan: Wan


class Investments(BaseModel):
    items: list[InvestmentOut]
    totals: InvestmentTotals


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem)


@bp.put("/projects/<int:project_id>/investments/<month>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=InvestmentOut, HTTP_422=Problem, **ERRORS), tags=["figures"])
def put_investment(project_id: int, month: str, json: InvestmentIn):
    """A month's figures of a project (month as YYYY-MM): the funds that arrived (到位资金) and the fixed-asset
    investment formed (实际形成固定资产投资), in 万元. The figures given replace the month's; those left out stay."""
    project = pipeline.get_project(project_id)
    row = figures.set_month(project, figures.parse_month(month), json.model_dump(exclude_unset=True),
                            actor=g.api_user)
    return InvestmentOut(month=figures.month_label(row.month), funds_in_place_wan=row.funds_in_place_wan,
                         fixed_asset_wan=row.fixed_asset_wan)


@bp.get("/projects/<int:project_id>/investments")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Investments, **ERRORS), tags=["figures"])
def list_investments(project_id: int):
    """A project's monthly figures, oldest first, with their totals."""
    return Investments.model_validate(figures.project_investments(pipeline.get_project(project_id)))


# --- targets and the monthly report -----------------------------------------------------------

Count = Annotated[int, Field(ge=0, le=targets.COUNT_MAX)]


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: int | None = Field(None, description="null: the district's targets")
    signed_count: Count | None = None
    signed_amount_wan: AmountIn | None = None
    started_count: Count | None = None
    producing_count: Count | None = None
    out_of_province_over_100m_funds_wan: AmountIn | None = None
    industrial_fixed_asset_wan: AmountIn | None = None
    trips: Count | None = None
    receptions: Count | None = None
    companies_visited: Count | None = None


class TargetValues(BaseModel):
    signed_count: int | None
    signed_amount_wan: Wan | None
    started_count: int | None
    producing_count: int | None
    out_of_province_over_100m_funds_wan: Wan | None
    industrial_fixed_asset_wan: Wan | None
    trips: int | None
    receptions: int | None
    companies_visited: int | None


class TeamTargets(TargetValues):
    team_id: int
    name: str


class YearTargets(BaseModel):
    year: int
    district: TargetValues
    teams: list[TeamTargets]


# A count (an int) or an amount in 万元 (a Decimal, a number with at most 2 decimals in JSON).
Number = Annotated[Decimal | int, PlainSerializer(lambda d: d if isinstance(d, int) else float(d), return_type=float,
                                                  when_used="json")]


class MetricOut(BaseModel):
    month: Number
    year_to_date: Number
    target: Number | None
    completion: float | None = Field(description="year_to_date / target; null without a target")


class MetricsOut(BaseModel):
    signed_count: MetricOut
    signed_amount_wan: MetricOut
    started_count: MetricOut
    producing_count: MetricOut
    out_of_province_over_100m_funds_wan: MetricOut
    industrial_fixed_asset_wan: MetricOut
    trips: MetricOut
    receptions: MetricOut
    companies_visited: MetricOut


class TeamMetricsOut(MetricsOut):
    team_id: int
    name: str
    rank: int
    score: float | None = Field(description="the mean completion of the metrics the team has targets for")


class FollowUpRef(BaseModel):
    at: datetime
    kind: str
    note: str


class StalledOut(BaseModel):
    project_id: int
    name: str
    stage: str
    since: date
    days: int
    flag: Literal["yellow", "red"]
    team_id: int | None
    team: str | None
    last_follow_up: FollowUpRef | None


class MonthlyReport(BaseModel):
    month: str
    district: MetricsOut
    teams: list[TeamMetricsOut]
    stalled: list[StalledOut]


class MonthQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


@bp.put("/targets/<int:year>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=YearTargets, HTTP_422=Problem, **ERRORS), tags=["figures"])
def put_targets(year: int, json: TargetIn):
    """Set the year's targets of the district (`team_id` null) or of one team: the metrics given replace the
    year's, a metric given as null has no target any more, those left out stay."""
    targets.set_targets(year, json.model_dump(exclude_unset=True) | {"team_id": json.team_id}, actor=g.api_user)
    return YearTargets.model_validate(targets.year_targets(year))


@bp.get("/targets/<int:year>")
@require(P.read_reports)
@spec.validate(resp=Response(HTTP_200=YearTargets, HTTP_422=Problem, **ERRORS), tags=["figures"])
def get_targets(year: int):
    """The year's targets: the district's and every team's (null: no target)."""
    return YearTargets.model_validate(targets.year_targets(year))


@bp.get("/reports/monthly")
@require(P.read_reports)
@spec.validate(resp=Response(HTTP_200=MonthlyReport, HTTP_422=Problem, **ERRORS), tags=["reports"])
def monthly_report(query: MonthQuery):
    """The monthly report (月调度): the month and the year to date against the targets, for the district and each
    team (ranked), and the stalled projects with their flags."""
    return MonthlyReport.model_validate(monthly.monthly_report(figures.parse_month(query.month)))
