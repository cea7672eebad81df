"""Stats count people, not registrations; cancelling mails everyone who registered, with the cancelled
calendar entry, through a real SMTP server."""
from __future__ import annotations

import icalendar

from roadshow.extensions import db
from roadshow.models import (
    AuditEntry,
    CheckIn,
    CheckInStatus,
    InvitationStatus,
    OrgKind,
    OutboxMessage,
    RegistrationStatus,
)
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests import factories


def _check_in(attendee, status=CheckInStatus.active):
    db.session.add(CheckIn(event_id=attendee.registration.event_id, attendee_id=attendee.id, status=status,
                           scanned_at=utcnow(), device="门口一号"))
    db.session.commit()


def test_stats_count_people_by_status_and_kind(client, auth, app_ctx):
    headers = auth("door")
    ev = factories.event(capacity=40)
    other = factories.event()
    bank = factories.organisation("徽商银行股份有限公司淮南分行", kind=OrgKind.bank)
    fund = factories.organisation("西部优势资本投资有限公司", kind=OrgKind.fund)
    firm = factories.organisation("老乡鸡集团有限公司")
    for _ in range(3):
        factories.invitation(ev)
    inv = factories.invitation(ev, firm, seats=3, status=InvitationStatus.registered)
    factories.invitation(other)

    three = factories.registration(ev, attendees=3, org=firm, inv=inv)  # 3 people, one registration
    two = factories.registration(ev, attendees=2, org=bank)
    factories.registration(ev, attendees=4, org=fund, status=RegistrationStatus.waitlisted)
    factories.registration(ev, attendees=2, org=firm, status=RegistrationStatus.pending)
    factories.registration(ev, attendees=5, org=firm, status=RegistrationStatus.cancelled)
    factories.registration(ev, attendees=1, org=bank, status=RegistrationStatus.rejected)
    elsewhere = factories.registration(other, attendees=2, org=firm)

    _check_in(three.attendees[0])
    _check_in(three.attendees[1])
    _check_in(three.attendees[2], status=CheckInStatus.undone)  # undone: not checked in
    _check_in(two.attendees[0], status=CheckInStatus.replaced)
    _check_in(two.attendees[0])  # the active one that replaced it: counted once
    _check_in(elsewhere.attendees[0])  # another event

    r = client.get(f"/api/v1/events/{ev.id}/stats", headers=headers)
    assert r.status_code == 200
    assert r.json == {
        "capacity": 40, "invited": 4, "registered": 5, "waitlisted": 4, "checked_in": 3,
        "by_kind": {**{kind.value: {"registered": 0, "checked_in": 0} for kind in OrgKind},
                    "enterprise": {"registered": 3, "checked_in": 2},
                    "bank": {"registered": 2, "checked_in": 1}},
    }


def test_stats_of_an_empty_event_and_unknown_event(client, auth, app_ctx):
    headers = auth("viewer")
    ev = factories.event(capacity=None)
    r = client.get(f"/api/v1/events/{ev.id}/stats", headers=headers)
    assert r.json["capacity"] is None
    assert (r.json["invited"], r.json["registered"], r.json["waitlisted"], r.json["checked_in"]) == (0, 0, 0, 0)
    assert set(r.json["by_kind"]) == {kind.value for kind in OrgKind}
    assert client.get("/api/v1/events/999999/stats", headers=headers).status_code == 404


def test_stats_are_counted_by_the_database(client, auth, app_ctx):
    """A handful of statements, however many people registered."""
    from sqlalchemy import event as sa_event

    headers = auth("viewer")
    ev = factories.event()
    for _ in range(30):
        reg = factories.registration(ev, attendees=2)
        _check_in(reg.attendees[0])
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        r = client.get(f"/api/v1/events/{ev.id}/stats", headers=headers)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert r.json["registered"] == 60 and r.json["checked_in"] == 30
    assert len([s for s in statements if "GROUP BY" in s.upper()]) == 1
    assert len(statements) <= 10  # not one per registration or person (there are 30 and 60)


