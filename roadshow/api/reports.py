"""API v1: the pipeline report and an event's funnel."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from ..permissions import P, require
from ..services import reports, summary
from ..services.events import get_event
from . import bp, spec
from .schemas import Problem, Wan


class Total(BaseModel):
    count: int
    amount_wan: Wan


class IndustryRow(BaseModel):
    count: int = Field(description="projects in the pipeline (not dropped) at the end of the period")
    amount_wan: Wan
    signed: int = Field(description="projects that reached `signed` within the period")
    signed_amount_wan: Wan


class EventRow(BaseModel):
    event_id: int
    title: str
    starts_at: datetime
    leads: int = Field(description="leads from the event that entered the pipeline within the period")
    leads_amount_wan: Wan
    signed: int = Field(description="projects from the event that reached `signed` within the period")
    amount_wan: Wan = Field(description="their amount")


class PeriodOut(BaseModel):
    start: date
    end: date


class PipelineReport(BaseModel):
    year: int
    quarter: int | None
    period: PeriodOut
    by_stage: dict[str, Total] = Field(description="the pipeline as it stood at the end of the period")
    signed: Total
    started: Total
    producing: Total
    out_of_province_over_100m: Total
    funds_in_place_wan: Wan = Field(description="funds in place (到位资金) during the period, all projects")
    out_of_province_over_100m_funds_wan: Wan = Field(
        description="funds in place during the period in out-of-province projects whose amount_wan ≥ 10000, "
                    "whenever they were signed: the official 亿元以上省外项目资金")
    industrial_fixed_asset_wan: Wan = Field(
        description="fixed-asset investment formed during the period by industrial projects")
    by_industry: dict[str, IndustryRow]
    by_event: list[EventRow]


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int = Field(ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)


class KindRow(BaseModel):
    invited: int
    registered: int
    checked_in: int
    interests: int
    leads: int
    leads_amount_wan: Wan
    signed: int
    amount_wan: Wan


class EventReport(BaseModel):
    event_id: int
    title: str
    invited: int
    registered: int = Field(description="attendees of confirmed registrations")
    checked_in: int
    interests: int = Field(description="guests' interests in the event's pitched projects (对接意向)")
    leads: int
    leads_amount_wan: Wan
    signed: int = Field(description="leads from the event that have reached `signed` (whenever)")
    amount_wan: Wan = Field(description="amount of the signed ones")
    by_kind: dict[str, KindRow]


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


@bp.get("/reports/pipeline")
@require(P.read_reports)
@spec.validate(resp=Response(HTTP_200=PipelineReport, **ERRORS), tags=["reports"])
def pipeline_report(query: ReportQuery):
    """The year's (or quarter's) pipeline report; periods are in Beijing time."""
    return PipelineReport.model_validate(reports.pipeline_report(query.year, query.quarter))


@bp.get("/events/<int:event_id>/report")
@require(P.read_reports)
@spec.validate(resp=Response(HTTP_200=EventReport, HTTP_404=Problem, **ERRORS), tags=["reports"])
def event_report(event_id: int):
    """An event's funnel: invited → registered → checked in → leads → signed, with amounts, by kind."""
    return EventReport.model_validate(reports.event_report(get_event(event_id)))


# --- the year summary ----------------------------------------------------------------------------

class SummaryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int = Field(ge=2000, le=2100)


class TeamCounts(BaseModel):
    team: int = Field(description="招商工作队 set up by the year's end")
    industry: int = Field(description="产业专班")
    station: int = Field(description="驻点招商组")


class TripsOut(BaseModel):
    count: int = Field(description="trips begun in the year")
    destinations: list[str] = Field(description="their cities, most visited first, then by name")


class FundOut(BaseModel):
    name: str
    fund_size_wan: Wan | None


class SummaryEvent(BaseModel):
    id: int
    title: str
    date: date


class SummaryProjects(BaseModel):
    signed: list[str]
    started: list[str]
    producing: list[str]


class YearSummary(BaseModel):
    year: int
    out_of_province_over_100m_funds_wan: Wan = Field(description="the official 亿元以上省外项目资金")
    industrial_fixed_asset_wan: Wan
    signed: Total
    started: Total
    producing: Total
    teams: TeamCounts
    stations: list[str] = Field(description="the cities of the station teams")
    trips: TripsOut
    companies_visited: int = Field(description="distinct organisations of any kind visited on the year's trips")
    receptions: int
    funds: list[FundOut] = Field(description="funds that referred a project active in the year, or were visited "
                                             "or received during it")
    agents: list[str]
    events: list[SummaryEvent] = Field(description="events held in the year")
    projects: SummaryProjects = Field(description="projects that entered each stage in the year, largest first")


@bp.get("/reports/summary")
@require(P.read_reports)
@spec.validate(resp=Response(HTTP_200=YearSummary, HTTP_422=Problem, **ERRORS), tags=["reports"])
def year_summary(query: SummaryQuery):
    """The year summary (年度招商工作综述) in figures and names; the year is Beijing's."""
    return YearSummary.model_validate(summary.year_summary(query.year))
