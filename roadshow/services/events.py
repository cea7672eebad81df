"""Events: create, change, publish, cancel, and the counts of people the event page and the API show.

The rules live here, for the API and the console alike: `ends_at` after `starts_at`, a real IANA time
zone, capacity ≥ 0 or unlimited, industries from the district's list, status moving only forwards
(draft → published → cancelled), and the calendar `sequence` growing with every change of a field that
calendar copies show.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, null, select

from .. import urls
from ..extensions import db
from ..labels import EVENT_STATUS
from ..models import (
    ACTIVE_REGISTRATION,
    Attendee,
    CheckIn,
    CheckInStatus,
    Contact,
    Event,
    EventStatus,
    Invitation,
    InvitationStatus,
    Organisation,
    OrgKind,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    User,
)
from ..models.types import utcnow
from . import audit, calendar, mail, messages, reminders
from .errors import Conflict, Invalid, NotFound
from .locks import lock_event
from .organisations import industry_names

DEFAULT_TIMEZONE = "Asia/Shanghai"

# What a calendar copy of the event shows: a change of any of these must replace the copies people
# keep (RFC 5545 SEQUENCE). Capacity, mode, approval and industries are the bureau's own business.
EDITABLE_FIELDS = (*sorted(calendar.PUBLISHED_FIELDS), "capacity", "registration_mode", "approval_required",
                   "max_attendees_per_registration", "industries", "reminder_hours_before", "registration_opens_at",
                   "registration_closes_at", "sms_ticket")

# Attendees one registration may bring to an open event: the default and the largest setting.
DEFAULT_MAX_ATTENDEES_PER_REGISTRATION = 5
MAX_ATTENDEES_PER_REGISTRATION = 50

# Forward only: unpublishing would leave registrants and calendar copies behind; a cancellation is final.
TRANSITIONS = {
    EventStatus.draft: {EventStatus.published, EventStatus.cancelled},
    EventStatus.published: {EventStatus.cancelled},
    EventStatus.cancelled: set(),
}

LIMITS = {"title": 200, "venue": 200, "address": 300, "description": 20_000}


# Entries of the tz database that are not places: "localtime" and "posixrules" are copies of some
# machine's own zone, "Factory" means "no zone set". Written into an ICS file as TZID they mean nothing
# to a calendar. Only Area/Location names (and UTC) are events' zones; the legacy one-word aliases
# ("PRC", "EST", "Japan") are refused too: calendars know the real names better.
PSEUDO_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# Events happen in this range of years (an instant near year 1 or 9999 cannot even be moved into
# another zone, and the calendar feed broke on one).
YEARS = (2000, 2100)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(name for name in available_timezones()
                     if name not in PSEUDO_ZONES and ("/" in name or name == "UTC")
                     and not name.startswith(("posix/", "right/")))


def is_time_zone(name: str | None) -> bool:
    return bool(name) and name in _zones()


def get_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("There is no such event."))
    return event


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _clean(fields: dict[str, Any], current: Event | None) -> dict[str, Any]:  # noqa: C901 — one rule a field
    """Check and normalise the given fields against the rules; the result holds only the given fields.
    Raises Invalid with every field's problems at once."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not event fields: {sorted(unknown)}")

    if "title" in fields:
        title = _text(fields["title"])
        if not title:
            fail("title", _("Enter the event's title."))
        out["title"] = title
    for name in ("venue", "address", "description"):
        if name in fields:
            out[name] = _text(fields[name])
    for name, limit in LIMITS.items():
        if out.get(name) and len(out[name]) > limit:
            fail(name, _("At most %(n)d characters.", n=limit))

    if "timezone" in fields:
        zone = _text(fields["timezone"])
        if not is_time_zone(zone):
            fail("timezone", _("Choose a real time zone, such as Asia/Shanghai."))
        out["timezone"] = zone
    for name in ("starts_at", "ends_at"):
        if name in fields:
            value = fields[name]
            if value is None:
                fail(name, _("Enter a date and time."))
            elif not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
                fail(name, _("Give the time with its offset from UTC."))
            elif not YEARS[0] <= value.year <= YEARS[1]:
                fail(name, _("Choose a date between the years %(first)d and %(last)d.",
                             first=YEARS[0], last=YEARS[1]))
            else:
                out[name] = value
    starts = out.get("starts_at", current.starts_at if current else None)
    ends = out.get("ends_at", current.ends_at if current else None)
    if starts is not None and ends is not None and "starts_at" not in errors and "ends_at" not in errors \
            and ends <= starts:
        fail("ends_at", _("The end must be after the start."))

    for name in ("registration_opens_at", "registration_closes_at"):
        if name in fields:
            value = fields[name]
            if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
                fail(name, _("Give the time with its offset from UTC."))
            elif value is not None and not YEARS[0] <= value.year <= YEARS[1]:
                fail(name, _("Choose a date between the years %(first)d and %(last)d.",
                             first=YEARS[0], last=YEARS[1]))
            else:
                out[name] = value
    opens = out.get("registration_opens_at", current.registration_opens_at if current else None)
    closes = out.get("registration_closes_at", current.registration_closes_at if current else None)
    if opens is not None and closes is not None and closes <= opens \
            and "registration_opens_at" not in errors and "registration_closes_at" not in errors:
        fail("registration_closes_at", _("Registration must close after it opens."))

    if "capacity" in fields:
        capacity = fields["capacity"]
        if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0):
            fail("capacity", _("Enter a number of attendees of 0 or more, or leave it empty for no limit."))
        out["capacity"] = capacity
    if "registration_mode" in fields:
        try:
            out["registration_mode"] = RegistrationMode(fields["registration_mode"])
        except ValueError:
            fail("registration_mode", _("Choose invitation only or open registration."))
    if "approval_required" in fields:
        if not isinstance(fields["approval_required"], bool):
            fail("approval_required", _("Say whether registrations need approval."))
        out["approval_required"] = fields["approval_required"]
    if "sms_ticket" in fields:
        if not isinstance(fields["sms_ticket"], bool):
            fail("sms_ticket", _("Say whether confirmed guests get their ticket link by SMS."))
        out["sms_ticket"] = fields["sms_ticket"]
    if "max_attendees_per_registration" in fields:
        most = fields["max_attendees_per_registration"]
        if isinstance(most, bool) or not isinstance(most, int) \
                or not 1 <= most <= MAX_ATTENDEES_PER_REGISTRATION:
            fail("max_attendees_per_registration", _("Enter a number of attendees from 1 to %(n)d.",
                                                     n=MAX_ATTENDEES_PER_REGISTRATION))
        out["max_attendees_per_registration"] = most
    if "reminder_hours_before" in fields:
        hours = fields["reminder_hours_before"]
        if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int)
                                  or not 1 <= hours <= reminders.MAX_HOURS_BEFORE):
            fail("reminder_hours_before", _("Enter 1 to %(n)d hours, or nothing for no reminder.",
                                            n=reminders.MAX_HOURS_BEFORE))
        out["reminder_hours_before"] = hours
    if "industries" in fields:
        wanted = []
        for raw in fields["industries"] or []:
            industry = _text(raw)
            if industry and industry not in wanted:
                wanted.append(industry)
        # An industry the event already has stays allowed after it leaves the district's list.
        known = set(industry_names()) | set(current.industries or [] if current else [])
        strangers = [name for name in wanted if name not in known]
        if strangers:
            fail("industries", _("Not in the district's industry list: %(names)s.", names="、".join(strangers)))
        out["industries"] = wanted
    if "status" in fields:
        try:
            out["status"] = EventStatus(fields["status"])
        except ValueError:
            fail("status", _("Choose draft, published or cancelled."))

    if errors:
        raise Invalid(errors)
    return out