def test_cancellation_mails_every_registrant_once_with_the_cancelled_ics(client, auth, app_ctx, smtp):
    headers = auth("organiser")
    ev = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2027, 4, 18, 9), hours=3,
                         venue="田家庵区招商服务中心一楼路演厅", address="安徽省淮南市田家庵区")
    firm = factories.organisation("老乡鸡集团有限公司")
    # The invitee registered; her own address is also one attendee's (in another case): one mail.
    inv = factories.invitation(ev, firm, seats=2, email="shu@example.com", status=InvitationStatus.registered)
    reg = factories.registration(ev, attendees=2, org=firm, inv=inv)
    reg.attendees[0].email = "SHU@example.com"
    waiting = factories.registration(ev, attendees=1, status=RegistrationStatus.waitlisted)
    pending = factories.registration(ev, attendees=1, status=RegistrationStatus.pending)
    gone = factories.registration(ev, attendees=1, status=RegistrationStatus.cancelled)
    rejected = factories.registration(ev, attendees=1, status=RegistrationStatus.rejected)
    no_mail = factories.registration(ev, attendees=1)
    no_mail.attendees[0].email = None
    factories.invitation(ev, email="only-invited@example.com", status=InvitationStatus.sent)
    factories.invitation(ev, email="declined@example.com", status=InvitationStatus.declined)
    db.session.commit()
    expected = {"shu@example.com", reg.attendees[1].email, waiting.attendees[0].email, pending.attendees[0].email}
    not_expected = {gone.attendees[0].email, rejected.attendees[0].email, "only-invited@example.com",
                    "declined@example.com"}

    r = client.post(f"/api/v1/events/{ev.id}/cancel", headers=headers)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    messages = smtp.wait_for(len(expected))
    mail.deliverer.wait()
    assert len(smtp.messages) == len(expected)
    assert {m["To"].lower() for m in messages} == expected
    assert not {m["To"].lower() for m in messages} & not_expected

    message = messages[0]
    assert "淮南牛肉汤产业项目路演会" in message["Subject"] and "取消" in message["Subject"]
    assert "cancelled" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.index("已取消") < text.index("has been cancelled")  # Chinese first, English below
    assert "2027-04-18 09:00 – 12:00 (Asia/Shanghai)" in text and "田家庵区招商服务中心一楼路演厅" in text
    assert html.index('lang="zh-CN"') < html.index('lang="en"') and "淮南牛肉汤产业项目路演会" in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "event.ics" and attachment.get_content_type() == "text/calendar"
    cal = icalendar.Calendar.from_ical(attachment.get_content())
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["status"]) == "CANCELLED"
    assert str(vevent["summary"]) == "淮南牛肉汤产业项目路演会"
    assert int(vevent["sequence"]) == r.json["sequence"] == 1
    entry = db.session.query(AuditEntry).filter_by(action="event.cancel", entity_id=ev.id).one()
    assert entry.changes["mails"] == len(expected) and entry.changes["status"]["to"] == "cancelled"

    # Cancelling again sends nothing more.
    assert client.post(f"/api/v1/events/{ev.id}/cancel", headers=headers).status_code == 200
    mail.deliverer.wait()
    assert db.session.query(OutboxMessage).count() == len(expected)


def test_english_mail_reads_english(app_ctx):
    from roadshow.services.messages import event_cancelled

    ev = factories.event("<b>路演</b>", venue="会场 & 大厅")
    message = event_cancelled(ev)
    subject, text, html = message.subject, message.text, message.html
    assert subject == "活动已取消：<b>路演</b> / Event cancelled: <b>路演</b>"
    assert "We are sorry to tell you" in text and "会场 & 大厅" in text
    assert "<b>路演</b>" not in html and "&lt;b&gt;路演&lt;/b&gt;" in html and "会场 &amp; 大厅" in html
