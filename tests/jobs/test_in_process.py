"""Without JOBS_BROKER_URL the app's own processes run the jobs: a gunicorn server, and nothing else, sends a
due reminder and delivers mail another process left in the outbox (the ticker, roadshow/jobs.py)."""
from __future__ import annotations

from datetime import timedelta

import requests

from roadshow.extensions import db
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests import factories
from tests.conftest import free_port, start_gunicorn, stop


def test_a_server_without_broker_sends_reminders_and_what_is_left_in_the_outbox(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")  # this process sends nothing itself
    with app.app_context():
        start = (utcnow() + timedelta(hours=24, seconds=3)).replace(microsecond=0)
        event = factories.event("淮南牛肉汤产业项目路演会", starts_at=start)
        reg = factories.registration(event, attendees=1)
        guest = reg.attendees[0].email
        mail.queue("left@example.com", "留在发件箱 / Left in the outbox", "text", kind="test")
        db.session.commit()
    port = free_port()
    server = start_gunicorn(port, workers=1, JOBS_TICKER="true", JOBS_EVERY_SECONDS="0.5",
                            MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port))
    try:
        requests.get(f"http://127.0.0.1:{port}/login", timeout=10)  # the ticker starts with the first request
        received = smtp.wait_for(2, timeout=60)
    finally:
        stop(server)
    assert sorted(m["To"] for m in received) == sorted([guest, "left@example.com"])
    reminder = next(m for m in received if m["To"] == guest)
    assert "Reminder: 淮南牛肉汤产业项目路演会" in reminder["Subject"]
