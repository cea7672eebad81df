"""Invitation mail through the outbox to a real SMTP server (aiosmtpd, in-process)."""
from __future__ import annotations

import subprocess
import sys
import time

import icalendar

from roadshow.extensions import db
from roadshow.models import Invitation, InvitationStatus, MailStatus, OutboxMessage
from roadshow.services import mail
from tests import factories
from tests.conftest import ROOT, free_port, server_env
from tests.mailbox import send_to, serve


def _roadshow():
    return factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2027, 4, 18, 9), hours=3,
                           venue="田家庵区招商服务中心一楼路演厅", address="安徽省淮南市田家庵区")


def test_invitation_mail_has_personal_link_and_ics(app, client, hdr, app_ctx, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://roadshow.example.gov.cn")
    ev = _roadshow()
    inv = factories.invitation(ev, factories.organisation("老乡鸡集团有限公司"), contact_name="束从轩",
                               email="shu@example.com", seats=3)
    token, event_id, inv_id = inv.token, ev.id, inv.id
    r = client.post(f"/api/v1/events/{event_id}/invitations/send", headers=hdr(), json={"ids": [inv_id]})
    assert r.status_code == 200 and r.json["sent"] == 1
    [message] = smtp.wait_for(1)
    assert message["To"] == "shu@example.com"
    assert "淮南牛肉汤产业项目路演会" in message["Subject"] and "Invitation" in message["Subject"]
    link = f"https://roadshow.example.gov.cn/r/{token}"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert link in text and f'href="{link}"' in html
    # Chinese first, the English below.
    assert text.index("束从轩") < text.index("Dear") and text.index("诚邀") < text.index("is invited")
    assert "2027-04-18 09:00 – 12:00" in text and "席位" in text and "Seats for your organisation: 3" in text
    assert html.index("立即报名") < html.index("Register now")
    [attachment] = [part for part in message.iter_attachments()]
    assert attachment.get_filename() == "event.ics" and attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "淮南牛肉汤产业项目路演会"
    assert vevent.decoded("dtstart").isoformat() == "2027-04-18T09:00:00+08:00"
    assert "田家庵区招商服务中心一楼路演厅" in str(vevent["location"])
    mail.deliverer.wait()
    db.session.commit()
    saved = db.session.query(OutboxMessage).one()
    assert saved.status is MailStatus.sent and saved.invitation_id == inv_id and saved.kind == "invitation"
    assert db.session.get(Invitation, inv_id).status is InvitationStatus.sent


def test_hostile_names_are_escaped_in_the_html(client, hdr, app_ctx, smtp):
    ev = _roadshow()
    inv = factories.invitation(ev, factories.organisation("<script>alert(1)</script>公司"),
                               contact_name="<b>张</b>", email="x@example.com")
    client.post(f"/api/v1/events/{ev.id}/invitations/send", headers=hdr(), json={"ids": [inv.id]})
    [message] = smtp.wait_for(1)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>张</b>" not in html


def test_response_does_not_wait_for_smtp(app, client, hdr, app_ctx, monkeypatch):
    """The request commits and returns; the background thread delivers afterwards (the SMTP server
    takes 3 seconds to accept each message)."""
    with serve(delay=3) as slow:
        send_to(app, monkeypatch, slow.port)
        try:
            ev = _roadshow()
            for _ in range(2):
                factories.invitation(ev)
            headers = hdr()
            started = time.monotonic()
            r = client.post(f"/api/v1/events/{ev.id}/invitations/send", headers=headers)
            elapsed = time.monotonic() - started
            assert r.status_code == 200 and r.json["sent"] == 2
            assert elapsed < 2, elapsed
            assert slow.messages == []  # not accepted yet when the response came back
            assert len(slow.wait_for(2, timeout=20)) == 2
            mail.deliverer.wait(20)
            db.session.commit()
            assert {m.status for m in db.session.query(OutboxMessage)} == {MailStatus.sent}
        finally:
            mail.deliverer.wait(20)  # done with the server before it stops


def test_smtp_down_keeps_mail_then_cli_delivers(app, client, hdr, app_ctx, monkeypatch):
    port = free_port()  # nothing listens here yet
    send_to(app, monkeypatch, port)
    monkeypatch.setitem(app.config, "MAIL_RETRY_SECONDS", 3600)  # no automatic retry during the test
    ev = _roadshow()
    invs = [factories.invitation(ev) for _ in range(3)]
    ids = [i.id for i in invs]
    headers = hdr()
    r = client.post(f"/api/v1/events/{ev.id}/invitations/send", headers=headers)
    assert r.status_code == 200 and r.json["sent"] == 3
    mail.deliverer.wait()
    db.session.commit()
    messages = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
    assert len(messages) == 3
    assert all(m.status is MailStatus.failed and m.last_error and m.attempts == 1 for m in messages)
    assert {db.session.get(Invitation, i).status for i in ids} == {InvitationStatus.sent}
    # The console and the API show the failure per invitation.
    listed = client.get(f"/api/v1/events/{ev.id}/invitations", headers=headers).json["items"]
    assert {i["delivery"]["status"] for i in listed} == {"failed"}
    assert all("Connection" in i["delivery"]["last_error"] or "refused" in i["delivery"]["last_error"]
               for i in listed)

    # SMTP down, by hand: still kept, exit status 1.
    env = server_env(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
    down = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "mail", "send-pending"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 1, down.stderr
    assert "failed 3" in down.stdout

    with serve(port) as handler:
        up = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "mail", "send-pending"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "sent 3, failed 0, still waiting 0" in up.stdout
        assert sorted(m["To"] for m in handler.messages) == sorted(i.contact.email for i in invs)
    db.session.commit()
    assert {m.status for m in db.session.query(OutboxMessage)} == {MailStatus.sent}
    assert all(m.last_error is None and m.sent_at for m in db.session.query(OutboxMessage))
