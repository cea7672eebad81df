"""Change notices through the API: moving a published event (time, venue, address) mails each active
registrant the change, old → new, with their updated calendar copy (same UID, higher SEQUENCE)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, OutboxMessage
from roadshow.services import mail
from tests.jobs.test_reminders import URL, open_event, register, settle
from tests.mailbox import html_of, ics_of, text_of


@pytest.fixture(autouse=True)
def _mail_thread_idle(app):
    mail.deliverer.wait()
    yield
    mail.deliverer.wait()


def notices() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event_changed")
                                   .order_by(OutboxMessage.id)))


def test_moving_a_published_event_mails_registrants_the_change_with_the_new_ics(client, auth, smtp, app_ctx):
    org = auth("organiser")
    event = open_event(client, org, hours_ahead=24 * 10, capacity=2)
    first = register(client, event["id"], "王小明", "wang@example.com", attendees=2)
    waiting = register(client, event["id"], "李娜", "li@example.com")
    gone = register(client, event["id"], "赵六", "zhao@example.com")
    assert waiting["status"] == gone["status"] == "waitlisted"
    client.delete(f"{URL}/{gone['manage_url'].rsplit('/', 1)[1]}")
    settle()
    before = len(smtp.wait_for(4))  # 2 confirmation mails, 1 waitlist, 1 cancellation
    old_sequence = event["sequence"]

    new_start = "2030-05-20T14:00:00+08:00"
    r = client.patch(f"/api/v1/events/{event['id']}", headers=org, json={
        "starts_at": new_start, "ends_at": "2030-05-20T17:30:00+08:00", "venue": "淮南国际会展中心B馆"})
    assert r.status_code == 200, r.json
    assert r.json["sequence"] == old_sequence + 1
    settle()
    received = smtp.wait_for(before + 3)[before:]
    # the confirmed registrant, their other attendee (their own ticket) and the waitlisted one; not the cancelled
    assert sorted(m["To"] for m in received) == ["1.wang@example.com", "li@example.com", "wang@example.com"]
    main = next(m for m in received if m["To"] == "wang@example.com")
    assert main["Subject"].strip() == ("活动变更：淮南牛肉汤产业项目路演会 / "
                                       "Event changed: 淮南牛肉汤产业项目路演会")
    text = text_of(main)
    chinese, english = text.split("———— English ————")
    assert "开始时间" in chinese and "→ 2030-05-20 14:00" in chinese
    assert "会场: 田家庵区招商服务中心一楼路演厅 → 淮南国际会展中心B馆" in chinese
    assert "Start" in english and "Venue: 田家庵区招商服务中心一楼路演厅 → 淮南国际会展中心B馆" in english
    assert "Address" not in english  # what did not change is not listed as a change
    assert first["manage_url"] in text
    assert "<s>田家庵区招商服务中心一楼路演厅</s>" in html_of(main)
    # the calendar copy replaces the old one: the same UID, the grown SEQUENCE, the new time
    [vevent] = ics_of(main).walk("VEVENT")
    r = client.get(f"/events/{event['id']}.ics")
    from icalendar import Calendar

    [served] = Calendar.from_ical(r.data).walk("VEVENT")
    assert str(vevent["UID"]) == str(served["UID"])
    assert int(vevent["SEQUENCE"]) == old_sequence + 1
    assert vevent.decoded("DTSTART").isoformat() == "2030-05-20T14:00:00+08:00"
    assert "淮南国际会展中心B馆" in str(vevent["LOCATION"])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.changes["notices"] == 3


def test_no_notice_for_other_changes_drafts_or_nobody(client, auth, smtp, app_ctx):
    org = auth("organiser")
    event = open_event(client, org)
    register(client, event["id"], "王小明", "wang@example.com")
    # a new title or description, capacity, reminder: no mail (calendars still get the new SEQUENCE)
    r = client.patch(f"/api/v1/events/{event['id']}", headers=org,
                     json={"title": "淮南牛肉汤产业路演会（第二场）", "description": "新", "capacity": 50,
                           "reminder_hours_before": 2})
    assert r.status_code == 200
    # the same venue sent again: nothing changed
    assert client.patch(f"/api/v1/events/{event['id']}", headers=org,
                        json={"venue": event["venue"]}).status_code == 200
    draft = open_event(client, org, status="draft")
    assert client.patch(f"/api/v1/events/{draft['id']}", headers=org,
                        json={"venue": "别处"}).status_code == 200
    settle()
    assert notices() == []
    # a refused change sends nothing either
    r = client.patch(f"/api/v1/events/{event['id']}", headers=org,
                     json={"venue": "新会场", "ends_at": "2000-01-01T00:00:00+08:00"})
    assert r.status_code == 422
    settle()
    assert notices() == []
