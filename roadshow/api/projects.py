"""API v1: leads and projects (the investment pipeline)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from flask import g, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from spectree import Response

from ..extensions import db
from ..models import Event, Project, StageChange
from ..permissions import P, require
from ..services import pipeline, visits
from ..services.events import get_event
from ..services.values import ID_MAX
from . import bp, spec
from .schemas import Page, PageQuery, Problem, Wan

StageName = Literal["lead", "negotiating", "signed", "started", "producing", "dropped"]
OriginName = Literal["local", "in_province", "out_of_province", "foreign"]

# 万元 in: a JSON number (or numeric string) ≥ 0, < 10^10, at most 2 decimals → exact Decimal.
AmountIn = Annotated[Decimal, Field(ge=0, lt=10 ** 10, decimal_places=2, allow_inf_nan=False,
                                    description="万元 (10,000 yuan), at most 2 decimals")]


REFERRED_BY = "The investment fund or commissioned agent (organisation of kind fund or agent) that referred it."


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: int
    attendee_id: int | None = None
    name: str = Field(min_length=1, max_length=200)
    industry: str | None = Field(None, max_length=50)
    amount_wan: AmountIn | None = None
    out_of_province: bool | None = Field(None, description="true exactly when origin is out_of_province")
    origin: OriginName | None = Field(None, description="setting it sets out_of_province (and the other way)")
    industrial: bool = Field(False, description="an industrial project (工业项目)")
    next_follow_up: date | None = None
    notes: str | None = Field(None, max_length=5000)
    team_id: int | None = Field(None, description="a team (GET /api/v1/teams); default: the industry's 产业专班")
    officer_id: int | None = Field(None, description="the user who follows the project")
    stage_changed_at: AwareDatetime | None = Field(None, description="when the lead was met; default now, "
                                                   "never in the future")


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    organisation_id: int | None = None
    attendee_id: int | None = None
    source_event_id: int | None = None
    industry: str | None = Field(None, max_length=50)
    amount_wan: AmountIn | None = None
    out_of_province: bool | None = Field(None, description="true exactly when origin is out_of_province")
    origin: OriginName | None = Field(None, description="setting it sets out_of_province (and the other way)")
    industrial: bool = Field(False, description="an industrial project (工业项目)")
    team_id: int | None = Field(None, description="a team (GET /api/v1/teams); default: the industry's 产业专班")
    officer_id: int | None = Field(None, description="the user who follows the project")
    next_follow_up: date | None = None
    notes: str | None = Field(None, max_length=5000)
    referred_by_id: int | None = Field(None, description=REFERRED_BY)
    stage: StageName = "lead"
    stage_note: str | None = Field(None, max_length=2000)
    stage_changed_at: AwareDatetime | None = Field(None, description="when the project entered `stage`; default now")


class ProjectPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    organisation_id: int | None = None
    attendee_id: int | None = None
    source_event_id: int | None = None
    industry: str | None = Field(None, max_length=50)
    amount_wan: AmountIn | None = None
    out_of_province: bool | None = None
    origin: OriginName | None = None
    industrial: bool | None = None
    team_id: int | None = None
    officer_id: int | None = None
    next_follow_up: date | None = None
    notes: str | None = Field(None, max_length=5000)
    referred_by_id: int | None = Field(None, description=REFERRED_BY)
    stage: StageName | None = None
    stage_note: str | None = Field(None, max_length=2000)
    stage_changed_at: AwareDatetime | None = Field(None, description="back-dates the stage change; never in the future")


class Ref(BaseModel):
    id: int
    name: str


class EventRef(BaseModel):
    id: int
    title: str


class SourceOut(BaseModel):
    """Where the project came from: an event, a trip or a reception; else the referring fund or agent
    (`referral`, `id` the organisation); else `direct` (`id` null)."""

    type: Literal["event", "trip", "reception", "referral", "direct"]
    id: int | None


class ProjectOut(BaseModel):
    id: int
    name: str
    organisation_id: int | None
    organisation: Ref | None
    attendee_id: int | None
    source_event_id: int | None
    source_event: EventRef | None
    source: SourceOut
    source_trip_id: int | None
    source_reception_id: int | None
    referred_by_id: int | None
    referred_by: Ref | None
    related_project_id: int | None = Field(description="the pitched project whose interest made this lead")
    industry: str | None
    amount_wan: Wan | None
    out_of_province: bool
    origin: OriginName | None
    industrial: bool
    stage: StageName
    stage_changed_at: datetime | None
    team_id: int | None
    team: str | None = Field(description="the team's name")
    officer_id: int | None
    officer: str | None = Field(description="the officer's name")
    next_follow_up: date | None
    overdue: bool
    notes: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: Project) -> ProjectOut:
        event = db.session.get(Event, p.source_event_id) if p.source_event_id else None
        return cls(
            id=p.id, name=p.name, organisation_id=p.organisation_id,
            organisation=Ref(id=p.organisation.id, name=p.organisation.name) if p.organisation else None,
            attendee_id=p.attendee_id, source_event_id=p.source_event_id,
            source_event=EventRef(id=event.id, title=event.title) if event else None,
            source=SourceOut(type=visits.source_of(p)[0], id=visits.source_of(p)[1]),
            source_trip_id=p.source_trip_id, source_reception_id=p.source_reception_id,
            referred_by_id=p.referred_by_id,
            referred_by=Ref(id=p.referred_by.id, name=p.referred_by.name) if p.referred_by else None,
            related_project_id=p.related_project_id,
            industry=p.industry, amount_wan=p.amount_wan, out_of_province=p.out_of_province,
            origin=p.origin.value if p.origin else None, industrial=p.industrial,
            stage=p.stage.value, stage_changed_at=p.history[-1].at if p.history else None,
            team_id=p.team_id, team=p.team.name if p.team else None, officer_id=p.officer_id,
            officer=(p.officer.name or p.officer.email) if p.officer else None, next_follow_up=p.next_follow_up,
            overdue=bool(p.next_follow_up and p.next_follow_up < pipeline.today() and p.stage.value != "dropped"),
            notes=p.notes, created_at=p.created_at, updated_at=p.updated_at)


class UserRef(BaseModel):
    id: int
    name: str
    email: str


class StageChangeOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    id: int
    from_: StageName | None = Field(alias="from")
    to: StageName
    at: datetime
    user: UserRef | None
    note: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, c: StageChange, users: dict) -> StageChangeOut:
        user = users.get(c.user_id)
        return cls(id=c.id, from_=c.from_stage.value if c.from_stage else None, to=c.to_stage.value, at=c.at,
                   user=UserRef(id=user.id, name=user.name, email=user.email) if user else None,
                   note=c.note, recorded_at=c.recorded_at)


class History(BaseModel):
    """All of a project's stage changes in one page (a project has a handful)."""

    project_id: int
    items: list[StageChangeOut]
    total: int
    page: int = 1
    per_page: int


