"""Check-ins at the door."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .registrations import Attendee
from .types import UTCDateTime, utcnow


class CheckInStatus(str, enum.Enum):
    active = "active"
    undone = "undone"  # undone by staff (DELETE /api/v1/checkins/{id})
    replaced = "replaced"  # an earlier offline scan synced later took its place


class CheckInMethod(str, enum.Enum):
    scan = "scan"  # the ticket's QR code, scanned or typed
    lookup = "lookup"  # found on the door page by name or phone tail, checked in by attendee id
    walk_in = "walk_in"  # registered at the door and admitted at once


class CheckIn(Model):
    __tablename__ = "checkins"
    __table_args__ = (
        # Exactly one active check-in per attendee: two doors scanning at once cannot both win.
        Index("uq_checkins_active_attendee", "attendee_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
        Index("ix_checkins_event_created", "event_id", "created_at"),
        # Ids are never reused on SQLite (a deleted last row's id would go to the next scan, and audit
        # rows of the old one would point at the new one); PostgreSQL's sequences never reuse them.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a check-in is the door's history (undo only marks it); deleting its attendee or event
    # fails instead of taking it along (services/registration.py never removes a checked-in attendee).
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="RESTRICT"), index=True)
    status: Mapped[CheckInStatus] = mapped_column(
        Enum(CheckInStatus, native_enum=False, length=10), default=CheckInStatus.active)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    device: Mapped[str | None] = mapped_column(String(100))
    method: Mapped[CheckInMethod] = mapped_column(
        Enum(CheckInMethod, native_enum=False, length=10), default=CheckInMethod.scan,
        server_default=CheckInMethod.scan.value)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attendee: Mapped[Attendee] = relationship()
