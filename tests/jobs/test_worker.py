"""The job queue for real: Redis at 127.0.0.1:6379 as the broker (a key prefix of its own per test, so
parallel runs never share a queue) and `flask jobs worker` processes, the README's command.

- a worker killed (SIGKILL) in the middle of a batch: after its restart every message arrived exactly once;
- SMTP down far longer than the old give-up point (eight attempts): nothing lost, retries go on;
- two app servers (gunicorn) and two workers on one broker: one reminder per registrant, not two.
Skipped only when no Redis answers."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import MailStatus, OutboxMessage
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests.conftest import PASSWORD, ROOT, TEST_TMP, free_port, server_env, start_gunicorn, stop
from tests.mailbox import Mailbox, serve

REDIS = "redis://127.0.0.1:6379/11"


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(REDIS, socket_connect_timeout=1)


def _redis_answers() -> bool:
    try:
        return bool(_redis().ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture
def broker() -> Iterator[dict[str, str]]:
    """The environment of this test's broker: Redis db 11, keys under a prefix of this test alone."""
    prefix = f"roadshow-test-{uuid.uuid4().hex[:12]}:"
    yield {"JOBS_BROKER_URL": REDIS, "JOBS_KEY_PREFIX": prefix}
    client = _redis()
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen]]:
    """start(**env) → a `flask jobs worker` process (its own session: a kill takes its beat thread along)."""
    started: list[subprocess.Popen] = []

    def start(**env: str) -> subprocess.Popen:
        log_path = TEST_TMP / f"worker-{len(started)}-{os.getpid()}.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--concurrency", "1"],
                cwd=ROOT, env=server_env(**env), stdout=log, stderr=log, start_new_session=True)
        started.append(proc)
        deadline = time.monotonic() + 60
        while b" ready." not in log_path.read_bytes():
            assert proc.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.2)
        return proc

    yield start
    for proc in started:
        stop(proc)


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def wait_until(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.2)


def queue_mails(app, count: int) -> None:
    """`count` messages in the outbox, committed; this process delivers none of them."""
    with app.app_context():
        for i in range(count):
            mail.queue(f"guest{i}@example.com", f"批次 {i:02d} / Batch {i:02d}", f"第 {i} 封\n\nMessage {i}",
                       kind="test")
        db.session.commit()


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        db.session.remove()
        return rows


class SlowRecipient(Mailbox):
    """Answers RCPT after `rcpt_delay` seconds and counts the RCPTs it saw: a worker killed while it waits
    had sent nothing of that message."""

    def __init__(self, rcpt_delay: float) -> None:
        super().__init__()
        self.rcpt_delay = rcpt_delay
        self.rcpts = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        self.rcpts += 1
        await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def off_here(app, monkeypatch):
    """This test process hands nothing to its own delivery thread: only the workers deliver."""
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")


def test_a_worker_killed_mid_batch_delivers_every_message_exactly_once_after_restart(
        app, broker, workers, off_here):
    from aiosmtpd.controller import Controller

    mailbox = SlowRecipient(rcpt_delay=0.4)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {**broker, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "JOBS_EVERY_SECONDS": "0.5",
               "MAIL_CLAIM_SECONDS": "3"}
        queue_mails(app, 12)
        worker = workers(**env)
        wait_until(lambda: mailbox.rcpts >= 5, what="the fifth message on its way")
        kill(worker)  # while the server holds the fifth message's RCPT
        got_before = len(mailbox.messages)
        assert 0 < got_before < 12, got_before  # in the middle of the batch
        assert any(m.status is not MailStatus.sent for m in outbox(app))

        workers(**env)  # the restart: the dead worker's claim expires, the rest is still due
        wait_until(lambda: all(m.status is MailStatus.sent for m in outbox(app)), what="all sent")
        time.sleep(2)  # a few more sweeps: nothing goes out again
        subjects = sorted(m["Subject"] for m in mailbox.messages)
        assert subjects == sorted(f"批次 {i:02d} / Batch {i:02d}" for i in range(12))  # each exactly once
        # every copy carries the outbox's own Message-ID (the same at every attempt)
        ids = {m["Message-ID"] for m in mailbox.messages}
        assert len(ids) == 12 and all(i.startswith("<outbox-") for i in ids)
    finally:
        controller.stop()


