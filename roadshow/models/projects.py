"""Projects in the district's investment pipeline, and their stage history."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .organisations import Organisation
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .bureau import Team
    from .users import User


class Stage(str, enum.Enum):
    lead = "lead"
    negotiating = "negotiating"
    signed = "signed"
    started = "started"
    producing = "producing"
    dropped = "dropped"


# The forward order; `dropped` may follow any stage.
STAGE_ORDER = [Stage.lead, Stage.negotiating, Stage.signed, Stage.started, Stage.producing]

StageType = Enum(Stage, native_enum=False, length=20)


class Origin(str, enum.Enum):
    """Where the investor comes from, as the district's statistics count it."""

    local = "local"
    in_province = "in_province"
    out_of_province = "out_of_province"
    foreign = "foreign"


class Project(Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    source_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # The guest the lead was met through, when it was captured at an event.
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    industry: Mapped[str | None] = mapped_column(String(50), index=True)
    # 万元, exact.
    amount_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # True exactly when origin is out_of_province (services/pipeline.py keeps the two together).
    out_of_province: Mapped[bool] = mapped_column(default=False)
    origin: Mapped[Origin | None] = mapped_column(Enum(Origin, native_enum=False, length=20))
    industrial: Mapped[bool] = mapped_column(default=False, server_default=false())  # 工业项目
    stage: Mapped[Stage] = mapped_column(StageType, default=Stage.lead, index=True)
    # The bureau's side (models/bureau.py): the team it belongs to, the officer who follows it, and where it
    # came from besides an event — a trip, a reception, or a referral by a fund or an agent. (The free-text
    # `team` and `officer` columns were moved onto these by migration 0009 and dropped.)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    source_trip_id: Mapped[int | None] = mapped_column(ForeignKey("trips.id", ondelete="SET NULL"), index=True)
    source_reception_id: Mapped[int | None] = mapped_column(ForeignKey("receptions.id", ondelete="SET NULL"),
                                                            index=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The project pitched at an event that this lead is interested in (programme: interest → lead).
    related_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"),
                                                           index=True)
    next_follow_up: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    referred_by: Mapped[Organisation | None] = relationship(foreign_keys=[referred_by_id])
    related_project: Mapped[Project | None] = relationship(foreign_keys=[related_project_id], remote_side=[id])
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])
    history: Mapped[list[StageChange]] = relationship(
        back_populates="project", order_by="StageChange.at, StageChange.id", cascade="all, delete-orphan"
    )


class StageChange(Model):
    __tablename__ = "project_stage_changes"
    __table_args__ = (Index("ix_project_stage_changes_to_at", "to_stage", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(StageType)
    to_stage: Mapped[Stage] = mapped_column(StageType)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship(back_populates="history")
