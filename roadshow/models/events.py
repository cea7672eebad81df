"""Events: roadshows, investment fairs, site visits."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Enum, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class EventStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"


class RegistrationMode(str, enum.Enum):
    invite = "invite"
    open = "open"


def _public_from_the_start(context) -> datetime | None:
    """An event inserted published (or, in test data, already cancelled) has been public since then."""
    status = context.get_current_parameters().get("status")
    return None if status in (None, EventStatus.draft, EventStatus.draft.value) else utcnow()


class Event(Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("registration_closes_at IS NULL OR registration_opens_at IS NULL "
                        "OR registration_closes_at > registration_opens_at", name="registration_closes_after_opens"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    venue: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None]
    registration_mode: Mapped[RegistrationMode] = mapped_column(
        Enum(RegistrationMode, native_enum=False, length=10), default=RegistrationMode.invite
    )
    approval_required: Mapped[bool] = mapped_column(default=False)
    # Attendees one registration may bring to an open event (an invitation carries its own seats);
    # services/events.py keeps it within 1..MAX_ATTENDEES_PER_REGISTRATION.
    max_attendees_per_registration: Mapped[int] = mapped_column(default=5, server_default="5")
    # The registration window (both optional): public registration is refused (410) before it opens and
    # after it closes; services/questions.py `window_state` tells which.
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[EventStatus] = mapped_column(
        Enum(EventStatus, native_enum=False, length=10), default=EventStatus.draft, index=True
    )
    industries: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Confirmed registrants get one reminder this many hours before the start (services/reminders.py);
    # None: no reminder. The registrant's calendar copy carries an alarm as long before.
    reminder_hours_before: Mapped[int | None] = mapped_column(default=24, server_default="24")
    # Each confirmed registrant (also one promoted from the waitlist) with a mobile number gets the link to
    # their ticket and manage page by SMS (services/sms.py `queue_ticket`).
    sms_ticket: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Grows with every change of a published field; calendars use it to replace old copies.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When the event first became public; None for a draft that never was. A cancelled event is shown
    # (page, calendar file, feed) only when it was once public: a cancelled draft stays private.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=_public_from_the_start)

    def was_published(self) -> bool:
        return self.published_at is not None
