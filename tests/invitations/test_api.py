"""API.md "Invitations": create, list, send — shapes, statuses, roles."""
from __future__ import annotations

import re

import pytest

from roadshow.extensions import db
from roadshow.models import EventStatus, Invitation, InvitationStatus, Organisation, OutboxMessage
from roadshow.services import mail
from roadshow.services.credit_code import complete
from tests import factories


@pytest.fixture
def event_id(app_ctx):
    return factories.event("淮南牛肉汤产业项目路演会").id


def test_create_by_organisation_id(client, hdr, app_ctx, event_id):
    org = factories.organisation("老乡鸡集团有限公司")
    r = client.post(f"/api/v1/events/{event_id}/invitations", headers=hdr("organiser"),
                    json={"organisation_id": org.id, "contact_name": "束从轩", "email": "Shu@Example.com",
                          "phone": "138 0013 8000", "seats": 3})
    assert r.status_code == 201, r.json
    body = r.json
    assert body["status"] == "pending" and body["seats"] == 3
    assert body["organisation"] == {"id": org.id, "name": "老乡鸡集团有限公司", "kind": "enterprise",
                                    "credit_code": None}
    assert body["contact_name"] == "束从轩" and body["email"] == "shu@example.com" and body["phone"] == "13800138000"
    assert body["sent_at"] is None and body["opened_at"] is None and body["delivery"] is None
    token = re.fullmatch(r"http://localhost/r/([A-Za-z0-9_-]+)", body["url"]).group(1)
    assert len(token) >= 32  # 24 random bytes = 192 bits
    assert db.session.get(Invitation, body["id"]).token == token


def test_create_with_organisation_matches_by_credit_code_then_name(client, hdr, app_ctx, event_id):
    code = complete("91340403MA2N0001")
    org = factories.organisation("老乡鸡集团有限公司", credit_code=code)
    other = factories.organisation("桉树资本管理有限公司", kind="fund")
    headers = hdr("organiser")
    url = f"/api/v1/events/{event_id}/invitations"
    by_code = client.post(url, headers=headers, json={
        "organisation": {"name": "老乡鸡（改名）", "kind": "enterprise", "credit_code": code.lower()},
        "contact_name": "甲", "email": "a@example.com"})
    assert by_code.status_code == 201 and by_code.json["organisation"]["id"] == org.id
    by_name = client.post(url, headers=headers, json={
        "organisation": {"name": "桉树资本管理有限公司", "kind": "fund"}, "contact_name": "乙"})
    assert by_name.status_code == 201 and by_name.json["organisation"]["id"] == other.id
    new = client.post(url, headers=headers, json={
        "organisation": {"name": "淮南农村商业银行股份有限公司", "kind": "bank"}, "contact_name": "丙"})
    assert new.status_code == 201 and new.json["organisation"]["kind"] == "bank"
    assert db.session.query(Organisation).count() == 3


def test_duplicate_invitation_is_409_with_existing_id(client, hdr, app_ctx, event_id):
    org = factories.organisation()
    headers = hdr("organiser")
    body = {"organisation_id": org.id, "contact_name": "张经理", "email": "zhang@example.com"}
    first = client.post(f"/api/v1/events/{event_id}/invitations", headers=headers, json=body)
    second = client.post(f"/api/v1/events/{event_id}/invitations", headers=headers, json=body)
    assert first.status_code == 201
    assert second.status_code == 409 and second.mimetype == "application/problem+json"
    assert second.json["existing_id"] == first.json["id"]
    assert db.session.query(Invitation).count() == 1


@pytest.mark.parametrize("body,field", [
    ({"contact_name": "张", "seats": 0}, "seats"),
    ({"contact_name": "张", "seats": 51}, "seats"),
    ({"contact_name": "张", "email": "not-an-email"}, "email"),
    ({"contact_name": "张", "phone": "12345"}, "phone"),
    ({"contact_name": ""}, "contact_name"),
    ({"contact_name": "张", "organisation_id": 999999}, "organisation_id"),
])
def test_invalid_input_is_422(client, hdr, app_ctx, event_id, body, field):
    org = factories.organisation()
    body = {"organisation_id": org.id, **body}
    r = client.post(f"/api/v1/events/{event_id}/invitations", headers=hdr("organiser"), json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]
    assert db.session.query(Invitation).count() == 0


def test_bad_credit_code_in_new_organisation_is_422(client, hdr, app_ctx, event_id):
    r = client.post(f"/api/v1/events/{event_id}/invitations", headers=hdr("organiser"), json={
        "organisation": {"name": "某公司", "kind": "enterprise", "credit_code": "91340403MA2N00010X"},
        "contact_name": "张"})
    assert r.status_code == 422 and "organisation.credit_code" in r.json["errors"]