def _bump_sequence(event: Event, changes: dict[str, Any]) -> None:
    """One step of the calendar sequence per change that touches what calendar copies show
    (the rule itself lives in services/calendar.py)."""
    if calendar.bump_sequence_if_needed(event, changes):
        changes["sequence"] = {"from": event.sequence - 1, "to": event.sequence}


def create_event(actor: User | None, *, title: str, starts_at: datetime, ends_at: datetime,
                 timezone: str = DEFAULT_TIMEZONE, venue: str | None = None, address: str | None = None,
                 description: str | None = None, capacity: int | None = None,
                 registration_mode: RegistrationMode | str = RegistrationMode.invite,
                 approval_required: bool = False, status: EventStatus | str = EventStatus.draft,
                 industries: list[str] | None = None,
                 max_attendees_per_registration: int = DEFAULT_MAX_ATTENDEES_PER_REGISTRATION,
                 reminder_hours_before: int | None = reminders.DEFAULT_HOURS_BEFORE,
                 registration_opens_at: datetime | None = None,
                 registration_closes_at: datetime | None = None, sms_ticket: bool = False) -> Event:
    """A new event, a draft unless created published (a new event cannot start cancelled)."""
    fields = _clean(dict(title=title, starts_at=starts_at, ends_at=ends_at, timezone=timezone, venue=venue,
                         address=address, description=description, capacity=capacity,
                         registration_mode=registration_mode, approval_required=approval_required,
                         max_attendees_per_registration=max_attendees_per_registration,
                         reminder_hours_before=reminder_hours_before,
                         registration_opens_at=registration_opens_at,
                         registration_closes_at=registration_closes_at, sms_ticket=sms_ticket,
                         status=status, industries=industries or []), None)
    if fields["status"] is EventStatus.cancelled:
        raise Invalid({"status": [_("A new event is a draft or published.")]})
    # "No reminder" is a NULL the INSERT must carry: a plain None would let the column's default (24) in.
    stored = {**fields, "reminder_hours_before": null()} if fields["reminder_hours_before"] is None else fields
    event = Event(sequence=0, published_at=utcnow() if fields["status"] is EventStatus.published else None,
                  **stored)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.create", "event", event.id, fields)
    return event


