"""The roadshow day's programme: the agenda (sessions, some pitching a pipeline project, 路演项目), the
guests' interest in the pitched projects, the 1:1 meetings organisers schedule, and interests turned into
leads (对接意向 → 线索).

Rules decided here:
- A session lies within its event: it starts no earlier than the event and ends no later; it ends after
  it starts (422 otherwise, with the field named).
- The pitched projects of an event are the projects its sessions pitch. A guest (an attendee of a
  confirmed registration) marks interest in one of them once (409 for a second time); withdrawing deletes
  it. A lead is made once per interest, however many clicks: the interest is locked and remembers its lead.
- A meeting's calendar entry lasts MEETING_MINUTES and has its own UID; each rescheduling raises SEQUENCE.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AgendaSession,
    Attendee,
    Event,
    EventStatus,
    Interest,
    Organisation,
    Project,
    Registration,
    RegistrationStatus,
    User,
)
from ..models.types import utcnow
from . import audit, calendar, mail, messages, pipeline, values
from .errors import Conflict, Invalid, NotFound
from .locks import lock_interest
from .organisations import industry_names

TITLE_MAX = 200
SPEAKER_MAX = 200
NOTE_MAX = 2000
PLACE_MAX = 200
MEETING_MINUTES = 30

SESSION_FIELDS = ("starts_at", "ends_at", "title", "speaker", "organisation_id", "project_id")


# --- the agenda ----------------------------------------------------------------------------------

def sessions(event: Event) -> list[AgendaSession]:
    """The event's agenda in time order."""
    return list(db.session.scalars(
        select(AgendaSession).where(AgendaSession.event_id == event.id)
        .options(selectinload(AgendaSession.organisation), selectinload(AgendaSession.project))
        .order_by(AgendaSession.starts_at, AgendaSession.id)))


def get_session(session_id: int) -> AgendaSession:
    item = db.session.get(AgendaSession, session_id)
    if item is None:
        raise NotFound(_("There is no such session."))
    return item


