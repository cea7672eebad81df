"""The mail outbox: written in the same transaction as the change, delivered after commit."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class MailStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # last attempt failed; retried with back-off unless it failed for good (gave_up_at)


class OutboxMessage(Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # [{"filename", "content_type", "content"}] — text attachments (ICS) kept as text.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(40))  # invitation, confirmation, promotion, cancellation …
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="SET NULL"),
                                                        index=True)
    status: Mapped[MailStatus] = mapped_column(Enum(MailStatus, native_enum=False, length=10),
                                               default=MailStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Failed for good (a permanent SMTP refusal, or retried for MAIL_RETRY_FOR_HOURS): no automatic retry.
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