def update_event(event: Event, actor: User | None, **fields: Any) -> Event:
    """Change some fields (those given). A status change goes through publish/cancel rules; raising the
    capacity promotes the waitlist. Runs under the event lock, so capacity never changes under a
    registration that is counting seats."""
    _clean(fields, event)  # fail fast, before taking the write lock
    event = lock_event(event.id)
    cleaned = _clean(fields, event)  # again against the locked row: the start/end check may depend on it
    if event.status is EventStatus.cancelled:
        if any(getattr(event, name) != value for name, value in cleaned.items()):
            raise Conflict(_("This event has been cancelled and can no longer be changed."))
        return event
    new_status = cleaned.pop("status", event.status)
    if new_status is not event.status:
        _check_transition(event, new_status)
    old_capacity = event.capacity
    was_published = event.status is EventStatus.published
    changes = audit.diff(event, {**cleaned, "status": new_status})
    if not changes:
        return event
    _bump_sequence(event, changes)
    event.updated_at = utcnow()  # now, not at flush: the cancellation's calendar file shows it
    if event.status is EventStatus.published and event.published_at is None:
        event.published_at = event.updated_at
    if "status" in changes and event.status is EventStatus.cancelled:
        changes["mails"] = _queue_cancellation_mails(event)
    notices = reminders.queue_change_notices(event, changes, was_published=was_published)
    if notices:
        changes["notices"] = notices
    db.session.flush()
    action = {EventStatus.published: "event.publish", EventStatus.cancelled: "event.cancel"}.get(
        event.status, "event.update") if "status" in changes else "event.update"
    audit.record(actor, action, "event", event.id, changes)
    if "capacity" in changes and event.status is EventStatus.published \
            and _more_seats(old_capacity, event.capacity):
        promote_waitlist_after_capacity_raised(event, actor)
    return event


def _more_seats(old: int | None, new: int | None) -> bool:
    if new is None:
        return old is not None
    return old is not None and new > old


def promote_waitlist_after_capacity_raised(event: Event, actor: User | None) -> None:
    """Integration point with the registration area: seats were added, so the waitlist moves up in order
    of arrival and the promoted get their tickets by mail. The registration service owns that rule
    (`registration.promote_waitlist(event, actor)`), which takes the event's lock."""
    from . import registration  # imported here: registration imports this module's neighbours

    registration.promote_waitlist(event, actor)


def _check_transition(event: Event, new_status: EventStatus) -> None:
    if new_status not in TRANSITIONS[event.status]:
        raise Conflict(_("An event cannot go from %(from)s back to %(to)s.",
                         **{"from": _status_label(event.status), "to": _status_label(new_status)}))


def _status_label(status: EventStatus) -> str:
    return str(EVENT_STATUS[status])


def publish_event(event: Event, actor: User | None) -> Event:
    """Make a draft public (its page, calendar file and registration open). Publishing twice is a no-op."""
    if event.status is EventStatus.published:
        return event
    return update_event(event, actor, status=EventStatus.published)


def cancel_event(event: Event, actor: User | None) -> Event:
    """Cancel the event and tell everyone who registered, by mail with the cancelled calendar entry.
    Cancelling twice changes nothing and sends nothing."""
    if event.status is EventStatus.cancelled:
        return event
    return update_event(event, actor, status=EventStatus.cancelled)


