"""Personal information duties (PIPL): erasure on request and purging after events end.

Erasing keeps the attendee row, its registration and its check-ins — the event's counts and
history stay true — but replaces the name with a placeholder and removes phone, email and title.
The ticket code stays so a printed badge still resolves to "erased", not to somebody else.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Attendee, Contact, Event, Invitation, Registration, User
from ..models.types import utcnow
from . import audit
from .errors import NotFound

PLACEHOLDER = "[erased]"


def erase_attendee(attendee: Attendee, actor: User | None, *, reason: str = "request") -> bool:
    """Remove an attendee's personal data; False when it was already erased."""
    if attendee.erased_at is not None:
        return False
    attendee.name = f"{PLACEHOLDER} #{attendee.id}"
    attendee.phone = None
    attendee.email = None
    attendee.title = None
    attendee.erased_at = utcnow()
    # Only the fact is logged: the audit log must not become a copy of what was erased.
    audit.record(actor, "attendee.erase", "attendee", attendee.id, {"reason": reason})
    return True


def erase_attendee_by_id(attendee_id: int, actor: User | None) -> Attendee:
    attendee = db.session.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound(_("No such attendee."))
    erase_attendee(attendee, actor)
    return attendee


def purge_ended_events(older_than_days: int, actor: User | None = None) -> int:
    """Erase the attendees (and invited contacts) of events that ended more than N days ago."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    attendees = db.session.scalars(
        select(Attendee).join(Registration, Attendee.registration_id == Registration.id)
        .join(Event, Registration.event_id == Event.id)
        .where(Event.ends_at < cutoff, Attendee.erased_at.is_(None))).all()
    for attendee in attendees:
        erase_attendee(attendee, actor, reason=f"purge older than {older_than_days} days")
    # Contacts invited only to such events keep no phone or email either.
    stale_contacts = db.session.scalars(
        select(Contact).where(Contact.id.in_(select(Invitation.contact_id).join(Event).where(Event.ends_at < cutoff)),
                              ~Contact.id.in_(select(Invitation.contact_id).join(Event).where(Event.ends_at >= cutoff)),
                              (Contact.phone.is_not(None)) | (Contact.email.is_not(None)))).all()
    for contact in stale_contacts:
        contact.phone = None
        contact.email = None
        audit.record(actor, "contact.erase", "contact", contact.id, {"reason": "purge"})
    if attendees or stale_contacts:
        audit.record(actor, "data.purge", "event", None,
                     {"older_than_days": older_than_days, "attendees": len(attendees), "contacts": len(stale_contacts)})
    return len(attendees)
