"""API v1: events, their cancellation and their stats."""
from __future__ import annotations

from typing import Literal

from flask import g
from pydantic import AwareDatetime, BaseModel, Field
from spectree import Response

from ..models import Event
from ..permissions import P, require
from ..services import calendar, questions, reminders
from ..services import events as event_service
from . import bp, spec
from .schemas import Page, PageQuery, Problem

Mode = Literal["invite", "open"]
Status = Literal["draft", "published", "cancelled"]


class EventIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: str = Field("Asia/Shanghai", max_length=64, description="IANA time zone of the event")
    venue: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    capacity: int | None = Field(None, ge=0, description="Attendees; null = unlimited")
    registration_mode: Mode = "invite"
    approval_required: bool = False
    max_attendees_per_registration: int = Field(
        event_service.DEFAULT_MAX_ATTENDEES_PER_REGISTRATION, ge=1,
        le=event_service.MAX_ATTENDEES_PER_REGISTRATION,
        description="Attendees one registration may bring to an open event "
                    "(invitations carry their own seats)")
    status: Literal["draft", "published"] = "draft"
    industries: list[str] = Field(default_factory=list, max_length=50)
    reminder_hours_before: int | None = Field(
        reminders.DEFAULT_HOURS_BEFORE, ge=1, le=reminders.MAX_HOURS_BEFORE,
        description="Confirmed registrants get one reminder this many hours before the start "
                    "(their .ics an alarm); null = none")
    registration_opens_at: AwareDatetime | None = Field(
        None, description="Public registration opens then (null: as soon as the event is published)")
    registration_closes_at: AwareDatetime | None = Field(
        None, description="Public registration closes then (null: never); after registration_opens_at")
    sms_ticket: bool = Field(False, description="Each confirmed registrant with a mobile number (also one "
                                                "promoted from the waitlist) gets the link to their ticket by SMS")


class EventPatch(BaseModel):
    """Any subset of the fields; `status` moves forward only (draft → published → cancelled)."""

    title: str | None = Field(None, min_length=1, max_length=200)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    timezone: str | None = Field(None, max_length=64)
    venue: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    capacity: int | None = Field(None, ge=0)
    registration_mode: Mode | None = None
    approval_required: bool | None = None
    max_attendees_per_registration: int | None = Field(
        None, ge=1, le=event_service.MAX_ATTENDEES_PER_REGISTRATION)
    status: Status | None = None
    industries: list[str] | None = Field(None, max_length=50)
    reminder_hours_before: int | None = Field(None, ge=1, le=reminders.MAX_HOURS_BEFORE,
                                              description="null = no reminder")
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    sms_ticket: bool | None = None


class EventOut(BaseModel):
    id: int
    title: str
    starts_at: AwareDatetime = Field(description="In the event's time zone, with its offset")
    ends_at: AwareDatetime
    timezone: str
    venue: str | None
    address: str | None
    description: str | None
    capacity: int | None
    registration_mode: Mode
    approval_required: bool
    max_attendees_per_registration: int
    status: Status
    industries: list[str]
    reminder_hours_before: int | None = Field(description="Hours before the start of the reminder; null = none")
    registration_opens_at: AwareDatetime | None
    registration_closes_at: AwareDatetime | None
    sms_ticket: bool = Field(description="Confirmed registrants get the link to their ticket by SMS")
    registration_window: Literal["not_yet", "open", "closed"] = Field(
        description="Where now is against the registration window")
    sequence: int = Field(description="Calendar SEQUENCE; grows with every change of a published field")
    public_url: str
    ics_url: str
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def of(cls, event: Event) -> EventOut:
        zoned = lambda value: event_service.in_zone(event, value)  # noqa: E731
        return cls(id=event.id, title=event.title, starts_at=zoned(event.starts_at), ends_at=zoned(event.ends_at),
                   timezone=event.timezone, venue=event.venue, address=event.address,
                   description=event.description, capacity=event.capacity,
                   registration_mode=event.registration_mode.value, approval_required=event.approval_required,
                   max_attendees_per_registration=event.max_attendees_per_registration,
                   status=event.status.value, industries=list(event.industries or []), sequence=event.sequence,
                   reminder_hours_before=event.reminder_hours_before,
                   sms_ticket=event.sms_ticket,
                   registration_opens_at=zoned(event.registration_opens_at),
                   registration_closes_at=zoned(event.registration_closes_at),
                   registration_window=questions.window_state(event).value,
                   public_url=calendar.public_url(event), ics_url=event_service.ics_url(event),
                   created_at=zoned(event.created_at), updated_at=zoned(event.updated_at))


