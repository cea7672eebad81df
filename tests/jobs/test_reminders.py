"""Reminders through the API: `reminder_hours_before` on events, one reminder per confirmed registrant that
long before the start (ticket and manage links, the .ics with its alarm), none for those who confirmed later,
none twice however many sweeps run at once (threads here; worker processes in test_worker.py)."""
from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from roadshow import jobs
from roadshow.extensions import db
from roadshow.models import OutboxMessage, Registration
from roadshow.models.types import frozen_clock, utcnow
from roadshow.services import mail
from tests.mailbox import html_of, ics_of, text_of

URL = "/api/v1/public/registrations"


@pytest.fixture(autouse=True)
def _mail_thread_idle(app):
    mail.deliverer.wait()
    yield
    mail.deliverer.wait()


def settle():
    mail.deliverer.wait()
    db.session.rollback()


def open_event(client, headers, *, hours_ahead: float = 30, **fields) -> dict:
    start = (utcnow() + timedelta(hours=hours_ahead)).replace(microsecond=0)
    body = {"title": "淮南牛肉汤产业项目路演会", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(), "venue": "田家庵区招商服务中心一楼路演厅",
            "address": "安徽省淮南市田家庵区", "registration_mode": "open", "status": "published", **fields}
    r = client.post("/api/v1/events", json=body, headers=headers)
    assert r.status_code == 201, r.json
    settle()
    return r.json


_phones = itertools.count(13800138000)


def register(client, event_id: int, name: str, email: str, *, attendees: int = 1) -> dict:
    people = [{"name": name, "phone": str(next(_phones)), "email": email}]
    people += [{"name": f"{name}{i}", "phone": str(next(_phones)), "email": f"{i}.{email}"}
               for i in range(1, attendees)]
    r = client.post(URL, json={"event_id": event_id, "consent": True, "attendees": people,
                               "organisation": {"name": f"{name}的公司", "kind": "enterprise"}})
    assert r.status_code == 201, r.json
    settle()
    return r.json


def sweep_at(when) -> int:
    """The reminders job as the clock shows `when` (and the outbox delivered at that time too: what the job
    queued is due then, not before)."""
    with frozen_clock(when):
        reminded = jobs.run("send_reminders")
        mail.deliver_pending()
    return reminded


def reminders_in_outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                                   .order_by(OutboxMessage.id)))


def test_events_take_reminder_hours_before(client, auth, app_ctx):
    org = auth("organiser")
    event = open_event(client, org)
    assert event["reminder_hours_before"] == 24  # the default
    assert open_event(client, org, reminder_hours_before=None)["reminder_hours_before"] is None
    event = open_event(client, org, reminder_hours_before=48)
    assert event["reminder_hours_before"] == 48
    r = client.patch(f"/api/v1/events/{event['id']}", json={"reminder_hours_before": None}, headers=org)
    assert r.status_code == 200 and r.json["reminder_hours_before"] is None
    assert client.get(f"/api/v1/events/{event['id']}", headers=org).json["reminder_hours_before"] is None
    for bad in (0, -3, 24 * 31, "soon", 2.5):
        r = client.patch(f"/api/v1/events/{event['id']}", json={"reminder_hours_before": bad}, headers=org)
        assert r.status_code == 422, (bad, r.json)
        assert "reminder_hours_before" in r.json["errors"]
    viewer = client.patch(f"/api/v1/events/{event['id']}", json={"reminder_hours_before": 2},
                          headers=auth("viewer"))
    assert viewer.status_code == 403


def test_one_reminder_with_ticket_and_manage_links_at_the_time(client, auth, smtp, app_ctx):
    event = open_event(client, auth("organiser"), hours_ahead=30)
    reg = register(client, event["id"], "王小明", "wang@laoxiangji.example", attendees=2)
    smtp.wait_for(2)  # the confirmation, and the second attendee's own ticket
    before = len(smtp.messages)

    # 5 hours on: not yet 24 hours before the start
    assert sweep_at(utcnow() + timedelta(hours=5)) == 0
    assert reminders_in_outbox() == []
    # 6 h + 1 min on: due
    assert sweep_at(utcnow() + timedelta(hours=6, minutes=1)) == 1
    assert sweep_at(utcnow() + timedelta(hours=6, minutes=2)) == 0  # a second sweep finds it done
    received = smtp.wait_for(before + 2)[before:]
    assert sorted(m["To"] for m in received) == ["1.wang@laoxiangji.example", "wang@laoxiangji.example"]
    main = next(m for m in received if m["To"] == "wang@laoxiangji.example")
    assert main["Subject"].strip() == "活动提醒：淮南牛肉汤产业项目路演会 / Reminder: 淮南牛肉汤产业项目路演会"
    manage = reg["manage_url"]
    text = text_of(main)
    assert f"{manage}/ticket" in text and manage in text
    for attendee in reg["attendees"]:
        assert attendee["qr_png_url"] in text
        assert f'href="{attendee["qr_png_url"]}"' in html_of(main)
    # the registrant's calendar copy, with the alarm 24 hours before
    [vevent] = ics_of(main).walk("VEVENT")
    [alarm] = vevent.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=-24) and alarm["ACTION"] == "DISPLAY"
    # the other attendee: their own ticket, not the manage link
    copy = next(m for m in received if m["To"] != "wang@laoxiangji.example")
    assert reg["attendees"][1]["qr_png_url"] in text_of(copy) and manage not in text_of(copy)

    stored = db.session.get(Registration, reg["id"])
    assert stored.reminded_at is not None
    assert len(reminders_in_outbox()) == 2


