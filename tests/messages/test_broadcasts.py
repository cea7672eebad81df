"""Messages by status through the API: who each audience is, the count, dry runs, bad input, roles, and
the mails each person gets (their own link, the organiser's text escaped in HTML)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    AuditEntry,
    Broadcast,
    BroadcastRecipient,
    CheckIn,
    CheckInStatus,
    InvitationStatus,
    OutboxMessage,
    RegistrationStatus,
    SmsMessage,
)
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests import factories


def _check_in(ev, attendee, status=CheckInStatus.active):
    db.session.add(CheckIn(event_id=ev.id, attendee_id=attendee.id, status=status, scanned_at=utcnow()))
    db.session.commit()


@pytest.fixture
def guests(app_ctx):
    """An event with a guest of every kind, and one other event whose guests never count."""
    ev = factories.event("淮南牛肉汤产业项目路演会")
    a = factories.registration(ev, attendees=2)  # a[0] checked in, a[1] not
    _check_in(ev, a.attendees[0])
    b = factories.registration(ev)  # checked in, then undone: a no-show
    _check_in(ev, b.attendees[0], CheckInStatus.undone)
    waiting = factories.registration(ev, status=RegistrationStatus.waitlisted)
    factories.registration(ev, status=RegistrationStatus.cancelled)
    erased = factories.registration(ev)
    erased.attendees[0].erased_at = utcnow()
    no_email_landline = factories.registration(ev)
    no_email_landline.attendees[0].email = None
    no_email_landline.attendees[0].phone = "0554-6661234"
    no_email_mobile = factories.registration(ev)  # reachable by SMS only
    no_email_mobile.attendees[0].email = None
    db.session.commit()
    sent = factories.invitation(ev, status=InvitationStatus.sent)
    opened = factories.invitation(ev, status=InvitationStatus.opened)
    factories.invitation(ev, status=InvitationStatus.pending)
    registered_inv = factories.invitation(ev, status=InvitationStatus.sent)
    factories.registration(ev, inv=registered_inv)  # an active registration: not "invited, not registered"
    factories.invitation(ev, status=InvitationStatus.registered)
    cancelled_inv = factories.invitation(ev, status=InvitationStatus.sent)
    factories.registration(ev, inv=cancelled_inv, status=RegistrationStatus.cancelled)
    other = factories.event()
    factories.registration(other, attendees=3)
    factories.invitation(other, status=InvitationStatus.sent)
    return {"event": ev, "a": a, "b": b, "waiting": waiting, "invites": [sent, opened, cancelled_inv]}


EXPECTED = {  # (email only, email and SMS)
    "confirmed": (4, 5),  # a×2, b, the registered invitation's attendee; + the SMS-only one
    "waitlisted": (1, 1),
    "checked_in": (1, 1),
    "no_show": (3, 4),
    "invited_not_registered": (3, 3),
}


def _post(client, auth, event_id, role="organiser", **body):
    payload = {"subject": "会议提醒", "body": "请准时参加。", "to": "confirmed", "channels": ["email"]}
    payload.update(body)
    return client.post(f"/api/v1/events/{event_id}/messages", json=payload, headers=auth(role))


@pytest.mark.parametrize("audience", list(EXPECTED))
def test_each_audience_is_counted_right_and_a_dry_run_writes_nothing(client, auth, guests, audience):
    ev = guests["event"]
    headers = auth("organiser")
    for channels, expected in ((["email"], EXPECTED[audience][0]), (["email", "sms"], EXPECTED[audience][1])):
        response = client.post(f"/api/v1/events/{ev.id}/messages", headers=headers, json={
            "subject": "提醒", "body": "明天见", "to": audience, "channels": channels, "dry_run": True})
        assert response.status_code == 202, response.json
        assert response.json == {"recipients": expected}
    for model in (Broadcast, BroadcastRecipient, OutboxMessage, SmsMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "broadcast.sent")) == 0


def test_sending_gives_each_person_their_own_link_and_escapes_the_text(client, auth, guests, smtp):
    ev, a, b = guests["event"], guests["a"], guests["b"]
    response = _post(client, auth, ev.id, to="no_show", body="<script>alert(1)</script>\n请带好名片。")
    assert response.status_code == 202 and response.json == {"recipients": 3}
    smtp.wait_for(3)
    mail.deliverer.wait()
    by_address = {m["To"]: m for m in smtp.messages}
    assert set(by_address) == {a.attendees[1].email, b.attendees[0].email,
                               guests["event"] and _registered_invitation_attendee_email(ev)}
    for reg in (a, b):
        message = by_address[reg.attendees[-1].email]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"/m/{reg.manage_token}" in text and f"/m/{reg.manage_token}" in html
        assert "请带好名片。" in text and "<script>alert(1)</script>" in text
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert message["Subject"] == "会议提醒"
    assert a.attendees[0].email not in by_address  # checked in
    stored = db.session.scalars(select(Broadcast)).one()
    assert (stored.audience, stored.subject, stored.channels, stored.recipients) == ("no_show", "会议提醒",
                                                                                    ["email"], 3)
    assert db.session.scalar(select(func.count()).select_from(BroadcastRecipient)
                             .where(BroadcastRecipient.mail_id.is_not(None))) == 3
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "broadcast.sent", AuditEntry.entity_id == stored.id)) == 1

    listed = client.get(f"/api/v1/events/{ev.id}/messages", headers=auth("organiser"))
    assert listed.status_code == 200
    [item] = listed.json["items"]
    assert item["to"] == "no_show" and item["recipients"] == 3
    assert item["email"] == {"pending": 0, "sent": 3, "failed": 0}
    assert item["sms"] == {"pending": 0, "sent": 0, "failed": 0}


def _registered_invitation_attendee_email(ev):
    from roadshow.models import Attendee, Registration

    return db.session.scalar(select(Attendee.email).join(Registration)
                             .where(Registration.event_id == ev.id, Registration.invitation_id.is_not(None),
                                    Registration.status == RegistrationStatus.confirmed))


def test_invitees_get_their_invitation_link(client, auth, guests, smtp):
    ev = guests["event"]
    assert _post(client, auth, ev.id, to="invited_not_registered").json == {"recipients": 3}
    smtp.wait_for(3)
    for invite in guests["invites"]:
        [message] = smtp.to(invite.contact.email)
        assert f"/r/{invite.token}" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("change", [{"to": "everyone"}, {"to": None}, {"channels": ["sms"]},
                                    {"channels": ["email", "fax"]}, {"channels": []}, {"subject": ""},
                                    {"body": " "}, {"body": "x" * 5001}, {"subject": "主题" * 101},
                                    {"channels": ["email", "sms"], "body": "请准时参加" * 40}])
def test_bad_input_is_422_and_nothing_is_written(client, auth, guests, change):
    response = _post(client, auth, guests["event"].id, **change)
    assert response.status_code == 422, response.json
    assert response.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 0


def test_an_sms_that_fits_is_accepted(client, auth, guests):
    # 3 segments of 67 characters, the link (about 40) and the separators included.
    response = _post(client, auth, guests["event"].id, channels=["email", "sms"], to="waitlisted",
                     subject="提醒", body="请" * 150, dry_run=True)
    assert response.status_code == 202 and response.json == {"recipients": 1}


@pytest.mark.parametrize("role, status", [("viewer", 403), ("door", 403), ("admin", 202)])
def test_roles(client, auth, guests, role, status):
    response = _post(client, auth, guests["event"].id, role=role, dry_run=True)
    assert response.status_code == status
    assert client.get(f"/api/v1/events/{guests['event'].id}/messages", headers=auth(role)).status_code == \
        (200 if status == 202 else 403)


def test_no_token_and_unknown_event(client, auth, guests):
    assert client.post(f"/api/v1/events/{guests['event'].id}/messages",
                       json={"subject": "a", "body": "b", "to": "confirmed"}).status_code == 401
    assert _post(client, auth, 999_999).status_code == 404


def test_nobody_matching_sends_nothing(client, auth, app_ctx):
    ev = factories.event()
    assert _post(client, auth, ev.id, to="checked_in").json == {"recipients": 0}
    assert db.session.scalar(select(func.count()).select_from(Broadcast)) == 0


def test_the_console_compose_page_previews_counts_and_sends(client, make_user, guests, smtp):
    from tests.conftest import sign_in

    ev = guests["event"]
    sign_in(client, make_user("organiser"))
    page = client.get(f"/events/{ev.id}/messages/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "to": "waitlisted", "subject": "候补通知", "body": "有空位时我们会通知您。"}
    preview = client.post(f"/events/{ev.id}/messages/new", data={**form, "preview": "1"}).get_data(as_text=True)
    assert 'id="recipient-count"' in preview and "1" in re.search(r'id="recipient-count">([^<]+)<', preview)[1]
    assert guests["waiting"].manage_token in preview
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    sent = client.post(f"/events/{ev.id}/messages/new", data={**form, "send": "1"})
    assert sent.status_code == 302
    smtp.wait_for(1)
    mail.deliverer.wait()
    detail = client.get(f"/events/{ev.id}").get_data(as_text=True)
    assert "候补通知" in detail and 'data-delivery="email"' in detail
    too_long = client.post(f"/events/{ev.id}/messages/new",
                           data={**form, "body": "长" * 300, "sms": "y", "preview": "1"})
    assert too_long.status_code == 200 and "is-invalid" in too_long.get_data(as_text=True)