class EventListQuery(PageQuery):
    status: Status | None = None


class KindStats(BaseModel):
    registered: int
    checked_in: int


class EventStats(BaseModel):
    capacity: int | None
    invited: int = Field(description="Invitations")
    registered: int = Field(description="Attendees of confirmed registrations")
    waitlisted: int = Field(description="Attendees of waitlisted registrations")
    checked_in: int = Field(description="Attendees with an active check-in")
    by_kind: dict[str, KindStats]


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


@bp.post("/events")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_201=EventOut, **ERRORS), tags=["events"])
def create_event(json: EventIn):
    """Create an event (a draft unless `status` is `published`). 422 when `ends_at` is not after
    `starts_at`, `registration_closes_at` is not after
    `registration_opens_at`, the time zone is unknown or an industry is not in the district's list."""
    event = event_service.create_event(g.api_user, **json.model_dump())
    return EventOut.of(event), 201


@bp.get("/events")
@require(P.read_events)
@spec.validate(resp=Response(HTTP_200=Page[EventOut], **ERRORS), tags=["events"])
def list_events(query: EventListQuery):
    """Events: upcoming first (soonest first), then past ones (latest first)."""
    page = event_service.list_events(status=query.status, page=query.page, per_page=query.per_page)
    return Page[EventOut](items=[EventOut.of(e) for e in page.items], total=page.total, page=page.page,
                          per_page=page.per_page)


@bp.get("/events/<int:event_id>")
@require(P.read_events)
@spec.validate(resp=Response(HTTP_200=EventOut, HTTP_404=Problem, **ERRORS), tags=["events"])
def get_event(event_id: int):
    """One event."""
    return EventOut.of(event_service.get_event(event_id))


@bp.patch("/events/<int:event_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=EventOut, HTTP_404=Problem, HTTP_409=Problem, **ERRORS), tags=["events"])
def update_event(event_id: int, json: EventPatch):
    """Change some fields. Every change of a field calendars show (title, times, time zone, venue, address,
    description, status) grows `sequence`; moving a published event (times, venue, address) mails each
    active registrant a change notice with the updated .ics. Setting `status` to `cancelled` is the same as the cancel
    endpoint; a cancelled event cannot be changed (409), nor can an event go back to draft (409)."""
    event = event_service.get_event(event_id)
    event = event_service.update_event(event, g.api_user, **json.model_dump(exclude_unset=True))
    return EventOut.of(event)


@bp.post("/events/<int:event_id>/cancel")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=EventOut, HTTP_404=Problem, **ERRORS), tags=["events"])
def cancel_event(event_id: int):
    """Cancel the event: registration is refused from then on (410), and everyone who registered gets a
    mail with the cancelled calendar entry. Cancelling again changes nothing."""
    event = event_service.cancel_event(event_service.get_event(event_id), g.api_user)
    return EventOut.of(event)


@bp.get("/events/<int:event_id>/stats")
@require(P.read_stats)
@spec.validate(resp=Response(HTTP_200=EventStats, HTTP_404=Problem, **ERRORS), tags=["events"])
def event_stats(event_id: int):
    """Counts for live dashboards: `invited` counts invitations; `registered`, `waitlisted` and
    `checked_in` count people (attendees), also by organisation kind."""
    return EventStats(**event_service.event_stats(event_service.get_event(event_id)))
