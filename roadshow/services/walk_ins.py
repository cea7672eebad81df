"""Walk-ins: a guest registered at the door and admitted on the spot.

The registration is made by the registration service's own path (`registration.register(walk_in=True)`):
the same cleaners for names, phones and the organisation, the same consent record, the same event lock
and capacity count, the same phone-number rule and idempotency key. What differs is decided there: a
walk-in is confirmed at once or refused with CapacityFull (409 `capacity_full`), never waitlisted or
left pending. Its attendees are then checked in, in the same unit of work, recorded as `walk_in`: the
registration and its check-ins are committed together or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import CheckIn, Registration, User
from . import checkin, registration, values
from .errors import Conflict, Invalid


@dataclass
class WalkIn:
    registration: Registration
    checkins: list[CheckIn]


def _replay(event_id: int, key: str | None) -> bool:
    return key is not None and db.session.scalar(select(Registration.id).where(
        Registration.event_id == event_id, Registration.idempotency_key == key)) is not None


def _already_registered(event_id: int, attendees: list[dict]) -> None:
    """A guest whose phone already has a registration for this event is found with the look-up, not
    registered twice: said beside that phone, before the lock is queued for. (The registration service
    checks again under the lock.)"""
    for i, row in enumerate(attendees or []):
        try:
            phone = values.clean_phone(row.get("phone"), f"attendees.{i}.phone")
        except Invalid:
            continue  # the registration service reports it beside the field
        if phone and registration._phone_taken(event_id, {phone}) is not None:
            field = f"attendees.{i}.phone"
            message = _("This phone number already has a registration for this event: look the guest up by "
                        "the last four digits of the phone.")
            conflict = Conflict(message, result="already_registered")
            conflict.errors = {field: [message]}  # type: ignore[attr-defined]  # shown beside the phone
            raise conflict


def walk_in(event_id: int, *, organisation: dict | None, attendees: list[dict], consent: bool,
            device: str | None = None, actor: User | None = None, idempotency_key: str | None = None,
            scanned_at: datetime | None = None) -> WalkIn:
    """Register `attendees` of `organisation` for the event and check them in at once."""
    if not _replay(event_id, registration.clean_idempotency_key(idempotency_key)):
        _already_registered(event_id, attendees)
    reg = registration.register(event_id=event_id, organisation=organisation, attendees=attendees,
                                consent=consent, actor=actor, idempotency_key=idempotency_key, walk_in=True)
    admitted = list(checkin.active_of(reg))  # a replayed request (same key): its check-ins are there
    if not admitted:
        admitted = checkin.admit_walk_in(reg, device, actor, scanned_at)
    return WalkIn(registration=reg, checkins=admitted)
