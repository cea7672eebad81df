"""Messages by status (群发): what an organiser wrote to a part of an event's guests, and to whom it went.

A broadcast keeps its audience, subject, body and channels; each recipient row links the person (an
attendee or an invitation's contact) to the outbox rows that carry the message (mail, SMS), so the
event page can show the delivery state from the outboxes themselves.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class Broadcast(Model):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # confirmed, waitlisted, checked_in, no_show, invited_not_registered (services/broadcasts.AUDIENCES)
    audience: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[BroadcastRecipient]] = relationship(back_populates="broadcast", cascade="all, delete-orphan",
                                                           order_by="BroadcastRecipient.id")


class BroadcastRecipient(Model):
    """One person a broadcast went to, with the outbox rows of its mail and its SMS."""

    __tablename__ = "broadcast_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_outbox.id", ondelete="SET NULL"), index=True)
    sms_id: Mapped[int | None] = mapped_column(ForeignKey("sms_outbox.id", ondelete="SET NULL"), index=True)

    broadcast: Mapped[Broadcast] = relationship(back_populates="items")


class ShortLink(Model):
    """A short address (`/s/<code>`) for a personal link, so an SMS has room for its text. The code has
    96 random bits, as unguessable as what it points at needs."""

    __tablename__ = "short_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    target: Mapped[str] = mapped_column(String(200), unique=True)  # a path on the site, e.g. /m/<token>
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