class ProjectQuery(PageQuery):
    stage: StageName | None = None
    industry: str | None = Field(None, max_length=pipeline.FILTER_TEXT_MAX)
    event_id: int | None = Field(None, ge=1, le=ID_MAX)
    team_id: int | None = Field(None, ge=1, le=ID_MAX)
    mine: bool = Field(False, description="the caller's projects: officer, or the project's team leader or member")
    q: str | None = Field(None, max_length=pipeline.SEARCH_MAX)
    overdue: bool = False


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


@bp.post("/events/<int:event_id>/leads")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=ProjectOut, HTTP_404=Problem, **ERRORS), tags=["projects"])
def capture_lead(event_id: int, json: LeadIn):
    """Capture a lead met at an event: a project in stage `lead` with the event as its source."""
    event = get_event(event_id)
    fields = json.model_dump(exclude={"stage_changed_at"})
    project = pipeline.capture_lead(event, actor=g.api_user, captured_at=json.stage_changed_at, **fields)
    return ProjectOut.of(project), 201


@bp.get("/projects")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Page[ProjectOut], **ERRORS), tags=["projects"])
def list_projects(query: ProjectQuery):
    """Projects, filtered by stage, industry, source event, team, "mine", search text (name or organisation)
    and overdue follow-ups; most recently changed first."""
    # the board's and the exports' parser; `query` documents it
    filters = pipeline.parse_filters(request.args, g.api_user)
    rows, total = pipeline.list_projects(filters, query.page, query.per_page)
    return Page[ProjectOut](items=[ProjectOut.of(p) for p in rows], total=total, page=query.page,
                            per_page=query.per_page)


@bp.post("/projects")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=ProjectOut, **ERRORS), tags=["projects"])
def create_project(json: ProjectIn):
    """Enter a project directly, optionally already in a later stage from a past date."""
    fields = json.model_dump(exclude={"stage", "stage_note", "stage_changed_at"})
    for name in ("out_of_province", "origin"):
        if fields[name] is None:
            del fields[name]  # one given decides the other (services/pipeline.py, _clean_origin)
    project = pipeline.create_project(fields, actor=g.api_user, stage=json.stage, stage_note=json.stage_note,
                                      stage_changed_at=json.stage_changed_at)
    return ProjectOut.of(project), 201


@bp.get("/projects/<int:project_id>")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=ProjectOut, HTTP_404=Problem, **ERRORS), tags=["projects"])
def get_project(project_id: int):
    """One project."""
    return ProjectOut.of(pipeline.get_project(project_id))


@bp.patch("/projects/<int:project_id>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=ProjectOut, HTTP_404=Problem, **ERRORS), tags=["projects"])
def update_project(project_id: int, json: ProjectPatch):
    """Change any field. A new `stage` records {from, to, at, user, note}: `stage_changed_at` back-dates it
    (never in the future), `stage_note` explains it (required when moving backwards)."""
    project = pipeline.get_project(project_id)  # update_project locks it
    fields = json.model_dump(exclude_unset=True, exclude={"stage", "stage_note", "stage_changed_at"})
    pipeline.update_project(project, fields, actor=g.api_user, stage=json.stage, stage_note=json.stage_note,
                            stage_changed_at=json.stage_changed_at)
    return ProjectOut.of(project)


@bp.get("/projects/<int:project_id>/history")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=History, HTTP_404=Problem, **ERRORS), tags=["projects"])
def project_history(project_id: int):
    """The project's stage changes, oldest first."""
    project = pipeline.get_project(project_id)
    users = pipeline.users_by_id(c.user_id for c in project.history)
    items = [StageChangeOut.of(c, users) for c in project.history]
    return History(project_id=project.id, items=items, total=len(items), per_page=max(len(items), 1))
