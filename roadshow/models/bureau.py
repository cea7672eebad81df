"""The bureau's work between events: teams, follow-up records, receptions of visitors and trips out."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, Enum, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from .types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .organisations import Organisation
    from .projects import Project
    from .users import User


class TeamKind(str, enum.Enum):
    team = "team"          # 招商工作队
    industry = "industry"  # 产业专班
    station = "station"    # 驻点招商组 (has a city)


class FollowUpKind(str, enum.Enum):
    call = "call"
    visit = "visit"
    meeting = "meeting"
    reception = "reception"
    message = "message"
    other = "other"


team_members = Table(
    "team_members", db.metadata,
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

reception_organisations = Table(
    "reception_organisations", db.metadata,
    Column("reception_id", ForeignKey("receptions.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="RESTRICT"), primary_key=True, index=True),
)

reception_projects = Table(
    "reception_projects", db.metadata,
    Column("reception_id", ForeignKey("receptions.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Team(Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[TeamKind] = mapped_column(Enum(TeamKind, native_enum=False, length=20), index=True)
    city: Mapped[str | None] = mapped_column(String(50))      # a station's city
    industry: Mapped[str | None] = mapped_column(String(50))  # an industry team's industry
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    members: Mapped[list[User]] = relationship(secondary=team_members, order_by="User.id")


class FollowUp(Model):
    """One 跟进记录 on a project: what was done, what was said, what comes next."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_project_at", "project_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[FollowUpKind] = mapped_column(Enum(FollowUpKind, native_enum=False, length=20))
    note: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_follow_up: Mapped[dt.date | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    project: Mapped[Project] = relationship()
    user: Mapped[User | None] = relationship()


class Reception(Model):
    """One 接待批次: a visiting delegation received by the bureau."""

    __tablename__ = "receptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    visitors: Mapped[int] = mapped_column(default=1)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    hosts: Mapped[str | None] = mapped_column(String(300))
    purpose: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship()
    organisations: Mapped[list[Organisation]] = relationship(secondary=reception_organisations,
                                                             order_by="Organisation.id")
    projects: Mapped[list[Project]] = relationship(secondary=reception_projects, order_by="Project.id")


class Trip(Model):
    """One 外出招商 trip of a team to a city, and the companies it visited."""

    __tablename__ = "trips"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"), index=True)
    destination: Mapped[str] = mapped_column(String(50), index=True)
    starts_on: Mapped[dt.date] = mapped_column(index=True)
    ends_on: Mapped[dt.date]
    leader: Mapped[str | None] = mapped_column(String(100))
    members: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship()
    visits: Mapped[list[TripVisit]] = relationship(back_populates="trip", order_by="TripVisit.id",
                                                   cascade="all, delete-orphan")


class TripVisit(Model):
    __tablename__ = "trip_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    date: Mapped[dt.date | None]
    note: Mapped[str | None] = mapped_column(Text)

    trip: Mapped[Trip] = relationship(back_populates="visits")
    organisation: Mapped[Organisation] = relationship()
