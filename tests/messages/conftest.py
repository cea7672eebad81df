"""A real SMTP server (aiosmtpd, in-process) the app sends to."""
from __future__ import annotations

import pytest

from roadshow.services import mail
from tests.conftest import free_port
from tests.invitations.helpers import Collector, smtp_server


@pytest.fixture
def smtp(app, monkeypatch):
    port = free_port()
    handler = Collector()
    controller = smtp_server(port, handler)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    yield handler
    mail.deliverer.wait()
    controller.stop()
