"""Records built straight through the models, for tests of one area that need another's data.
Call inside an app context (fixture `app_ctx`). Each helper commits and returns the object."""
from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta, timezone

from roadshow.extensions import db
from roadshow.models import (
    Attendee,
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
)
from roadshow.models.types import utcnow
from roadshow.services import tickets

_n = itertools.count(1)


def organisation(name: str | None = None, kind: OrgKind = OrgKind.enterprise, **fields) -> Organisation:
    org = Organisation(name=name or f"测试企业{next(_n)}有限公司", kind=kind, **fields)
    db.session.add(org)
    db.session.commit()
    return org


def event(title: str | None = None, *, starts_at: datetime | None = None, hours: float = 3,
          capacity: int | None = None, status: EventStatus = EventStatus.published,
          registration_mode: RegistrationMode = RegistrationMode.invite, approval_required: bool = False,
          **fields) -> Event:
    starts_at = starts_at or (utcnow() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    ev = Event(title=title or f"测试路演{next(_n)}", starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
               capacity=capacity, status=status, registration_mode=registration_mode,
               approval_required=approval_required, **fields)
    db.session.add(ev)
    db.session.commit()
    return ev


def invitation(ev: Event, org: Organisation | None = None, *, seats: int = 1, contact_name: str = "张经理",
               email: str | None = None, phone: str | None = "13800138000",
               status: InvitationStatus = InvitationStatus.pending) -> Invitation:
    org = org or organisation()
    contact = Contact(organisation=org, name=contact_name, email=email or f"contact{next(_n)}@example.com",
                      phone=phone)
    inv = Invitation(event=ev, organisation=org, contact=contact, seats=seats, status=status,
                     token=secrets.token_urlsafe(24))
    db.session.add(inv)
    db.session.commit()
    return inv


def registration(ev: Event, *, attendees: int = 1, status: RegistrationStatus = RegistrationStatus.confirmed,
                 org: Organisation | None = None, inv: Invitation | None = None,
                 names: list[str] | None = None) -> Registration:
    org = org or (inv.organisation if inv else organisation())
    now = utcnow()
    reg = Registration(event=ev, organisation=org, invitation=inv, status=status, seats=attendees,
                       manage_token=secrets.token_urlsafe(24), consent_at=now, consent_version="test",
                       confirmed_at=now if status is RegistrationStatus.confirmed else None)
    for i in range(attendees):
        name = names[i] if names and i < len(names) else f"嘉宾{next(_n)}"
        reg.attendees.append(Attendee(name=name, phone=f"139{next(_n):08d}", email=f"guest{next(_n)}@example.com",
                                      title="总经理", position=i))
    db.session.add(reg)
    tickets.assign(reg)
    db.session.commit()
    return reg


def aware(year: int, month: int, day: int, hour: int = 9, minute: int = 0, tz=timezone(timedelta(hours=8))):
    return datetime(year, month, day, hour, minute, tzinfo=tz)