def test_cancelled_event_is_410_and_unknown_event_404(client, hdr, app_ctx):
    cancelled = factories.event(status=EventStatus.cancelled)
    org = factories.organisation()
    headers = hdr("organiser")
    r = client.post(f"/api/v1/events/{cancelled.id}/invitations", headers=headers,
                    json={"organisation_id": org.id, "contact_name": "张"})
    assert r.status_code == 410
    assert client.post(f"/api/v1/events/{cancelled.id}/invitations/send", headers=headers, json={}).status_code == 410
    assert client.get("/api/v1/events/999999/invitations", headers=headers).status_code == 404


@pytest.mark.parametrize("role,status", [("admin", 200), ("organiser", 200), ("door", 403), ("viewer", 403)])
def test_organiser_and_admin_only(client, hdr, app_ctx, event_id, role, status):
    headers = hdr(role)
    assert client.get(f"/api/v1/events/{event_id}/invitations", headers=headers).status_code == status
    assert client.get(f"/api/v1/events/{event_id}/invitations").status_code == 401


def test_list_filters_by_status_and_paginates(client, hdr, app_ctx, event_id):
    ev = db.session.get(factories.Event, event_id)
    for _ in range(3):
        factories.invitation(ev)
    factories.invitation(ev, status=InvitationStatus.declined)
    headers = hdr("organiser")
    everything = client.get(f"/api/v1/events/{event_id}/invitations", headers=headers).json
    assert everything["total"] == 4 and len(everything["items"]) == 4
    assert set(everything) == {"items", "total", "page", "per_page"}
    declined = client.get(f"/api/v1/events/{event_id}/invitations?status=declined", headers=headers).json
    assert declined["total"] == 1 and declined["items"][0]["status"] == "declined"
    page = client.get(f"/api/v1/events/{event_id}/invitations?per_page=2&page=2", headers=headers).json
    assert page["total"] == 4 and len(page["items"]) == 2
    assert client.get(f"/api/v1/events/{event_id}/invitations?status=nope", headers=headers).status_code == 422


def test_send_all_pending_then_resend(client, hdr, app_ctx, event_id):
    ev = db.session.get(factories.Event, event_id)
    a = factories.invitation(ev)
    b = factories.invitation(ev)
    registered = factories.invitation(ev, status=InvitationStatus.registered)
    no_email = factories.invitation(ev)
    no_email.contact.email = None
    db.session.commit()
    ids = (a.id, b.id, registered.id, no_email.id)
    headers = hdr("organiser")
    r = client.post(f"/api/v1/events/{event_id}/invitations/send", headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["sent"] == 2
    assert [s["id"] for s in r.json["skipped"]] == [no_email.id]
    mail.deliverer.wait()
    db.session.expire_all()
    statuses = {i.id: i.status for i in db.session.query(Invitation)}
    assert statuses[a.id] is statuses[b.id] is InvitationStatus.sent
    assert statuses[registered.id] is InvitationStatus.registered
    assert statuses[no_email.id] is InvitationStatus.pending
    # Nothing pending any more with an email: sending "all pending" again sends nothing new.
    again = client.post(f"/api/v1/events/{event_id}/invitations/send", headers=headers, json={})
    assert again.json["sent"] == 0
    # Re-sending a sent one is allowed and keeps its status; registered ones are skipped.
    resend = client.post(f"/api/v1/events/{event_id}/invitations/send", headers=headers,
                         json={"ids": [a.id, registered.id]})
    assert resend.json["sent"] == 1 and [s["id"] for s in resend.json["skipped"]] == [registered.id]
    mail.deliverer.wait()
    db.session.commit()  # a fresh snapshot: delivery happened in another thread's transaction
    assert db.session.query(OutboxMessage).filter_by(invitation_id=a.id).count() == 2
    db.session.commit()
    listed = client.get(f"/api/v1/events/{event_id}/invitations", headers=headers).json["items"]
    first = next(i for i in listed if i["id"] == a.id)
    assert first["status"] == "sent" and first["sent_at"]
    assert first["delivery"]["status"] == "sent" and first["delivery"]["last_error"] is None
    assert next(i for i in listed if i["id"] == no_email.id)["delivery"] is None
    assert ids


def test_send_unknown_ids_is_422_and_nothing_sent(client, hdr, app_ctx, event_id):
    ev = db.session.get(factories.Event, event_id)
    a = factories.invitation(ev)
    elsewhere = factories.invitation(factories.event())
    r = client.post(f"/api/v1/events/{event_id}/invitations/send", headers=hdr("organiser"),
                    json={"ids": [a.id, elsewhere.id]})
    assert r.status_code == 422 and "ids" in r.json["errors"]
    assert db.session.query(OutboxMessage).count() == 0
