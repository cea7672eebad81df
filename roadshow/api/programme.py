"""API v1: the programme — agenda sessions (pitched projects), guests' interest, 1:1 meetings, leads."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request
from flask_babel import gettext as _
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from spectree import Response

from ..extensions import limiter
from ..models import AgendaSession, Event, Interest, OrgKind
from ..permissions import P, can, current_actor, require
from ..ratelimits import token_guess_limit
from ..services import calendar, programme
from ..services import registration as registration_service
from ..services import users as user_service
from ..services.errors import NotFound
from ..services.events import get_event
from ..services.values import ID_MAX
from . import bp, public, spec
from .projects import ProjectOut
from .schemas import Kind, Page, PageQuery, Problem


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    title: str = Field(min_length=1, max_length=programme.TITLE_MAX)
    speaker: str | None = Field(None, max_length=programme.SPEAKER_MAX)
    organisation_id: int | None = Field(None, ge=1, le=ID_MAX)
    project_id: int | None = Field(None, ge=1, le=ID_MAX, description="the pipeline project pitched (路演项目)")


class SessionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    title: str | None = Field(None, min_length=1, max_length=programme.TITLE_MAX)
    speaker: str | None = Field(None, max_length=programme.SPEAKER_MAX)
    organisation_id: int | None = Field(None, ge=1, le=ID_MAX)
    project_id: int | None = Field(None, ge=1, le=ID_MAX)


class Ref(BaseModel):
    id: int
    name: str


class SessionOut(BaseModel):
    id: int
    event_id: int
    starts_at: AwareDatetime = Field(description="In the event's time zone, with its offset")
    ends_at: AwareDatetime
    title: str
    speaker: str | None
    organisation_id: int | None
    organisation: Ref | None
    project_id: int | None
    project: Ref | None

    @classmethod
    def of(cls, s: AgendaSession) -> SessionOut:
        zone = calendar.zone_of(s.event)
        return cls(id=s.id, event_id=s.event_id, starts_at=s.starts_at.astimezone(zone),
                   ends_at=s.ends_at.astimezone(zone), title=s.title, speaker=s.speaker,
                   organisation_id=s.organisation_id,
                   organisation=Ref(id=s.organisation.id, name=s.organisation.name) if s.organisation else None,
                   project_id=s.project_id, project=Ref(id=s.project.id, name=s.project.name) if s.project else None)


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendee_id: int = Field(ge=1, le=ID_MAX)
    project_id: int = Field(ge=1, le=ID_MAX, description="a project pitched at this event")
    meeting: bool = False
    note: str | None = Field(None, max_length=programme.NOTE_MAX)


class MeetingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_at: AwareDatetime | None = None
    meeting_place: str | None = Field(None, max_length=programme.PLACE_MAX)


class OrganisationRef(BaseModel):
    id: int
    name: str
    kind: Kind


class AttendeeRef(BaseModel):
    id: int
    name: str


class InterestOut(BaseModel):
    id: int
    event_id: int
    attendee: AttendeeRef
    organisation: OrganisationRef
    project: Ref
    meeting: bool
    meeting_at: datetime | None
    meeting_place: str | None
    note: str | None
    lead_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, i: Interest) -> InterestOut:
        org = i.attendee.registration.organisation
        zone = calendar.zone_of(i.event)
        return cls(id=i.id, event_id=i.event_id, attendee=AttendeeRef(id=i.attendee.id, name=i.attendee.name),
                   organisation=OrganisationRef(id=org.id, name=org.name, kind=OrgKind(org.kind)),
                   project=Ref(id=i.project.id, name=i.project.name), meeting=i.meeting,
                   meeting_at=i.meeting_at.astimezone(zone) if i.meeting_at else None,
                   meeting_place=i.meeting_place, note=i.note, lead_id=i.lead_id, created_at=i.created_at)


class InterestLeadOut(ProjectOut):
    interest_id: int


class EventLeadsOut(BaseModel):
    created: int = Field(description="leads made now")
    existing: int = Field(description="interests that already had their lead")
    lead_ids: list[int]


class Withdrawn(BaseModel):
    id: int
    status: str = "withdrawn"


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem)


def _reader_may_see(event: Event) -> bool:
    """Published (and once-published cancelled) events' agendas are public; a draft's only for a bearer
    of a token that may read events. (The route is public: the token is looked at only here.)"""
    if calendar.is_visible(event):
        return True
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    record = user_service.resolve_token(token.strip())
    return record is not None and can(record.user, P.read_events)


@bp.post("/events/<int:event_id>/sessions")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_201=SessionOut, HTTP_409=Problem, **ERRORS), tags=["programme"])
def create_session(event_id: int, json: SessionIn):
    """Add a session to the event's agenda; with `project_id` it pitches that pipeline project (路演项目).
    It must lie within the event's time and end after it starts (422)."""
    item = programme.create_session(get_event(event_id), current_actor(), **json.model_dump())
    return SessionOut.of(item), 201


