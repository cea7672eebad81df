"""The SMS outbox, shaped like the mail outbox: written in the same transaction as the change,
delivered after commit through the gateway (services/sms.py)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class SmsStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # last attempt failed; retried until MAX_ATTEMPTS


class SmsMessage(Model):
    __tablename__ = "sms_outbox"
    __table_args__ = (Index("ix_sms_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[SmsStatus] = mapped_column(Enum(SmsStatus, native_enum=False, length=10),
                                              default=SmsStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