def _aware(value: Any, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise Invalid({name: [_("Enter a date and time.")]})
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid({name: [_("Give the time with its time zone.")]})
    return value.astimezone(UTC)


def _time_errors(cleaned: dict[str, Any], event: Event, current: AgendaSession | None) -> dict[str, list[str]]:
    """Both times given, the end after the start, the whole session within the event."""
    errors: dict[str, list[str]] = {}
    starts = cleaned.get("starts_at", current.starts_at if current else None)
    ends = cleaned.get("ends_at", current.ends_at if current else None)
    if starts is None:
        errors["starts_at"] = [_("This field is required.")]
    if ends is None:
        errors["ends_at"] = [_("This field is required.")]
    if starts is None or ends is None:
        return errors
    if ends <= starts:
        errors["ends_at"] = [_("The session must end after it starts.")]
    elif starts < event.starts_at or ends > event.ends_at:
        zone = calendar.zone_of(event)
        errors["starts_at" if starts < event.starts_at else "ends_at"] = [_(
            "A session lies within the event: between %(start)s and %(end)s.",
            start=event.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            end=event.ends_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"))]
    return errors


def _clean_session(fields: dict[str, Any], event: Event, current: AgendaSession | None) -> dict[str, Any]:
    cleaned = {k: v for k, v in fields.items() if k in SESSION_FIELDS}
    errors: dict[str, list[str]] = {}

    def check(name: str, step) -> None:
        if name in cleaned:
            try:
                cleaned[name] = step(cleaned[name])
            except Invalid as exc:
                for key, messages_ in exc.errors.items():
                    errors.setdefault(key, []).extend(messages_)

    check("title", lambda v: values.require_text(v, "title", max_length=TITLE_MAX,
                                                 missing=_("Give the session a title.")))
    check("speaker", lambda v: values.clean_text(v, "speaker", max_length=SPEAKER_MAX))
    check("starts_at", lambda v: _aware(v, "starts_at"))
    check("ends_at", lambda v: _aware(v, "ends_at"))

    def known(model, name: str):
        def step(v):
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, int) or db.session.get(model, v) is None:
                raise Invalid({name: [_("No such record.")]})
            return v
        return step

    check("organisation_id", known(Organisation, "organisation_id"))
    check("project_id", known(Project, "project_id"))
    if not errors:
        errors = _time_errors(cleaned, event, current)
    if errors:
        raise Invalid(errors)
    return cleaned


def create_session(event: Event, actor: User | None, **fields: Any) -> AgendaSession:
    if event.status is EventStatus.cancelled:
        raise Conflict(_("The event is cancelled; its agenda cannot change."))
    for name in ("starts_at", "ends_at", "title"):
        fields.setdefault(name, None)
    cleaned = _clean_session(fields, event, None)
    item = AgendaSession(event_id=event.id, **cleaned)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "session.create", "agenda_session", item.id, {"event_id": event.id, **cleaned})
    return item


def update_session(item: AgendaSession, actor: User | None, **fields: Any) -> AgendaSession:
    if item.event.status is EventStatus.cancelled:
        raise Conflict(_("The event is cancelled; its agenda cannot change."))
    cleaned = _clean_session(fields, item.event, item)
    changes = audit.diff(item, cleaned)
    if changes:
        item.updated_at = utcnow()
        audit.record(actor, "session.update", "agenda_session", item.id, changes)
    db.session.flush()
    return item


def delete_session(item: AgendaSession, actor: User | None) -> None:
    """Remove a session. Interests already marked in its project stay: they are the guests' record."""
    audit.record(actor, "session.delete", "agenda_session", item.id,
                 {"event_id": item.event_id, "title": item.title, "project_id": item.project_id})
    db.session.delete(item)
    db.session.flush()


def pitched_projects(event: Event) -> list[Project]:
    """The projects the event's sessions pitch, in the order they are first pitched."""
    seen: dict[int, Project] = {}
    for item in sessions(event):
        if item.project is not None and item.project.id not in seen:
            seen[item.project.id] = item.project
    return list(seen.values())


def is_pitched(event: Event, project_id: int) -> bool:
    return db.session.scalar(select(AgendaSession.id).where(
        AgendaSession.event_id == event.id, AgendaSession.project_id == project_id).limit(1)) is not None


# --- the guests' interest --------------------------------------------------------------------------

def interests_of(reg: Registration) -> list[Interest]:
    ids = [a.id for a in reg.attendees]
    if not ids:
        return []
    return list(db.session.scalars(select(Interest).where(Interest.attendee_id.in_(ids))
                                   .order_by(Interest.id)))


def _guest(reg: Registration, attendee_id: Any) -> Attendee:
    for attendee in reg.attendees:
        if attendee.id == attendee_id and attendee.erased_at is None:
            return attendee
    raise Invalid({"attendee_id": [_("Choose one of this registration's guests.")]})


def add_interest(reg: Registration, *, attendee_id: Any, project_id: Any, meeting: bool = False,
                 note: Any = None) -> Interest:
    """A guest marks a pitched project of the event: one per guest and project (Conflict otherwise)."""
    event = reg.event
    if event.status is not EventStatus.published:
        raise Conflict(_("This event is not open for interest."))
    if reg.status is not RegistrationStatus.confirmed:
        raise Conflict(_("Only confirmed guests can mark their interest."))
    attendee = _guest(reg, attendee_id)
    if isinstance(project_id, bool) or not isinstance(project_id, int) or not is_pitched(event, project_id):
        raise Invalid({"project_id": [_("Choose a project pitched at this event.")]})
    note = values.clean_text(note, "note", max_length=NOTE_MAX)
    duplicate = Conflict(_("This guest has already marked interest in this project."))
    if db.session.scalar(select(Interest.id).where(Interest.attendee_id == attendee.id,
                                                   Interest.project_id == project_id)) is not None:
        raise duplicate
    interest = Interest(event_id=event.id, attendee_id=attendee.id, project_id=project_id,
                        meeting=bool(meeting), note=note)
    try:
        with db.session.begin_nested():
            db.session.add(interest)
            db.session.flush()
    except IntegrityError:
        raise duplicate from None
    audit.record(None, "interest.create", "interest", interest.id,
                 {"event_id": event.id, "attendee_id": attendee.id, "project_id": project_id,
                  "meeting": interest.meeting, "note": note})
    return interest


def withdraw_interest(reg: Registration, interest_id: int) -> None:
    """The guest takes an interest back (a lead already made from it stays in the pipeline)."""
    interest = db.session.get(Interest, interest_id)
    if interest is None or interest.attendee_id not in {a.id for a in reg.attendees}:
        raise NotFound(_("There is no such interest."))
    audit.record(None, "interest.withdraw", "interest", interest.id,
                 {"event_id": interest.event_id, "attendee_id": interest.attendee_id,
                  "project_id": interest.project_id, "lead_id": interest.lead_id})
    db.session.delete(interest)
    db.session.flush()


def get_interest(interest_id: int) -> Interest:
    interest = db.session.get(Interest, interest_id)
    if interest is None:
        raise NotFound(_("There is no such interest."))
    return interest


def _interest_query(event: Event):
    return (select(Interest).where(Interest.event_id == event.id)
            .options(selectinload(Interest.attendee).selectinload(Attendee.registration)
                     .selectinload(Registration.organisation), selectinload(Interest.project))
            .order_by(Interest.id))


def list_interests(event: Event, page: int = 1, per_page: int = 50) -> tuple[list[Interest], int]:
    total = db.session.scalar(select(func.count(Interest.id)).where(Interest.event_id == event.id)) or 0
    rows = db.session.scalars(_interest_query(event).offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def interest_count(event: Event) -> int:
    return db.session.scalar(select(func.count(Interest.id)).where(Interest.event_id == event.id)) or 0


@dataclass
class Matrix:
    """Guests × pitched projects: `cells[(attendee_id, project_id)]` is the interest, if any."""

    projects: list[Project]
    guests: list[Attendee]
    cells: dict[tuple[int, int], Interest] = field(default_factory=dict)
    interests: list[Interest] = field(default_factory=list)


def matrix(event: Event) -> Matrix:
    """The organisers' view: every guest who marked an interest (a row) against every pitched project."""
    interests = list(db.session.scalars(_interest_query(event)))
    projects = pitched_projects(event)
    known = {p.id for p in projects}
    for interest in interests:  # a project no session pitches any more keeps its column
        if interest.project_id not in known:
            known.add(interest.project_id)
            projects.append(interest.project)
    guests: dict[int, Attendee] = {}
    for interest in interests:
        guests.setdefault(interest.attendee_id, interest.attendee)
    ordered = sorted(guests.values(), key=lambda a: (a.registration.organisation.name, a.position, a.id))
    return Matrix(projects=projects, guests=ordered,
                  cells={(i.attendee_id, i.project_id): i for i in interests}, interests=interests)


# --- meetings --------------------------------------------------------------------------------------

def recipient(interest: Interest) -> str | None:
    """The attendee's address, else the registration's contact (the invitation's, else the first guest's)."""
    attendee = interest.attendee
    if attendee.email and attendee.erased_at is None:
        return attendee.email
    reg = attendee.registration
    if reg.invitation is not None and reg.invitation.contact is not None and reg.invitation.contact.email:
        return reg.invitation.contact.email
    return next((a.email for a in reg.attendees if a.email and a.erased_at is None), None)


def schedule_meeting(interest: Interest, actor: User | None, **fields: Any) -> Interest:
    """Set the 1:1 meeting's time and place; the guest gets a mail with the meeting as an .ics."""
    interest = lock_interest(interest.id)
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "meeting_at" in fields:
        if fields["meeting_at"] is None:
            errors["meeting_at"] = [_("Give the meeting's time.")]
        else:
            try:
                cleaned["meeting_at"] = _aware(fields["meeting_at"], "meeting_at")
            except Invalid as exc:
                errors.update(exc.errors)
    if "meeting_place" in fields:
        try:
            cleaned["meeting_place"] = values.clean_text(fields["meeting_place"], "meeting_place",
                                                         max_length=PLACE_MAX)
        except Invalid as exc:
            errors.update(exc.errors)
    if not errors and cleaned.get("meeting_at", interest.meeting_at) is None:
        errors["meeting_at"] = [_("Give the meeting's time.")]
    if errors:
        raise Invalid(errors)
    cleaned["meeting"] = True
    changes = audit.diff(interest, cleaned)
    if not ({"meeting_at", "meeting_place"} & changes.keys()):
        return interest  # the same meeting again: no second mail
    interest.meeting_sequence = (interest.meeting_sequence or 0) + 1
    interest.updated_at = utcnow()
    audit.record(actor, "interest.meeting", "interest", interest.id, changes)
    db.session.flush()
    to = recipient(interest)
    if to is not None:
        message = messages.meeting(interest)
        mail.queue(to, message.subject, message.text, kind=message.kind, body_html=message.html,
                   attachments=[meeting_attachment(interest)], registration_id=interest.attendee.registration_id)
    return interest


def meeting_uid(interest: Interest) -> str:
    return f"meeting-{interest.id}-{interest.created_at:%Y%m%d%H%M%S}@roadshow"


def meeting_ics(interest: Interest) -> bytes:
    """The 1:1 meeting as an iCalendar file, in the event's time zone."""
    event = interest.event
    zone = calendar.zone_of(event)
    assert interest.meeting_at is not None
    starts = interest.meeting_at.astimezone(zone)
    cal = Calendar()
    cal.add("prodid", calendar.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", calendar.METHOD)
    cal.add_component(calendar.vtimezone(zone.key, date(starts.year - 1, 1, 1), date(starts.year + 2, 1, 1)))
    item = VEvent()
    item.add("uid", meeting_uid(interest))
    item.add("dtstamp", utcnow())
    item.add("sequence", interest.meeting_sequence or 0)
    item.add("dtstart", starts)
    item.add("dtend", starts + timedelta(minutes=MEETING_MINUTES))
    item.add("summary", messages.meeting_summary(interest))
    item.add("description", event.title)
    if interest.meeting_place:
        item.add("location", interest.meeting_place)
    item.add("url", calendar.public_url(event))
    item.add("status", "CONFIRMED")
    cal.add_component(item)
    return cal.to_ical()


def meeting_attachment(interest: Interest) -> dict:
    return {"filename": "meeting.ics", "content_type": f"text/calendar; method={calendar.METHOD}; charset=UTF-8",
            "content": meeting_ics(interest).decode("utf-8")}


# --- interest → lead -------------------------------------------------------------------------------

def lead_name(interest: Interest) -> str:
    """The lead's working name: the organisation and the project it wants (data, not UI text)."""
    org = interest.attendee.registration.organisation
    return f"{org.name}·{interest.project.name}"[:pipeline.TEXT_LIMITS["name"]]


def lead_from_interest(interest: Interest, actor: User | None) -> tuple[Project, bool]:
    """Turn the interest into a lead, once: (the lead, whether it was made now). The interest is locked,
    so a second click (at the same moment, or later) finds the lead the first one made."""
    interest = lock_interest(interest.id)
    if interest.lead_id is not None:
        lead = db.session.get(Project, interest.lead_id)
        if lead is not None:
            return lead, False
    attendee = interest.attendee
    reg = attendee.registration
    pitched = interest.project
    industry = pitched.industry if pitched.industry in industry_names() else None
    lead = pipeline.capture_lead(interest.event, organisation_id=reg.organisation_id, name=lead_name(interest),
                                 attendee_id=attendee.id, industry=industry, notes=interest.note, actor=actor)
    lead.related_project_id = pitched.id
    interest.lead_id = lead.id
    db.session.flush()
    audit.record(actor, "interest.lead", "interest", interest.id,
                 {"lead_id": lead.id, "related_project_id": pitched.id})
    return lead, True


def leads_from_event(event: Event, actor: User | None) -> tuple[list[Project], int]:
    """Every interest of the event that has no lead yet becomes one: (the new leads, interests that
    already had theirs)."""
    ids = list(db.session.scalars(select(Interest.id).where(Interest.event_id == event.id).order_by(Interest.id)))
    made: list[Project] = []
    existing = 0
    for interest_id in ids:
        lead, created = lead_from_interest(get_interest(interest_id), actor)
        if created:
            made.append(lead)
        else:
            existing += 1
    return made, existing


# --- what the console's forms offer ------------------------------------------------------------------

def organisation_choices() -> list[tuple[int, str]]:
    return [(i, n) for i, n in db.session.execute(select(Organisation.id, Organisation.name)
                                                   .order_by(Organisation.name, Organisation.id))]


def project_choices() -> list[tuple[int, str]]:
    """Projects a session may pitch: those not dropped."""
    from ..models import Stage

    return [(i, n) for i, n in db.session.execute(select(Project.id, Project.name)
                                                   .where(Project.stage != Stage.dropped)
                                                   .order_by(Project.name, Project.id))]