def _queue_cancellation_mails(event: Event) -> int:
    """Queue the cancellation mail, with the cancelled calendar entry, to everyone who registered
    (in this transaction; sent after commit). Returns the number of mails."""
    recipients = cancellation_recipients(event)
    if not recipients:
        return 0
    message = messages.event_cancelled(event)
    attachment = calendar.attachment(event)  # STATUS:CANCELLED with the grown SEQUENCE
    for to, invitation_id, registration_id in recipients:
        mail.queue(to, message.subject, message.text, kind=message.kind, body_html=message.html,
                   attachments=[attachment], invitation_id=invitation_id, registration_id=registration_id)
    return len(recipients)


def cancellation_recipients(event: Event) -> list[tuple[str, int | None, int | None]]:
    """(address, invitation id, registration id) for every attendee of an active registration and every
    invitee whose invitation is `registered`, one mail per address (case does not make a new address)."""
    rows = db.session.execute(
        select(Attendee.email, Registration.invitation_id, Registration.id)
        .join(Registration, Attendee.registration_id == Registration.id)
        .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_REGISTRATION),
               Attendee.email.is_not(None), Attendee.erased_at.is_(None))
        .order_by(Registration.id, Attendee.position, Attendee.id)).all()
    invitees = db.session.execute(
        select(Contact.email, Invitation.id)
        .join(Contact, Invitation.contact_id == Contact.id)
        .where(Invitation.event_id == event.id, Invitation.status == InvitationStatus.registered,
               Contact.email.is_not(None))
        .order_by(Invitation.id)).all()
    seen: set[str] = set()
    out = []
    for email, invitation_id, registration_id in [*rows, *((e, i, None) for e, i in invitees)]:
        address = (email or "").strip()
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        out.append((address, invitation_id, registration_id))
    return out


@dataclass
class EventPage:
    items: list[Event]
    total: int
    page: int
    per_page: int


def list_events(*, status: EventStatus | str | None = None, page: int = 1, per_page: int = 50) -> EventPage:
    """Upcoming events first (soonest first), then past ones (latest first)."""
    now = utcnow()
    where = []
    if status:
        where.append(Event.status == EventStatus(status))
    upcoming = Event.ends_at >= now
    total = db.session.scalar(select(func.count(Event.id)).where(*where))
    rows = db.session.scalars(
        select(Event).where(*where)
        .order_by(case((upcoming, 0), else_=1), case((upcoming, Event.starts_at)).asc(),
                  case((upcoming, None), else_=Event.starts_at).desc(), Event.id)
        .offset((page - 1) * per_page).limit(per_page)).all()
    return EventPage(list(rows), total or 0, page, per_page)


def is_upcoming(event: Event) -> bool:
    return event.ends_at >= utcnow()


def event_stats(event: Event) -> dict[str, Any]:
    """API.md's stats: invitations for `invited`; people (attendees) for the rest, each counted in the
    database, grouped by registration status and organisation kind."""
    invited = db.session.scalar(select(func.count(Invitation.id)).where(Invitation.event_id == event.id))
    checkin = and_(CheckIn.attendee_id == Attendee.id, CheckIn.status == CheckInStatus.active,
                   CheckIn.event_id == event.id)
    rows = db.session.execute(
        select(Organisation.kind, Registration.status, func.count(Attendee.id), func.count(CheckIn.id))
        .select_from(Attendee)
        .join(Registration, Attendee.registration_id == Registration.id)
        .join(Organisation, Registration.organisation_id == Organisation.id)
        .outerjoin(CheckIn, checkin)
        .where(Registration.event_id == event.id)
        .group_by(Organisation.kind, Registration.status)).all()
    by_kind = {kind.value: {"registered": 0, "checked_in": 0} for kind in OrgKind}
    totals = {"registered": 0, "waitlisted": 0, "checked_in": 0}
    for org_kind, status, people, checked_in in rows:
        kind = OrgKind(org_kind).value
        if status is RegistrationStatus.confirmed:
            by_kind[kind]["registered"] += people
            totals["registered"] += people
        elif status is RegistrationStatus.waitlisted:
            totals["waitlisted"] += people
        by_kind[kind]["checked_in"] += checked_in
        totals["checked_in"] += checked_in
    return {"capacity": event.capacity, "invited": invited or 0, **totals, "by_kind": by_kind}


def in_zone(event: Event, value: datetime | None) -> datetime | None:
    """An instant in the event's own time zone (what the API returns and pages show)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(event.timezone or DEFAULT_TIMEZONE))


def ics_url(event: Event) -> str:
    return urls.event_file(event.id)
