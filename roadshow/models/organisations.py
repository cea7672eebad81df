"""Organisations: the enterprises, funds, banks and incubators a bureau invites."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class OrgKind(str, enum.Enum):
    enterprise = "enterprise"
    fund = "fund"
    bank = "bank"
    incubator = "incubator"
    ecommerce = "ecommerce"
    association = "association"
    government = "government"
    agent = "agent"  # a commissioned investment-promotion agent (委托招商)
    other = "other"


class Industry(Model):
    """The district's industry list (the industry teams, 产业专班)."""

    __tablename__ = "industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[OrgKind] = mapped_column(Enum(OrgKind, native_enum=False, length=20), index=True)
    # Unique in the database; NULLs do not collide on either SQLite or PostgreSQL.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    province: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(300))
    fund_size_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # an industry fund's size, 万元
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[Contact]] = relationship(back_populates="organisation", order_by="Contact.id",
                                                     cascade="all, delete-orphan")


class Contact(Model):
    """A person at an organisation whom the bureau invites."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="contacts")
