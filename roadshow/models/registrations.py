"""Invitations, registrations and their attendees."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .events import Event
from .organisations import Contact, Organisation
from .types import UTCDateTime, utcnow


class InvitationStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    opened = "opened"
    registered = "registered"
    declined = "declined"


class RegistrationStatus(str, enum.Enum):
    pending = "pending"  # waiting for an organiser's approval
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"
    rejected = "rejected"


ACTIVE_REGISTRATION = (RegistrationStatus.pending, RegistrationStatus.confirmed, RegistrationStatus.waitlisted)


class Invitation(Model):
    """One organisation contact invited to one event, with a number of seats and a personal link."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("event_id", "contact_id", name="uq_invitations_event_contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    seats: Mapped[int] = mapped_column(default=1)
    # ≥ 128 bits from secrets.token_urlsafe; the personal link is /r/{token}.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(
        Enum(InvitationStatus, native_enum=False, length=20), default=InvitationStatus.pending, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    organisation: Mapped[Organisation] = relationship()
    contact: Mapped[Contact] = relationship()


class Registration(Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per invitation, however many requests race for it.
        Index("uq_registrations_active_invitation", "invitation_id", unique=True,
              sqlite_where=text("status IN ('pending', 'confirmed', 'waitlisted')"),
              postgresql_where=text("status IN ('pending', 'confirmed', 'waitlisted')")),
        Index("ix_registrations_event_status", "event_id", "status"),
        # A retried request (the same Idempotency-Key, or the form's one-time token) finds its registration.
        # Only keyed rows: the planners then read an event's registrations by (event_id, status), not this.
        Index("uq_registrations_event_idempotency_key", "event_id", "idempotency_key", unique=True,
              sqlite_where=text("idempotency_key IS NOT NULL"), postgresql_where=text("idempotency_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(Enum(RegistrationStatus, native_enum=False, length=20))
    # Attendees counted against the capacity; equals len(attendees).
    seats: Mapped[int]
    manage_token: Mapped[str] = mapped_column(String(64), unique=True)
    # PIPL: when consent was given and to which version of the privacy notice.
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reminder's claim: set once, in the transaction that queues the reminder mail (services/reminders.py).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # The Idempotency-Key header (API) or the form's one-time token that created it, and a digest of that
    # request's content: the same key with other content is refused, never answered with this one.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    idempotency_hash: Mapped[str | None] = mapped_column(String(64))

    event: Mapped[Event] = relationship()
    invitation: Mapped[Invitation | None] = relationship()
    organisation: Mapped[Organisation] = relationship()
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="registration", order_by="Attendee.position", cascade="all, delete-orphan")


class Attendee(Model):
    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    # Indexed: a registration's check that no other active one of the event has its phones starts here,
    # not with every registration of the event (services/registration.py `_seat_state`).
    phone: Mapped[str | None] = mapped_column(String(30), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    title: Mapped[str | None] = mapped_column(String(100))
    # Issued when the registration is confirmed (services/tickets.py); unique, looked up at the door.
    ticket_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # PIPL consent of an attendee added (or put in another's place) later on the manage page; None: the
    # attendee came with the registration and its consent (Registration.consent_at/consent_version).
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="attendees")