@bp.get("/events/<int:event_id>/sessions")
@public
@spec.validate(resp=Response(HTTP_200=Page[SessionOut], HTTP_404=Problem), tags=["programme"], security={})
def list_sessions(event_id: int, query: PageQuery):
    """The agenda in time order: anonymous too for published events; a draft's for a token that reads events."""
    event = get_event(event_id)
    if not _reader_may_see(event):
        raise NotFound(_("There is no such event."))
    rows = programme.sessions(event)
    start = (query.page - 1) * query.per_page
    return Page[SessionOut](items=[SessionOut.of(s) for s in rows[start:start + query.per_page]], total=len(rows),
                            page=query.page, per_page=query.per_page)


@bp.patch("/sessions/<int:session_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=SessionOut, HTTP_409=Problem, **ERRORS), tags=["programme"])
def update_session(session_id: int, json: SessionPatch):
    """Change a session (the same rules as creating one)."""
    item = programme.update_session(programme.get_session(session_id), current_actor(),
                                    **json.model_dump(exclude_unset=True))
    return SessionOut.of(item)


@bp.delete("/sessions/<int:session_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=SessionOut, **ERRORS), tags=["programme"])
def delete_session(session_id: int):
    """Remove a session; guests' interests in its project stay."""
    item = programme.get_session(session_id)
    out = SessionOut.of(item)
    programme.delete_session(item, current_actor())
    return out


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


PUBLIC_ERRORS = dict(HTTP_404=Problem, HTTP_429=Problem)


@bp.post("/public/registrations/<manage_token>/interests")
@token_guess_limit
@limiter.limit(_public_limit)
@public
@spec.validate(resp=Response(HTTP_201=InterestOut, HTTP_409=Problem, **PUBLIC_ERRORS),
               tags=["public registration"], security={})
def add_interest(manage_token: str, json: InterestIn):
    """A guest of this registration marks a project pitched at the event (对接意向), perhaps asking for a
    1:1 meeting. One per guest and project (409); 409 too unless the registration is confirmed."""
    reg = registration_service.by_manage_token(manage_token)
    return InterestOut.of(programme.add_interest(reg, **json.model_dump())), 201


@bp.get("/public/registrations/<manage_token>/interests")
@token_guess_limit
@limiter.limit(_public_limit)
@public
@spec.validate(resp=Response(HTTP_200=Page[InterestOut], **PUBLIC_ERRORS), tags=["public registration"],
               security={})
def registration_interests(manage_token: str, query: PageQuery):
    """The interests this registration's guests marked (to show them, or to withdraw one)."""
    rows = programme.interests_of(registration_service.by_manage_token(manage_token))
    start = (query.page - 1) * query.per_page
    return Page[InterestOut](items=[InterestOut.of(i) for i in rows[start:start + query.per_page]],
                             total=len(rows), page=query.page, per_page=query.per_page)


@bp.delete("/public/registrations/<manage_token>/interests/<int:interest_id>")
@token_guess_limit
@limiter.limit(_public_limit)
@public
@spec.validate(resp=Response(HTTP_200=Withdrawn, **PUBLIC_ERRORS), tags=["public registration"], security={})
def withdraw_interest(manage_token: str, interest_id: int):
    """Withdraw an interest of this registration's guests."""
    programme.withdraw_interest(registration_service.by_manage_token(manage_token), interest_id)
    return Withdrawn(id=interest_id)


@bp.get("/events/<int:event_id>/interests")
@require(P.read_events)
@spec.validate(resp=Response(HTTP_200=Page[InterestOut], **ERRORS), tags=["programme"])
def list_interests(event_id: int, query: PageQuery):
    """The guests' interests in the event's pitched projects (names only, no phone numbers)."""
    rows, total = programme.list_interests(get_event(event_id), query.page, query.per_page)
    return Page[InterestOut](items=[InterestOut.of(i) for i in rows], total=total, page=query.page,
                             per_page=query.per_page)


@bp.patch("/interests/<int:interest_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=InterestOut, **ERRORS), tags=["programme"])
def schedule_meeting(interest_id: int, json: MeetingPatch):
    """Schedule (or move) the 1:1 meeting: the guest gets a mail with the time, the place and an .ics."""
    interest = programme.schedule_meeting(programme.get_interest(interest_id), current_actor(),
                                          **json.model_dump(exclude_unset=True))
    return InterestOut.of(interest)


@bp.post("/interests/<int:interest_id>/lead")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_201=InterestLeadOut, HTTP_200=InterestLeadOut, **ERRORS), tags=["programme"])
def lead_from_interest(interest_id: int):
    """Turn the interest into a lead (organisation, guest, source event, related project = the pitched one):
    201 with the new lead; 200 with the same lead when the interest already has one."""
    lead, created = programme.lead_from_interest(programme.get_interest(interest_id), g.api_user)
    out = InterestLeadOut(**ProjectOut.of(lead).model_dump(), interest_id=interest_id)
    return out, 201 if created else 200


@bp.post("/events/<int:event_id>/interests/leads")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=EventLeadsOut, **ERRORS), tags=["programme"])
def leads_from_event(event_id: int):
    """Every interest of the event without a lead becomes one (never two for one interest)."""
    made, existing = programme.leads_from_event(get_event(event_id), g.api_user)
    return EventLeadsOut(created=len(made), existing=existing, lead_ids=[p.id for p in made])
