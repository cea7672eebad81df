"""The outbox: queued with the change, delivered after commit to a real SMTP server, kept and retried
when the server is down."""
from __future__ import annotations

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import MailStatus, OutboxMessage
from roadshow.services import mail
from tests.conftest import free_port
from tests.mailbox import send_to, serve


def test_queued_mail_is_delivered_after_commit(app, smtp):
    with app.app_context():
        mail.queue("guest@example.com", "路演邀请 / Invitation", "您好\n\nHello", kind="test",
                   body_html="<p>您好</p>", attachments=[{"filename": "event.ics", "content": "BEGIN:VCALENDAR\r\n",
                                                         "content_type": "text/calendar; method=PUBLISH"}])
        assert smtp.messages == []  # nothing leaves before the commit
        db.session.commit()
    mail.deliverer.wait()
    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    assert received["To"] == "guest@example.com" and received["Subject"] == "路演邀请 / Invitation"
    assert "您好" in received.get_body(("plain",)).get_content()
    assert "<p>您好</p>" in received.get_body(("html",)).get_content()
    assert [p.get_filename() for p in received.iter_attachments()] == ["event.ics"]
    with app.app_context():
        stored = db.session.scalar(select(OutboxMessage))
        assert stored.status is MailStatus.sent and stored.sent_at and stored.attempts == 1


def test_rolled_back_change_sends_nothing(app, smtp):
    with app.app_context():
        mail.queue("guest@example.com", "never", "never", kind="test")
        db.session.rollback()
        assert mail.deliver_pending() == (0, 0)
    assert smtp.messages == []


def test_smtp_down_keeps_the_mail_and_a_retry_delivers_it(app, monkeypatch):
    dead_port = free_port()  # nothing listens here
    send_to(app, monkeypatch, dead_port)
    with app.app_context():
        mail.queue("guest@example.com", "确认 / Confirmed", "text", kind="test")
        db.session.commit()
    mail.deliverer.wait()
    with app.app_context():
        stored = db.session.scalar(select(OutboxMessage))
        assert stored.status is MailStatus.failed and stored.last_error and stored.attempts == 1
        assert mail.pending_count() == 1
        # due again now (instead of after the back-off), and the server is back
        stored.next_attempt_at = stored.created_at
        db.session.commit()
    with serve(dead_port) as inbox, app.app_context():
        assert mail.deliver_pending() == (1, 0)
        assert mail.pending_count() == 0
    assert len(inbox.messages) == 1 and inbox.messages[0]["Subject"] == "确认 / Confirmed"
