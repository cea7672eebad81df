"""API v1: receptions (客商接待) and trips (外出招商), and the leads captured from them."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from flask import g
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from spectree import Response

from ..models import Reception, Trip
from ..permissions import P, require
from ..services import visits as service
from ..services.values import ID_MAX
from . import bp, spec
from .projects import AmountIn, OriginName, ProjectOut, Ref
from .schemas import Page, PageQuery, Problem

ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)
# An id of a record: what the database's integer columns hold.
Id = Annotated[int, Field(ge=1, le=ID_MAX)]


class ReceptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    organisation_ids: list[Id] = Field(min_length=1, max_length=service.ORGANISATIONS_MAX,
                                        description="The visiting organisations (1 or more).")
    visitors: int = Field(1, ge=1, le=service.VISITORS_MAX, description="How many people came.")
    team_id: Id | None = Field(None, description="The hosting team.")
    hosts: str | None = Field(None, max_length=service.HOSTS_MAX, description="Who received them (names).")
    purpose: str | None = Field(None, max_length=service.PURPOSE_MAX)
    project_ids: list[Id] = Field([], max_length=service.PROJECTS_MAX, description="Projects discussed.")
    notes: str | None = Field(None, max_length=service.NOTES_MAX)


class ReceptionPatch(BaseModel):
    """Only the fields sent change; a list sent replaces the old one."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = None
    organisation_ids: list[Id] | None = Field(None, min_length=1, max_length=service.ORGANISATIONS_MAX)
    visitors: int | None = Field(None, ge=1, le=service.VISITORS_MAX)
    team_id: Id | None = None
    hosts: str | None = Field(None, max_length=service.HOSTS_MAX)
    purpose: str | None = Field(None, max_length=service.PURPOSE_MAX)
    project_ids: list[Id] | None = Field(None, max_length=service.PROJECTS_MAX)
    notes: str | None = Field(None, max_length=service.NOTES_MAX)


class ReceptionOut(BaseModel):
    id: int
    date: dt.date
    visitors: int
    team_id: int | None
    team: Ref | None
    hosts: str | None
    purpose: str | None
    organisation_ids: list[int]
    organisations: list[Ref]
    project_ids: list[int]
    projects: list[Ref]
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, r: Reception) -> ReceptionOut:
        return cls(id=r.id, date=r.date, visitors=r.visitors, team_id=r.team_id,
                   team=Ref(id=r.team.id, name=r.team.name) if r.team else None, hosts=r.hosts, purpose=r.purpose,
                   organisation_ids=[o.id for o in r.organisations],
                   organisations=[Ref(id=o.id, name=o.name) for o in r.organisations],
                   project_ids=[p.id for p in r.projects], projects=[Ref(id=p.id, name=p.name) for p in r.projects],
                   notes=r.notes, created_at=r.created_at, updated_at=r.updated_at)


class VisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: Id
    date: dt.date | None = Field(None, description="A day of the trip.")
    note: str | None = Field(None, max_length=service.VISIT_NOTE_MAX)


class TripIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: Id
    destination: str = Field(min_length=1, max_length=service.DESTINATION_MAX, description="The city.")
    starts_on: dt.date
    ends_on: dt.date = Field(description="Not before `starts_on` (422).")
    leader: str | None = Field(None, max_length=service.LEADER_MAX)
    members: str | None = Field(None, max_length=service.MEMBERS_MAX, description="Who went (names).")
    visits: list[VisitIn] = Field([], max_length=service.VISITS_MAX, description="The companies visited.")
    notes: str | None = Field(None, max_length=service.NOTES_MAX, description="What came of it.")


class TripPatch(BaseModel):
    """Only the fields sent change; `visits`, when sent, is the whole new list."""

    model_config = ConfigDict(extra="forbid")

    team_id: Id | None = None
    destination: str | None = Field(None, min_length=1, max_length=service.DESTINATION_MAX)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    leader: str | None = Field(None, max_length=service.LEADER_MAX)
    members: str | None = Field(None, max_length=service.MEMBERS_MAX)
    visits: list[VisitIn] | None = Field(None, max_length=service.VISITS_MAX)
    notes: str | None = Field(None, max_length=service.NOTES_MAX)


class VisitOut(BaseModel):
    id: int
    organisation_id: int
    organisation: Ref
    date: dt.date | None
    note: str | None


class TripOut(BaseModel):
    id: int
    team_id: int
    team: Ref
    destination: str
    starts_on: dt.date
    ends_on: dt.date
    leader: str | None
    members: str | None
    visits: list[VisitOut]
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, t: Trip) -> TripOut:
        return cls(id=t.id, team_id=t.team_id, team=Ref(id=t.team.id, name=t.team.name), destination=t.destination,
                   starts_on=t.starts_on, ends_on=t.ends_on, leader=t.leader, members=t.members,
                   visits=[VisitOut(id=v.id, organisation_id=v.organisation_id,
                                    organisation=Ref(id=v.organisation.id, name=v.organisation.name),
                                    date=v.date, note=v.note) for v in t.visits],
                   notes=t.notes, created_at=t.created_at, updated_at=t.updated_at)


class VisitQuery(PageQuery):
    year: int | None = Field(None, ge=service.YEAR_MIN, le=service.YEAR_MAX,
                             description="Receptions on a day of the year; trips that started in it.")
    team_id: int | None = Field(None, ge=1, le=ID_MAX)


class VisitLeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: Id
    name: str = Field(min_length=1, max_length=200)
    industry: str | None = Field(None, max_length=50)
    amount_wan: AmountIn | None = None
    out_of_province: bool | None = Field(None, description="true exactly when origin is out_of_province")
    origin: OriginName | None = Field(None, description="setting it sets out_of_province (and the other way)")
    industrial: bool = Field(False, description="an industrial project (工业项目)")
    next_follow_up: dt.date | None = None
    notes: str | None = Field(None, max_length=5000)
    team_id: int | None = Field(None, description="Default: the trip's or reception's team.")
    officer_id: int | None = Field(None, description="the user who follows the project")
    stage_changed_at: AwareDatetime | None = Field(None, description="When the lead was met; default now, "
                                                                     "never in the future.")


# --- receptions --------------------------------------------------------------------------------

@bp.post("/receptions")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=ReceptionOut, **ERRORS), tags=["receptions and trips"])
def create_reception(json: ReceptionIn):
    """Record one 接待批次: the visiting organisations, how many came, the hosting team and hosts."""
    return ReceptionOut.of(service.create_reception(json.model_dump(), actor=g.api_user)), 201


@bp.get("/receptions")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Page[ReceptionOut], **ERRORS), tags=["receptions and trips"])
def list_receptions(query: VisitQuery):
    """Receptions, newest first, of a year and of a team."""
    rows, total = service.list_receptions(service.VisitFilters(query.year, query.team_id), query.page,
                                          query.per_page)
    return Page[ReceptionOut](items=[ReceptionOut.of(r) for r in rows], total=total, page=query.page,
                              per_page=query.per_page)


@bp.get("/receptions/<int:reception_id>")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=ReceptionOut, HTTP_404=Problem, **ERRORS), tags=["receptions and trips"])
def get_reception(reception_id: int):
    """One reception."""
    return ReceptionOut.of(service.get_reception(reception_id))


@bp.patch("/receptions/<int:reception_id>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=ReceptionOut, HTTP_404=Problem, **ERRORS), tags=["receptions and trips"])
def update_reception(reception_id: int, json: ReceptionPatch):
    """Change some fields of a reception."""
    reception = service.get_reception(reception_id)
    return ReceptionOut.of(service.update_reception(reception, json.model_dump(exclude_unset=True),
                                                    actor=g.api_user))


@bp.delete("/receptions/<int:reception_id>")
@require(P.manage_projects)
@spec.validate(resp=Response("HTTP_204", HTTP_404=Problem, HTTP_409=Problem, **ERRORS),
               tags=["receptions and trips"])
def delete_reception(reception_id: int):
    """Delete a reception entered by mistake; 409 when leads were captured from it."""
    service.delete_reception(service.get_reception(reception_id), actor=g.api_user)
    return "", 204


@bp.post("/receptions/<int:reception_id>/leads")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=ProjectOut, HTTP_404=Problem, **ERRORS), tags=["receptions and trips"])
def capture_reception_lead(reception_id: int, json: VisitLeadIn):
    """Capture a lead met at a reception: a project in stage `lead` with source `reception`."""
    reception = service.get_reception(reception_id)
    fields = json.model_dump(exclude={"stage_changed_at"})
    project = service.capture_reception_lead(reception, fields, actor=g.api_user, captured_at=json.stage_changed_at)
    return ProjectOut.of(project), 201


# --- trips -------------------------------------------------------------------------------------

@bp.post("/trips")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=TripOut, **ERRORS), tags=["receptions and trips"])
def create_trip(json: TripIn):
    """Record a team's trip with the companies it visited; 422 when it ends before it starts."""
    data = json.model_dump()
    return TripOut.of(service.create_trip(data, actor=g.api_user)), 201


@bp.get("/trips")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Page[TripOut], **ERRORS), tags=["receptions and trips"])
def list_trips(query: VisitQuery):
    """Trips, newest first, that started in a year, of a team."""
    rows, total = service.list_trips(service.VisitFilters(query.year, query.team_id), query.page, query.per_page)
    return Page[TripOut](items=[TripOut.of(t) for t in rows], total=total, page=query.page, per_page=query.per_page)


@bp.get("/trips/<int:trip_id>")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=TripOut, HTTP_404=Problem, **ERRORS), tags=["receptions and trips"])
def get_trip(trip_id: int):
    """One trip with its visits."""
    return TripOut.of(service.get_trip(trip_id))


@bp.patch("/trips/<int:trip_id>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=TripOut, HTTP_404=Problem, **ERRORS), tags=["receptions and trips"])
def update_trip(trip_id: int, json: TripPatch):
    """Change some fields of a trip; `visits` sent replaces the list."""
    trip = service.get_trip(trip_id)
    return TripOut.of(service.update_trip(trip, json.model_dump(exclude_unset=True), actor=g.api_user))


@bp.delete("/trips/<int:trip_id>")
@require(P.manage_projects)
@spec.validate(resp=Response("HTTP_204", HTTP_404=Problem, HTTP_409=Problem, **ERRORS),
               tags=["receptions and trips"])
def delete_trip(trip_id: int):
    """Delete a trip entered by mistake; 409 when leads were captured from it."""
    service.delete_trip(service.get_trip(trip_id), actor=g.api_user)
    return "", 204


@bp.post("/trips/<int:trip_id>/leads")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=ProjectOut, HTTP_404=Problem, **ERRORS), tags=["receptions and trips"])
def capture_trip_lead(trip_id: int, json: VisitLeadIn):
    """Capture a lead met on a trip: a project in stage `lead` with source `trip`."""
    trip = service.get_trip(trip_id)
    fields = json.model_dump(exclude={"stage_changed_at"})
    project = service.capture_trip_lead(trip, fields, actor=g.api_user, captured_at=json.stage_changed_at)
    return ProjectOut.of(project), 201
