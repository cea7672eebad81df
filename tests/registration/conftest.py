"""A real SMTP server (aiosmtpd) collecting what the app sends."""
from __future__ import annotations

import email
import email.policy
import time

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, count: int, timeout: float = 15) -> list[email.message.EmailMessage]:
        from roadshow.services import mail

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            mail.deliverer.wait(1)
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp(app, monkeypatch):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    # Flask-Mailman reads its settings once (and picks its in-memory backend under TESTING): give it the
    # real SMTP backend pointed at this server.
    from flask_mailman import Mail

    monkeypatch.setitem(app.extensions, "mailman",
                        Mail.init_mail({**app.config, "MAIL_BACKEND": "smtp"}, testing=False))
    inbox.port = port
    yield inbox
    from roadshow.services import mail

    mail.deliverer.wait(5)
    controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def ics_of(message):
    from icalendar import Calendar

    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()
            return Calendar.from_ical(content if isinstance(content, (str, bytes)) else content.encode())
    return None


@pytest.fixture(autouse=True)
def _mail_thread_idle(app):
    """The outbox thread writes to the database after each commit that queued mail; on SQLite a test's
    own read-then-write transaction must not race it, so every test starts and ends with it idle."""
    from roadshow.services import mail

    mail.deliverer.wait()
    yield
    mail.deliverer.wait()
