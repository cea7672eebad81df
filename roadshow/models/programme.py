"""The roadshow day's programme: the agenda's sessions (a session may pitch a pipeline project, 路演项目)
and the guests' interest in the pitched projects, with the 1:1 meetings organisers schedule (对接意向)."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .events import Event
    from .organisations import Organisation
    from .projects import Project
    from .registrations import Attendee


class AgendaSession(Model):
    """One item of an event's agenda (not `Session`: that is SQLAlchemy's)."""

    __tablename__ = "agenda_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="session_ends_after_start"),
        Index("ix_agenda_sessions_event_starts", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    speaker: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    # The pipeline project this session pitches (路演项目), if any.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    project: Mapped[Project | None] = relationship()


class Interest(Model):
    """A guest's interest in a project pitched at the event, perhaps asking for a 1:1 meeting."""

    __tablename__ = "interests"
    __table_args__ = (
        # One per attendee and project, however many taps race for it.
        UniqueConstraint("attendee_id", "project_id", name="uq_interests_attendee_project"),
        Index("ix_interests_event", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    meeting: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    meeting_place: Mapped[str | None] = mapped_column(String(200))
    # Grows with every (re)scheduling: the meeting's calendar copies replace each other.
    meeting_sequence: Mapped[int] = mapped_column(default=0)
    # The lead this interest became; unique, so two clicks at once can never make two.
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    attendee: Mapped[Attendee] = relationship()
    project: Mapped[Project] = relationship(foreign_keys=[project_id])
    lead: Mapped[Project | None] = relationship(foreign_keys=[lead_id])