def test_smtp_down_for_long_loses_nothing_and_retries_past_the_old_give_up(app, broker, workers, off_here):
    port = free_port()  # nothing listens here: SMTP is down
    # The production schedule, compressed: 30 s doubling to 15 min is 0.05 s doubling to 0.2 s here.
    workers(**broker, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), JOBS_EVERY_SECONDS="0.2",
            MAIL_RETRY_BASE_SECONDS="0.05", MAIL_RETRY_MAX_SECONDS="0.2")
    queue_mails(app, 3)

    def retried_long() -> bool:
        rows = outbox(app)
        return all(m.attempts >= 12 and m.status is MailStatus.failed for m in rows)

    wait_until(retried_long, timeout=90, what="twelve attempts each")
    rows = outbox(app)
    assert all(m.gave_up_at is None and m.last_error for m in rows)  # still being retried
    with app.app_context():
        # twelve attempts on the real schedule span more than an hour and a half of outage
        assert sum((mail.backoff(n) for n in range(1, 12)), timedelta()) > timedelta(minutes=90)

    with serve(port) as mailbox:  # SMTP is back
        wait_until(lambda: len(mailbox.messages) >= 3, what="the three messages")
        wait_until(lambda: all(m.status is MailStatus.sent for m in outbox(app)), what="recorded as sent")
        time.sleep(1)
        assert sorted(m["Subject"] for m in mailbox.messages) == [f"批次 {i:02d} / Batch {i:02d}" for i in range(3)]


def _token(base: str, email: str) -> dict[str, str]:
    r = requests.post(f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=10)
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_two_app_servers_and_two_workers_on_one_broker_send_one_reminder(app, broker, workers, make_user, smtp):
    env = {**broker, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "JOBS_EVERY_SECONDS": "0.5"}
    # Each app server host runs the README's worker command, so two beats sweep for reminders at once.
    workers(**env)
    workers(**env)
    ports = [free_port(), free_port()]
    servers = [start_gunicorn(port, workers=1, **env) for port in ports]
    try:
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        headers = _token(a, make_user("organiser"))
        start = (utcnow() + timedelta(hours=24, seconds=8)).replace(microsecond=0)
        r = requests.post(f"{a}/api/v1/events", headers=headers, timeout=10, json={
            "title": "淮南牛肉汤产业项目路演会", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(), "venue": "田家庵区招商服务中心",
            "registration_mode": "open", "status": "published", "reminder_hours_before": 24})
        assert r.status_code == 201, r.text
        event_id = r.json()["id"]
        for i, base in enumerate((a, b, a)):
            r = requests.post(f"{base}/api/v1/public/registrations", timeout=10, json={
                "event_id": event_id, "consent": True,
                "organisation": {"name": f"企业{i}", "kind": "enterprise"},
                "attendees": [{"name": f"嘉宾{i}", "phone": f"1380013800{i}", "email": f"guest{i}@example.com"}]})
            assert r.status_code == 201, r.text
        # the app servers handed the confirmations to the broker; a worker delivered them
        smtp.wait_for(3, timeout=30)

        def reminders() -> list[Any]:
            return [m for m in smtp.messages if "Reminder" in m["Subject"]]

        wait_until(lambda: len(reminders()) >= 3, timeout=60, what="three reminders")
        time.sleep(3)  # six more sweeps of each beat
        assert sorted(m["To"] for m in reminders()) == [f"guest{i}@example.com" for i in range(3)]
        assert len(smtp.messages) == 6  # three confirmations, three reminders: nothing twice
        with app.app_context():
            kinds = dict(db.session.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind))
                         .all())
            db.session.remove()
        assert kinds == {"confirmation": 3, "reminder": 3}
    finally:
        for server in servers:
            stop(server)


def test_the_worker_command_needs_a_broker():
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"], cwd=ROOT,
                            env={**server_env(), "JOBS_BROKER_URL": ""}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1 and "JOBS_BROKER_URL is not set" in result.stderr


