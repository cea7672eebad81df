"""SMS through an HTTP gateway the test runs on loopback: what it receives (JSON, bearer token, the
person's short link), the retry with back-off after the gateway fails, the log when no gateway is set,
and the segment rules."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from roadshow.extensions import db
from roadshow.models import SmsMessage, SmsStatus
from roadshow.models.types import utcnow
from roadshow.services import sms
from roadshow.uow import unit_of_work
from tests import factories


def _guests(n: int = 2):
    ev = factories.event("淮南牛肉汤产业项目路演会")
    regs = [factories.registration(ev) for _ in range(n)]
    return ev, regs


def test_a_broadcast_by_sms_reaches_the_gateway_with_each_persons_short_link(client, auth, app_ctx, gateway,
                                                                             smtp):
    ev, regs = _guests()
    headers = auth("organiser")
    response = client.post(f"/api/v1/events/{ev.id}/messages", headers=headers, json={
        "subject": "会议提醒", "body": "明天上午九点开始，请提前到场。", "to": "confirmed",
        "channels": ["email", "sms"]})
    assert response.status_code == 202 and response.json == {"recipients": 2}
    received = gateway.wait_for(2)
    sms.deliverer.wait()
    assert {r["json"]["phone"] for r in received} == {r.attendees[0].phone for r in regs}
    for item in received:
        assert item["auth"] == "Bearer secret-token" and item["type"].startswith("application/json")
        text = item["json"]["text"]
        assert text.startswith("会议提醒：明天上午九点开始") and sms.segments(text) <= sms.MAX_SEGMENTS
        link = text.rsplit(" ", 1)[1]
        reg = next(r for r in regs if r.attendees[0].phone == item["json"]["phone"])
        answer = client.get(link.removeprefix("http://localhost"))
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/m/{reg.manage_token}")
    listed = client.get(f"/api/v1/events/{ev.id}/messages", headers=headers).json["items"][0]
    assert listed["sms"] == {"pending": 0, "sent": 2, "failed": 0}
    smtp.wait_for(2)
    assert client.get("/s/unknown-code").status_code == 404
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(SmsMessage))} == {SmsStatus.sent}


def test_a_failing_gateway_is_retried_with_back_off_until_it_delivers(client, auth, app_ctx, gateway, smtp):
    gateway.status = 503
    ev, [reg] = _guests(1)
    assert client.post(f"/api/v1/events/{ev.id}/messages", headers=auth("organiser"), json={
        "subject": "提醒", "body": "请准时参加", "to": "confirmed", "channels": ["email", "sms"]}).status_code == 202
    gateway.wait_for(1)
    sms.deliverer.wait()
    db.session.expire_all()
    message = db.session.scalars(select(SmsMessage)).one()
    assert message.status is SmsStatus.failed and message.attempts == 1 and "503" in message.last_error
    assert message.next_attempt_at > utcnow()  # backed off: not due yet
    assert sms.deliver_pending() == (0, 0)
    assert len(gateway.requests) == 1
    # Time passes (the back-off is over) and the gateway is back.
    gateway.status = 200
    with unit_of_work(write=True):
        db.session.execute(update(SmsMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    assert sms.deliver_pending() == (1, 0)
    db.session.expire_all()
    message = db.session.scalars(select(SmsMessage)).one()
    assert message.status is SmsStatus.sent and message.attempts == 2 and message.last_error is None
    assert len(gateway.requests) == 2 and gateway.requests[1]["json"] == gateway.requests[0]["json"]
    assert sms.deliver_pending() == (0, 0)  # sent once
    smtp.wait_for(1)


def test_without_a_gateway_sms_are_written_to_the_log(client, auth, app_ctx, app, monkeypatch, caplog, smtp):
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", None)
    # Alembic's logging set-up (the migrations the suite runs) disables the loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("roadshow.services.sms"), "disabled", False)
    ev, [reg] = _guests(1)
    with caplog.at_level("INFO", logger="roadshow.services.sms"):
        assert client.post(f"/api/v1/events/{ev.id}/messages", headers=auth("organiser"), json={
            "subject": "提醒", "body": "请准时参加", "to": "confirmed",
            "channels": ["email", "sms"]}).status_code == 202
        sms.deliverer.wait()
        smtp.wait_for(1)
    logged = [r.getMessage() for r in caplog.records]
    assert any(reg.attendees[0].phone in m and "请准时参加" in m for m in logged), logged
    db.session.expire_all()
    assert db.session.scalars(select(SmsMessage)).one().status is SmsStatus.sent


def test_two_workers_claim_each_sms_once(app, gateway):
    with app.app_context():
        with unit_of_work(write=True):
            for i in range(10):
                sms.queue(f"1390000{i:04d}", f"短信{i}", kind="test")
        db.session.remove()
    results: list[tuple[int, int]] = []

    def work():
        with app.app_context():
            results.append(sms.deliver_pending())
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sms.deliverer.wait()
    # The after-commit deliverer is a third worker here; whoever wins, each SMS is sent once.
    assert all(failed == 0 for _, failed in results)
    with app.app_context():
        stored = db.session.scalars(select(SmsMessage)).all()
        assert [(m.status, m.attempts) for m in stored] == [(SmsStatus.sent, 1)] * 10
        db.session.remove()
    assert sorted(r["json"]["phone"] for r in gateway.requests) == sorted(f"1390000{i:04d}" for i in range(10))


@pytest.mark.parametrize("text, expected", [
    ("", 0), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("[" * 80, 1), ("[" * 81, 2),
    ("汉" * 70, 1), ("汉" * 71, 2), ("汉" * 134, 2), ("汉" * 135, 3), ("汉" * 201, 3), ("汉" * 202, 4),
    ("a" * 69 + "汉", 1), ("😀" * 35, 1), ("😀" * 36, 2),
])
def test_segments(text, expected):
    assert sms.segments(text) == expected
    assert sms.fits(text) is (0 < expected <= sms.MAX_SEGMENTS)


def test_queue_refuses_a_text_too_long(app_ctx):
    with pytest.raises(ValueError):
        sms.queue("13800138000", "汉" * 202, kind="test")
