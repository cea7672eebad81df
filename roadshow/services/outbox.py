"""The delivery loop shared by the mail and SMS outboxes (services/mail.py, services/sms.py).

A run claims the due messages in batches and sends each claimed one, with no transaction open while it
is sent, through one sender for the whole run (the mail outbox: one SMTP connection), recording each
message's outcome in a short unit of work of its own right after it was sent. A run is bounded by time
(`seconds`), not by a number of messages: when it stops with work left it hands its job over again
(`jobs.enqueue`), so the next run starts at once.

Exactly once: a batch is claimed in one UPDATE that re-checks that each message is still due and sets it
not due (`next_attempt_at` at the end of the claim) and pending, with `attempts + 1`; several workers may
run at once and each message is claimed by one of them. PostgreSQL re-evaluates the WHERE clause of the
UPDATE on a row another transaction changed meanwhile (READ COMMITTED), and SQLite has one writer at a
time, so two claims never both match a message. A claim expires after `claim_for` (a worker that died):
so that no other worker takes over a message this one is still sending, a message is sent only within
the first half of its batch's claim; the rest of the batch is handed back (due now, its attempt undone).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, update

from ..extensions import db
from ..models.types import utcnow

RUN_SECONDS = 25  # a delivery run, shorter than the 30 s period of its job
BATCH = 50  # messages claimed in one unit of work


@dataclass(frozen=True)
class Outbox:
    name: str  # "mail", "sms": for the log
    job: str  # the job of roadshow/jobs.py that delivers it
    model: Any  # OutboxMessage, SmsMessage
    pending: Any  # the model's status values
    sent: Any
    log: logging.Logger


def deliver(box: Outbox, *, due: Callable[[Any], ColumnElement[bool]], claim_for: timedelta,
            sender: AbstractContextManager[Callable[[Any], None]], failed: Callable[[Any, Exception], None],
            seconds: float | None, limit: int | None = None, batch: int = BATCH,
            claim_values: dict[str, Any] | None = None) -> tuple[int, int]:
    """Send what is due (`due(now)`: the condition on `box.model`) until nothing is left, `limit` messages
    were taken or `seconds` have passed. Returns (sent, failed). `failed(stored, error)` records a failed
    attempt on the stored row (in its unit of work). A run goes once over the outbox in id order."""
    from ..jobs import enqueue
    from ..uow import unit_of_work

    model = box.model
    deadline = None if seconds is None else time.monotonic() + seconds
    sent = failures = taken = 0
    after = 0  # the last id this run looked at
    more = False  # stopped by the time bound with messages left
    with sender as send:
        while limit is None or taken < limit:
            if deadline is not None and time.monotonic() >= deadline:
                more = True
                break
            size = batch if limit is None else min(batch, limit - taken)
            with unit_of_work(write=False):
                ids = list(db.session.scalars(select(model.id).where(model.id > after, model.status != box.sent,
                                                                     due(utcnow()))
                                              .order_by(model.id).limit(size)))
            if not ids:
                break
            after = ids[-1]
            with unit_of_work(write=True):
                now = utcnow()
                claimed_at = time.monotonic()
                won = set(db.session.scalars(
                    update(model)
                    .where(model.id.in_(ids), model.status != box.sent, due(now))
                    .values(attempts=model.attempts + 1, next_attempt_at=now + claim_for, status=box.pending,
                            **(claim_values or {}))
                    .returning(model.id)
                    .execution_options(synchronize_session=False)))
                messages = list(db.session.scalars(select(model).where(model.id.in_(won)).order_by(model.id)))
                db.session.expunge_all()
            taken += len(messages)
            for index, message in enumerate(messages):
                late = time.monotonic() - claimed_at >= claim_for.total_seconds() / 2
                if late or (deadline is not None and time.monotonic() >= deadline):
                    _hand_back(model, messages[index:])
                    more = True
                    break
                error = None
                try:
                    send(message)
                except Exception as exc:  # server down, refused, timeout …: keep it and retry later
                    error = exc
                with unit_of_work(write=True):
                    if error is None:  # an erased message (services/privacy.py) updates nothing
                        db.session.execute(update(model).where(model.id == message.id)
                                           .values(status=box.sent, sent_at=utcnow(), last_error=None)
                                           .execution_options(synchronize_session=False))
                        sent += 1
                        continue
                    stored = db.session.get(model, message.id)
                    if stored is not None:
                        stored.last_error = f"{type(error).__name__}: {error}"[:2000]
                        failed(stored, error)
                    failures += 1
            if more:
                break
    if more:
        from flask import current_app

        if current_app.config.get("MAIL_DELIVERY", "thread") == "thread":  # "off": this process hands nothing over
            enqueue(box.job)
    return sent, failures


def _hand_back(model: Any, messages: list[Any]) -> None:
    """Claimed messages this run will not send: due again now, their attempt undone (unless the claim
    expired and another worker claimed them since, which made `attempts` grow again)."""
    from ..uow import unit_of_work

    with unit_of_work(write=True):
        for message in messages:
            db.session.execute(update(model).where(model.id == message.id, model.attempts == message.attempts)
                               .values(attempts=message.attempts - 1, next_attempt_at=utcnow())
                               .execution_options(synchronize_session=False))
