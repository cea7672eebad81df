"""API v1: teams (招商工作队, 产业专班, 驻点招商组) and projects' follow-up records (跟进记录)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from flask import g
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from spectree import Response

from ..models import FollowUp, Team
from ..permissions import P, require
from ..services import follow_ups, pipeline
from ..services import teams as service
from . import bp, spec
from .schemas import Page, PageQuery, Problem

TeamKindName = Literal["team", "industry", "station"]
FollowUpKindName = Literal["call", "visit", "meeting", "reception", "message", "other"]
ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=service.NAME_MAX)
    kind: TeamKindName = Field(description="team 招商工作队, industry 产业专班, station 驻点招商组 (needs its city)")
    leader_id: int | None = Field(None, description="a user")
    member_ids: list[int] = Field(default_factory=list, max_length=service.MEMBERS_MAX, description="users")
    city: str | None = Field(None, max_length=service.CITY_MAX)
    industry: str | None = Field(None, max_length=service.INDUSTRY_MAX)


class TeamPatch(BaseModel):
    """Only the fields sent change; `member_ids`, when sent, is the whole new list."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=service.NAME_MAX)
    kind: TeamKindName | None = None
    leader_id: int | None = None
    member_ids: list[int] | None = Field(None, max_length=service.MEMBERS_MAX)
    city: str | None = Field(None, max_length=service.CITY_MAX)
    industry: str | None = Field(None, max_length=service.INDUSTRY_MAX)


class UserRef(BaseModel):
    id: int
    name: str


def _ref(user) -> UserRef | None:
    return UserRef(id=user.id, name=user.name or user.email) if user is not None else None


class TeamCounts(BaseModel):
    projects: int
    trips: int
    receptions: int


class TeamOut(BaseModel):
    id: int
    name: str
    kind: TeamKindName
    city: str | None
    industry: str | None
    leader_id: int | None
    leader: UserRef | None
    member_ids: list[int]
    members: list[UserRef]
    counts: TeamCounts
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, t: Team, counts: service.TeamWork | None = None) -> TeamOut:
        if counts is None:
            counts = service.work_counts().get(t.id, service.TeamWork())
        return cls(id=t.id, name=t.name, kind=t.kind.value, city=t.city, industry=t.industry,
                   leader_id=t.leader_id, leader=_ref(t.leader), member_ids=[u.id for u in t.members],
                   members=[UserRef(id=u.id, name=u.name or u.email) for u in t.members],
                   counts=TeamCounts(projects=counts.projects, trips=counts.trips, receptions=counts.receptions),
                   created_at=t.created_at, updated_at=t.updated_at)


class TeamQuery(PageQuery):
    kind: TeamKindName | None = None


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime = Field(description="when it happened; never in the future")
    kind: FollowUpKindName
    note: str = Field(min_length=1, max_length=follow_ups.NOTE_MAX)
    next_step: str | None = Field(None, max_length=follow_ups.NEXT_STEP_MAX)
    next_follow_up: date | None = Field(None, description="becomes the project's next_follow_up")


class FollowUpOut(BaseModel):
    id: int
    project_id: int
    at: datetime
    kind: FollowUpKindName
    note: str
    next_step: str | None
    next_follow_up: date | None
    user: UserRef | None
    created_at: datetime

    @classmethod
    def of(cls, f: FollowUp) -> FollowUpOut:
        return cls(id=f.id, project_id=f.project_id, at=f.at, kind=f.kind.value, note=f.note,
                   next_step=f.next_step, next_follow_up=f.next_follow_up, user=_ref(f.user),
                   created_at=f.created_at)


@bp.post("/teams")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=TeamOut, **ERRORS), tags=["teams"])
def create_team(json: TeamIn):
    """Create a team with its leader and members (users)."""
    team = service.create_team(json.model_dump(), actor=g.api_user)
    return TeamOut.of(team), 201


@bp.get("/teams")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Page[TeamOut], **ERRORS), tags=["teams"])
def list_teams(query: TeamQuery):
    """Teams, by kind and name, with their members and how many projects, trips and receptions they hold."""
    rows = service.list_teams(query.kind)
    counts = service.work_counts()
    start = (query.page - 1) * query.per_page
    items = [TeamOut.of(t, counts.get(t.id, service.TeamWork())) for t in rows[start:start + query.per_page]]
    return Page[TeamOut](items=items, total=len(rows), page=query.page, per_page=query.per_page)


@bp.get("/teams/<int:team_id>")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=TeamOut, HTTP_404=Problem, **ERRORS), tags=["teams"])
def get_team(team_id: int):
    """One team."""
    return TeamOut.of(service.get_team(team_id))


@bp.patch("/teams/<int:team_id>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=TeamOut, HTTP_404=Problem, **ERRORS), tags=["teams"])
def update_team(team_id: int, json: TeamPatch):
    """Change a team; `member_ids`, when sent, replaces the members."""
    team = service.update_team(service.get_team(team_id), json.model_dump(exclude_unset=True), actor=g.api_user)
    return TeamOut.of(team)


@bp.post("/projects/<int:project_id>/follow-ups")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=FollowUpOut, HTTP_404=Problem, **ERRORS), tags=["projects"])
def add_follow_up(project_id: int, json: FollowUpIn):
    """Record a follow-up (跟进记录); its `next_follow_up` becomes the project's."""
    record = follow_ups.add_follow_up(pipeline.get_project(project_id), json.model_dump(), actor=g.api_user)
    return FollowUpOut.of(record), 201


@bp.get("/projects/<int:project_id>/follow-ups")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Page[FollowUpOut], HTTP_404=Problem, **ERRORS), tags=["projects"])
def list_follow_ups(project_id: int, query: PageQuery):
    """A project's follow-up records, newest first."""
    rows = follow_ups.list_follow_ups(pipeline.get_project(project_id))
    start = (query.page - 1) * query.per_page
    return Page[FollowUpOut](items=[FollowUpOut.of(f) for f in rows[start:start + query.per_page]],
                             total=len(rows), page=query.page, per_page=query.per_page)
