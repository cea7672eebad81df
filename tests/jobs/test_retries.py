"""Mail retries in-process: a capped back-off with no give-up after a number of attempts; failed for good
only on a permanent SMTP refusal (5xx) or after MAIL_RETRY_FOR_HOURS; the CLI retries those too."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import MailStatus, OutboxMessage
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests.conftest import free_port
from tests.mailbox import Mailbox, send_to, serve


@pytest.fixture(autouse=True)
def _quiet(app, monkeypatch):
    """Only this test delivers, by hand."""
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")


def one_message(**fields: Any) -> int:
    message = mail.queue("guest@example.com", "确认 / Confirmed", "text", kind="test")
    db.session.flush()
    for name, value in fields.items():
        setattr(message, name, value)
    db.session.commit()
    return message.id


def test_backoff_doubles_up_to_fifteen_minutes(app_ctx):
    assert [mail.backoff(n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 7, 50, 10_000)] == \
        [30, 60, 120, 240, 480, 900, 900, 900, 900]


def test_retries_go_on_after_the_old_eight_attempts(app, app_ctx, monkeypatch):
    port = free_port()
    send_to(app, monkeypatch, port)
    message_id = one_message(attempts=20, status=MailStatus.failed, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert mail.deliver_pending() == (0, 1)  # still tried: SMTP is down
    stored = db.session.get(OutboxMessage, message_id)
    assert stored.attempts == 21 and stored.gave_up_at is None
    assert stored.next_attempt_at - utcnow() > timedelta(minutes=14)  # the cap
    stored.next_attempt_at = utcnow()
    db.session.commit()
    with serve(port) as inbox:
        assert mail.deliver_pending() == (1, 0)
    assert len(inbox.messages) == 1
    assert db.session.get(OutboxMessage, message_id).status is MailStatus.sent


class Refusing(Mailbox):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 no such mailbox"


def test_a_permanent_refusal_fails_for_good_until_retried_by_hand(app, app_ctx, monkeypatch):
    from aiosmtpd.controller import Controller

    refusing = Refusing()
    port = free_port()
    controller = Controller(refusing, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_to(app, monkeypatch, port)
        message_id = one_message()
        assert mail.deliver_pending() == (0, 1)
    finally:
        controller.stop()
    stored = db.session.get(OutboxMessage, message_id)
    assert stored.status is MailStatus.failed and stored.gave_up_at is not None and "550" in stored.last_error
    stored.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with serve(port) as inbox:
        assert mail.deliver_pending() == (0, 0)  # not retried on its own
        assert mail.pending_count() == 1
        assert mail.deliver_pending(retry_failed=True) == (1, 0)  # `flask mail send-pending`
    assert len(inbox.messages) == 1
    assert db.session.get(OutboxMessage, message_id).gave_up_at is None


def test_a_transient_failure_gives_up_after_the_retry_period(app, app_ctx, monkeypatch):
    send_to(app, monkeypatch, free_port())
    message_id = one_message(created_at=utcnow() - timedelta(days=5, minutes=1))
    assert mail.deliver_pending() == (0, 1)
    stored = db.session.get(OutboxMessage, message_id)
    assert stored.gave_up_at is not None
    assert db.session.scalar(select(OutboxMessage.status)) is MailStatus.failed
