"""Scheduling a 1:1 meeting mails the guest, in both languages, with the meeting as a parseable .ics."""
from __future__ import annotations

from roadshow.extensions import db
from roadshow.models import Attendee, Event
from tests import factories
from tests.calendar.ics import parse, text, times

T = "2031-04-18T{}:00+08:00"


def _interest(client, auth, day, attendee=0):
    h = auth("organiser")
    assert client.post(f"/api/v1/events/{day['event']}/sessions", headers=h, json={
        "starts_at": T.format("09:30"), "ends_at": T.format("10:00"), "title": "项目路演",
        "project_id": day["project"]}).status_code == 201
    r = client.post(f"/api/v1/public/registrations/{day['token']}/interests",
                    json={"attendee_id": day["attendees"][attendee], "project_id": day["project"], "meeting": True})
    assert r.status_code == 201
    return h, r.json["id"]


def _calendar_part(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def test_meeting_mail_with_ics(client, auth, day, smtp):
    h, interest = _interest(client, auth, day)
    r = client.patch(f"/api/v1/interests/{interest}", headers=h,
                     json={"meeting_at": T.format("11:00"), "meeting_place": "会展中心二楼 3 号洽谈室"})
    assert r.status_code == 200, r.json
    assert r.json["meeting_at"] == "2031-04-18T11:00:00+08:00" and r.json["meeting"] is True
    message = smtp.wait_for(1)[0]
    assert message["To"] == day["emails"][0]  # the attendee's own address
    assert message["Subject"].strip() == ("已安排对接洽谈：牛肉汤预制菜中央厨房 / "
                                          "Meeting scheduled: 牛肉汤预制菜中央厨房")
    body = message.get_body(("plain",)).get_content()
    assert "2031-04-18 11:00" in body and "会展中心二楼 3 号洽谈室" in body
    assert "李投资" in body and "English" in body and "one-to-one meeting" in body
    part = _calendar_part(message)
    assert part.get_filename() == "meeting.ics" and part.get_param("method") == "PUBLISH"
    parsed = parse(part.get_payload(decode=True))
    pair = parsed.only()
    ((start, end), (vstart, vend)) = times(pair)
    assert (start, end) == (vstart, vend)
    assert (start.isoformat(), end.isoformat()) == ("2031-04-18T03:00:00+00:00", "2031-04-18T03:30:00+00:00")
    assert text(pair, "location") == ("会展中心二楼 3 号洽谈室",) * 2
    summary = text(pair, "summary")
    assert summary[0] == summary[1] and "牛肉汤预制菜中央厨房" in summary[0]
    assert str(pair[0]["UID"]).startswith(f"meeting-{interest}-")
    assert int(pair[0]["SEQUENCE"]) == 1

    # Moved: a second mail whose file replaces the first (same UID, higher SEQUENCE).
    client.patch(f"/api/v1/interests/{interest}", headers=h, json={"meeting_at": T.format("11:30")})
    second = smtp.wait_for(2)[1]
    pair2 = parse(_calendar_part(second).get_payload(decode=True)).only()
    assert str(pair2[0]["UID"]) == str(pair[0]["UID"]) and int(pair2[0]["SEQUENCE"]) == 2
    assert times(pair2)[0][0].isoformat() == "2031-04-18T03:30:00+00:00"
    # The same time and place again changes nothing and sends nothing.
    client.patch(f"/api/v1/interests/{interest}", headers=h, json={"meeting_at": T.format("11:30")})
    assert client.get(f"/api/v1/events/{day['event']}/interests", headers=h).json["items"][0]["meeting_at"] \
        == "2031-04-18T11:30:00+08:00"
    assert len(smtp.messages) == 2


def test_meeting_mail_goes_to_the_contact_without_an_attendee_address(client, auth, day, smtp, app):
    with app.app_context():
        event = db.session.get(Event, day["event"])
        inv = factories.invitation(event, email="contact-li@example.com")
        reg = factories.registration(event, inv=inv, names=["无邮箱嘉宾"])
        attendee = db.session.get(Attendee, reg.attendees[0].id)
        attendee.email = None
        db.session.commit()
        token, attendee_id = reg.manage_token, attendee.id
    h, _ = _interest(client, auth, day)
    r = client.post(f"/api/v1/public/registrations/{token}/interests",
                    json={"attendee_id": attendee_id, "project_id": day["project"]})
    client.patch(f"/api/v1/interests/{r.json['id']}", headers=h, json={"meeting_at": T.format("11:00")})
    assert smtp.wait_for(1)[0]["To"] == "contact-li@example.com"
