"""A delivery run (services/outbox.py): one SMTP connection for the whole run, bounded by time rather than by a
number of messages, a refused recipient costing only its own message, a dropped connection opened again, and
two runs at once sending each message once."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from roadshow import jobs
from roadshow.extensions import db
from roadshow.models import MailStatus, OutboxMessage
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests.mailbox import Mailbox, send_to, serve


class Sessions(Mailbox):
    """Counts the SMTP sessions (connections) its messages came on; refuses RCPT to `refuse`; answers 421
    (closing) to the MAIL command after `per_connection` messages of a session."""

    def __init__(self, delay: float = 0, *, refuse: str | None = None, per_connection: int | None = None) -> None:
        super().__init__(delay=delay)
        self.refuse = refuse
        self.per_connection = per_connection
        self.by_session: Counter[Any] = Counter()  # holds the sessions: no id is reused

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.per_connection is not None and self.by_session[session] >= self.per_connection:
            server.transport.close()
            return "421 4.7.0 too many messages on this connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self.by_session[session] += 1
        return answer


@pytest.fixture(autouse=True)
def _by_hand(app, monkeypatch):
    """Only the test delivers (no delivery thread after the commits)."""
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")


def queue(count: int, to: str = "guest{i}@example.com") -> None:
    for i in range(count):
        mail.queue(to.format(i=i), f"第 {i} 封 / Message {i}", f"text {i}", kind="test")
    db.session.commit()


def statuses() -> Counter[MailStatus]:
    return Counter(db.session.scalars(select(OutboxMessage.status)).all())


def test_one_run_sends_more_than_200_messages_over_one_connection(app, app_ctx, monkeypatch):
    queue(250)
    with serve(mailbox=Sessions()) as mailbox:
        send_to(app, monkeypatch, mailbox.port)
        assert mail.deliver_pending() == (250, 0)
    assert len(mailbox.messages) == 250
    assert list(mailbox.by_session.values()) == [250]  # one SMTP session for the whole run
    assert statuses() == {MailStatus.sent: 250}


def test_a_run_stops_at_its_time_bound_and_hands_the_rest_to_the_next(app, app_ctx, monkeypatch):
    queue(12)
    monkeypatch.setitem(app.config, "MAIL_DELIVERY_RUN_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "thread")
    handed: list[str] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, app=None: handed.append(name))
    with serve(mailbox=Sessions(delay=0.2)) as mailbox:  # 0.2 s a message: a run of 0.5 s sends 2 or 3
        send_to(app, monkeypatch, mailbox.port)
        sent, failed = mail.deliver_pending()
        assert 1 <= sent <= 4 and failed == 0
        assert handed == ["deliver_mail"]  # the next run starts at once
        db.session.expire_all()
        left = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status != MailStatus.sent)).all()
        assert len(left) == 12 - sent
        # handed back, not kept claimed: due now, no attempt counted
        assert all(m.attempts == 0 and m.next_attempt_at <= utcnow() for m in left)
        monkeypatch.setitem(app.config, "MAIL_DELIVERY_RUN_SECONDS", 60)
        assert mail.deliver_pending() == (12 - sent, 0)
    assert sorted(m["Subject"] for m in mailbox.messages) == sorted(f"第 {i} 封 / Message {i}" for i in range(12))
    assert handed == ["deliver_mail"]  # the second run finished the outbox: nothing more to hand over


def test_a_refused_recipient_does_not_stop_the_others(app, app_ctx, monkeypatch):
    queue(6)
    with serve(mailbox=Sessions(refuse="guest2@example.com")) as mailbox:
        send_to(app, monkeypatch, mailbox.port)
        assert mail.deliver_pending() == (5, 1)
    assert sorted(m["To"] for m in mailbox.messages) == [f"guest{i}@example.com" for i in (0, 1, 3, 4, 5)]
    assert list(mailbox.by_session.values()) == [5]  # the refusal did not cost the connection
    refused = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to == "guest2@example.com"))
    assert refused.status is MailStatus.failed and refused.gave_up_at is not None  # a 5xx: failed for good
    assert "550" in refused.last_error


def test_a_dropped_connection_is_opened_again(app, app_ctx, monkeypatch):
    queue(10)
    with serve(mailbox=Sessions(per_connection=3)) as mailbox:  # the server ends each session after three messages
        send_to(app, monkeypatch, mailbox.port)
        assert mail.deliver_pending() == (10, 0)
    assert sorted(mailbox.by_session.values()) == [1, 3, 3, 3]
    assert sorted(m["Subject"] for m in mailbox.messages) == sorted(f"第 {i} 封 / Message {i}" for i in range(10))


def test_two_runs_at_once_send_each_message_once(app, monkeypatch):
    with app.app_context():
        queue(120)
        db.session.remove()
    monkeypatch.setitem(app.config, "MAIL_DELIVERY_BATCH", 10)  # many claims, so the runs interleave
    results: list[tuple[int, int]] = []
    with serve(mailbox=Sessions()) as mailbox:
        send_to(app, monkeypatch, mailbox.port)
        start = threading.Barrier(2)

        def run() -> None:
            with app.app_context():
                start.wait()
                results.append(mail.deliver_pending())
                db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sum(sent for sent, _ in results) == 120 and all(failed == 0 for _, failed in results)
    ids = Counter(m["Message-ID"] for m in mailbox.messages)
    assert len(ids) == 120 and set(ids.values()) == {1}  # each message once
    with app.app_context():
        assert [(m.status, m.attempts) for m in db.session.scalars(select(OutboxMessage))] == \
            [(MailStatus.sent, 1)] * 120
        db.session.remove()
