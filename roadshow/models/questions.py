"""Registration questions an event asks (关注产业, 投资意向, 融资需求 …) and the answers of registrations."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class QuestionKind(str, enum.Enum):
    text = "text"
    choice = "choice"  # one of the options
    multi = "multi"  # any of the options
    number = "number"
    yes_no = "yes_no"


WITH_OPTIONS = (QuestionKind.choice, QuestionKind.multi)


class Question(Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[QuestionKind] = mapped_column(Enum(QuestionKind, native_enum=False, length=10))
    # The options of a choice or multi question, in their order; [] for the other kinds.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(Model):
    """One registration's answer to one question. `value` is a string (text, choice), a list of strings
    (multi), a number as a decimal string (number, never a float) or a boolean (yes_no)."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id", name="uq_answers_registration_question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    # RESTRICT: a question with answers is never deleted (services/questions.py answers 409 first).
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"), index=True)
    value: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[Question] = relationship()
