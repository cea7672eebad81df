"""The registration tests start and end with the outbox thread idle."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _mail_thread_idle(app):
    """The outbox thread writes to the database after each commit that queued mail; on SQLite a test's
    own read-then-write transaction must not race it, so every test starts and ends with it idle."""
    from roadshow.services import mail

    mail.deliverer.wait()
    yield
    mail.deliverer.wait()