def test_the_registrants_ics_carries_the_alarm(client, auth, app_ctx):
    org = auth("organiser")
    event = open_event(client, org, reminder_hours_before=48)
    reg = register(client, event["id"], "李娜", "li@example.com")
    token = reg["manage_url"].rsplit("/", 1)[1]
    cal = Calendar.from_ical(client.get(f"/m/{token}/event.ics").data)
    [alarm] = cal.walk("VALARM")
    assert alarm.decoded("TRIGGER") == timedelta(hours=-48)
    client.patch(f"/api/v1/events/{event['id']}", json={"reminder_hours_before": None}, headers=org)
    settle()
    assert Calendar.from_ical(client.get(f"/m/{token}/event.ics").data).walk("VALARM") == []


def test_who_confirms_after_the_reminder_time_gets_none(client, auth, app_ctx):
    event = open_event(client, auth("organiser"), hours_ahead=10)  # already within 24 hours
    register(client, event["id"], "赵六", "zhao@example.com")
    assert jobs.run("send_reminders") == 0
    assert reminders_in_outbox() == []


def test_no_reminder_when_none_is_set_nor_for_waitlisted_or_cancelled(client, auth, app_ctx):
    org = auth("organiser")
    none = open_event(client, org, reminder_hours_before=None)
    register(client, none["id"], "钱七", "qian@example.com")
    small = open_event(client, org, capacity=1)
    register(client, small["id"], "孙八", "sun@example.com")
    waiting = register(client, small["id"], "周九", "zhou@example.com")
    assert waiting["status"] == "waitlisted"
    other = open_event(client, org)
    gone = register(client, other["id"], "吴十", "wu@example.com")
    assert client.delete(f"{URL}/{gone['manage_url'].rsplit('/', 1)[1]}").status_code == 200
    settle()
    reminded = sweep_at(utcnow() + timedelta(hours=7))
    assert [m.to for m in reminders_in_outbox()] == ["sun@example.com"]
    assert reminded == 1  # 孙八 alone
    assert [m.to for m in reminders_in_outbox()] == ["sun@example.com"]


def test_concurrent_sweeps_send_one_reminder_each(app, client, auth, app_ctx):
    event = open_event(client, auth("organiser"), hours_ahead=30)
    for i in range(6):
        register(client, event["id"], f"嘉宾{i}", f"guest{i}@example.com")
    db.session.remove()
    later = utcnow() + timedelta(hours=7)
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def sweep():
        with app.app_context(), frozen_clock(later):
            try:
                start.wait()
                results.append(jobs.run("send_reminders"))
            except BaseException as exc:  # noqa: BLE001 — reported below
                errors.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(results) == 6
    messages = reminders_in_outbox()
    assert sorted(m.to for m in messages) == sorted(f"guest{i}@example.com" for i in range(6))
    assert db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.reminded_at.is_not(None))) == 6


def test_a_sweep_commits_batch_by_batch(client, auth, app_ctx, monkeypatch):
    """A sweep claims and queues `BATCH` registrations a unit of work: the batches before a failure stay
    reminded (a sweep of thousands never holds the write lock for its whole length), the failed batch is rolled
    back whole and the next sweep reminds exactly those."""
    from roadshow.services import messages, reminders

    monkeypatch.setattr(reminders, "BATCH", 2)
    event = open_event(client, auth("organiser"), hours_ahead=30)
    regs = [register(client, event["id"], f"嘉宾{i}", f"guest{i}@example.com") for i in range(5)]
    failing = regs[4]["id"]
    real = messages.reminder

    def reminder(reg, *args, **kwargs):
        if reg.id == failing:
            raise RuntimeError("the mail could not be rendered")
        return real(reg, *args, **kwargs)

    monkeypatch.setattr(messages, "reminder", reminder)
    due = utcnow() + timedelta(hours=7)
    with pytest.raises(RuntimeError), frozen_clock(due):
        jobs.run("send_reminders")
    db.session.rollback()
    reminded = dict(db.session.execute(select(Registration.id, Registration.reminded_at)
                                       .where(Registration.event_id == event["id"])).all())
    assert [reg_id for reg_id, at in sorted(reminded.items()) if at is not None] == [r["id"] for r in regs[:4]]
    assert len(reminders_in_outbox()) == 4

    monkeypatch.setattr(messages, "reminder", real)
    assert sweep_at(due) == 1
    assert sorted(m.registration_id for m in reminders_in_outbox()) == [r["id"] for r in regs]
