"""The one SMTP server of the tests: a real aiosmtpd server on a local port that keeps every message it
accepts, and readers for what it got. The `smtp` fixture (tests/conftest.py) starts one and points the app
at it; a test that needs another kind of server builds it here: `serve(delay=3)` is slow to accept,
`serve(port)` comes up on a port the app was already sending to (a server that was down)."""
from __future__ import annotations

import asyncio
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from tests.conftest import free_port


class Mailbox:
    """The aiosmtpd handler: keeps every message (parsed with the default policy), in arrival order;
    `delay` seconds before it accepts each one makes a slow server. `port` is set by `serve()`."""

    def __init__(self, delay: float = 0) -> None:
        self.delay = delay
        self.port = 0
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=email.policy.default))
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to that address."""
        with self._lock:
            return [m for m in self.messages if address in m["To"]]

    def wait_for(self, count: int, timeout: float = 15) -> list[EmailMessage]:
        """Wait until at least `count` messages arrived (letting this process's outbox thread finish its
        run); all of them. Fails when fewer came within `timeout` seconds."""
        from roadshow.services import mail

        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            if time.monotonic() >= deadline:
                got = len(self.messages)
                raise AssertionError(f"expected {count} messages on the SMTP server, {got} came")
            mail.deliverer.wait(1)
            time.sleep(0.05)


@contextmanager
def serve(port: int | None = None, *, delay: float = 0, mailbox: Mailbox | None = None) -> Iterator[Mailbox]:
    """A running SMTP server on 127.0.0.1 (on `port`, or a free one) while the block runs; `mailbox`: a
    handler of another kind (a subclass of Mailbox)."""
    mailbox = mailbox or Mailbox(delay=delay)
    mailbox.port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def send_to(app: Flask, monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """The app sends its mail to 127.0.0.1:port for the rest of the test (the outbox reads MAIL_* at
    each send, so nothing else needs to change)."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def ics_of(message: EmailMessage) -> Any:
    """The parsed text/calendar attachment, or None."""
    from icalendar import Calendar

    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            content = part.get_content()
            return Calendar.from_ical(content if isinstance(content, (str, bytes)) else content.encode())
    return None
