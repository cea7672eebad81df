"""Issue 14, item 5: erasing a person covers them everywhere — the attendee, the organisation's contact of
the same person (invitations and organisations APIs), the values in audit payloads (`invitation.create`
kept phone and e-mail), and the mail outbox (unsent mail never goes out with the data)."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Attendee, AuditEntry, Contact, MailStatus, OutboxMessage
from tests import factories
from tests.conftest import free_port
from tests.mailbox import send_to, serve, text_of

NAME, PHONE, EMAIL = "钱多多", "13712345678", "qian.duoduo@example.com"
OTHER = ("孙小美", "13698765432", "sun.xiaomei@example.com")


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def invited(client, auth, app_ctx):
    """An invitation by the API to 钱多多 (phone and e-mail), mailed (the SMTP server is down, so the mail
    waits in the outbox), and her registration through the personal link with herself and a colleague."""
    from roadshow.services import mail

    headers = auth("organiser")
    ev = factories.event()
    org = factories.organisation("淮南测试农业有限公司")
    inv = client.post(f"/api/v1/events/{ev.id}/invitations", headers=headers, json={
        "organisation_id": org.id, "contact_name": NAME, "email": EMAIL, "phone": PHONE, "seats": 2})
    assert inv.status_code == 201, inv.json
    token = inv.json["url"].rsplit("/", 1)[-1]
    assert client.post(f"/api/v1/events/{ev.id}/invitations/send", headers=headers,
                       json={"ids": [inv.json["id"]]}).status_code == 200
    reg = client.post("/api/v1/public/registrations", json={
        "invitation": token, "consent": True,
        "attendees": [{"name": NAME, "phone": PHONE, "email": EMAIL},
                      {"name": OTHER[0], "phone": OTHER[1], "email": OTHER[2]}]})
    assert reg.status_code == 201, reg.json
    mail.deliverer.wait()
    db.session.rollback()
    return {"event_id": ev.id, "org_id": org.id, "invitation_id": inv.json["id"], "headers": headers,
            "attendee_id": reg.json["attendees"][0]["id"], "other_id": reg.json["attendees"][1]["id"]}


@pytest.fixture
def smtp_down(app, monkeypatch):
    send_to(app, monkeypatch, free_port())  # nothing listens there: every delivery fails and waits


def _outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _outbox_text(rows) -> str:
    return "\n".join(_dump([m.to, m.subject, m.body_text, m.body_html, m.attachments]) for m in rows)


def test_erasing_an_attendee_erases_her_everywhere(app, client, auth, monkeypatch, smtp_down, invited):
    from roadshow.services import mail

    headers = invited["headers"]
    before = _outbox()
    assert before and EMAIL in _outbox_text(before)
    assert all(m.status is not MailStatus.sent for m in before)
    audit_before = client.get("/api/v1/audit?per_page=200", headers=auth("admin")).json["items"]
    assert PHONE in _dump(audit_before) and EMAIL in _dump(audit_before)

    r = client.post(f"/api/v1/attendees/{invited['attendee_id']}/erase", headers=headers)
    assert r.status_code == 200, r.json

    # The organisation's contact of the same person: no name, phone or e-mail in either API.
    invitations = client.get(f"/api/v1/events/{invited['event_id']}/invitations", headers=headers).json
    organisation = client.get(f"/api/v1/organisations/{invited['org_id']}", headers=headers).json
    for answer in (invitations, organisation):
        text = _dump(answer)
        assert NAME not in text and PHONE not in text and EMAIL not in text, text
    assert invitations["items"][0]["contact_name"].startswith("[erased]")
    # The audit log keeps its rows and actions, without her values; the colleague is still there.
    audit_after = client.get("/api/v1/audit?per_page=200", headers=auth("admin")).json["items"]
    text = _dump(audit_after)
    assert PHONE not in text and EMAIL not in text and NAME not in text and "137****5678" not in text
    assert OTHER[0] in text
    actions = [e["action"] for e in audit_after]
    for action in ("invitation.create", "registration.create", "attendee.erase", "contact.erase"):
        assert action in actions
    assert len(audit_after) >= len(audit_before) + 2
    # The outbox: what was addressed to her is gone, nothing left mentions her.
    after = _outbox()
    assert all(m.to != EMAIL for m in after)
    assert PHONE not in _outbox_text(after) and EMAIL not in _outbox_text(after)
    # The colleague keeps her attendee row.
    colleague = db.session.get(Attendee, invited["other_id"])
    assert colleague.erased_at is None and colleague.phone == OTHER[1]

    # When the mail server is back, whatever is still due goes out without her data.
    with serve() as mailbox:
        send_to(app, monkeypatch, mailbox.port)
        mail.deliver_pending(retry_failed=True)
        for message in mailbox.messages:
            assert EMAIL not in message["To"]
            body = text_of(message)
            assert PHONE not in body and EMAIL not in body and NAME not in body


def test_erasing_a_contact_erases_the_person_and_is_idempotent(client, auth, smtp_down, invited):
    headers = invited["headers"]
    contact_id = db.session.scalar(select(Contact.id).where(Contact.organisation_id == invited["org_id"]))
    r = client.post(f"/api/v1/contacts/{contact_id}/erase", headers=headers)
    assert r.status_code == 200 and r.json["name"].startswith("[erased]")
    db.session.rollback()
    contact = db.session.get(Contact, contact_id)
    assert contact.phone is None and contact.email is None
    # The attendee with her phone at the same organisation is erased with her.
    attendee = db.session.get(Attendee, invited["attendee_id"])
    assert attendee.erased_at is not None and attendee.phone is None
    assert db.session.get(Attendee, invited["other_id"]).erased_at is None
    again = client.post(f"/api/v1/contacts/{contact_id}/erase", headers=headers)
    assert again.status_code == 200
    erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contact.erase")).all()
    assert len(erased) == 1 and PHONE not in _dump(erased[0].changes)
    for role in ("viewer", "door"):
        assert client.post(f"/api/v1/contacts/{contact_id}/erase", headers=auth(role)).status_code == 403
    assert client.post(f"/api/v1/contacts/{contact_id}/erase").status_code == 401
    assert client.post("/api/v1/contacts/999999/erase", headers=headers).status_code == 404


def test_two_erasures_at_once_erase_and_log_once(app, auth, smtp_down, invited):
    """Two organisers press erase at the same moment: one erasure, one log entry per row."""
    headers = [auth("organiser"), auth("admin")]
    barrier = threading.Barrier(2)
    answers: list[int] = []

    def erase(h):
        with app.test_client() as c:
            barrier.wait()
            answers.append(c.post(f"/api/v1/attendees/{invited['attendee_id']}/erase", headers=h).status_code)

    threads = [threading.Thread(target=erase, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200, 200]
    db.session.rollback()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendee.erase")).all()
    assert len(entries) == 1


def test_erasing_a_person_leaves_no_text_to_her_phone(client, smtp_down, invited):
    """The SMS outbox too: the unsent text to her phone is deleted before it goes out, the one sent keeps
    neither her number nor her name; a colleague's text is left as it was."""
    from roadshow.models import SmsMessage, SmsStatus

    db.session.add_all([
        SmsMessage(phone=PHONE, text=f"{NAME}您好：路演会明天举行，电子票见链接", kind="ticket", status=SmsStatus.sent),
        SmsMessage(phone=PHONE, text="路演会改期通知", kind="broadcast"),
        SmsMessage(phone=OTHER[1], text=f"{OTHER[0]}您好：路演会明天举行", kind="ticket"),
    ])
    db.session.commit()
    r = client.post(f"/api/v1/attendees/{invited['attendee_id']}/erase", headers=invited["headers"])
    assert r.status_code == 200, r.json
    db.session.rollback()
    texts = [(m.phone, m.text, m.status) for m in db.session.scalars(select(SmsMessage).order_by(SmsMessage.id))]
    assert texts == [("[erased]", "[erased]您好：路演会明天举行，电子票见链接", SmsStatus.sent),
                     (OTHER[1], f"{OTHER[0]}您好：路演会明天举行", SmsStatus.pending)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendee.erase")).one()
    assert entry.changes["sms_deleted"] == 1 and entry.changes["sms_scrubbed"] == 1
    assert PHONE not in _dump(entry.changes)
