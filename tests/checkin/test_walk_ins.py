"""API.md "At the door": walk-ins — registered and checked in at once, within the capacity, with consent,
values cleaned as registrations' are, audited; nothing half-written when refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Attendee,
    AuditEntry,
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from tests import factories as f
from tests.checkin.test_api import _Headers


@pytest.fixture
def hdr(auth):
    return _Headers(auth)


def walk_in(client, headers, event_id, *people, consent=True, org=None, **extra):
    body = {"organisation": org or {"name": "淮南市牛肉汤协会", "kind": "association"},
            "attendees": [{"name": n, "phone": p} for n, p in people], "consent": consent}
    return client.post(f"/api/v1/events/{event_id}/walk-ins", json=body, headers=headers, **extra)


def counts():
    db.session.rollback()
    return (db.session.scalar(select(func.count(Registration.id))),
            db.session.scalar(select(func.count(Attendee.id))),
            db.session.scalar(select(func.count(CheckIn.id))))


def test_a_walk_in_is_confirmed_and_checked_in_at_once(client, hdr, app_ctx):
    event = f.event("淮南牛肉汤产业项目路演会")  # invitation-only: walk-ins still come in at the door
    response = walk_in(client, hdr["door"], event.id, ("  李 老板 ", "+86 139-5566-7788"), ("周会计", "13800001111"),
                       org={"name": " 八公山豆腐坊 ", "kind": "enterprise"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "confirmed" and body["event_id"] == event.id
    assert body["organisation"]["name"] == "八公山豆腐坊" and body["organisation"]["kind"] == "enterprise"
    assert [a["name"] for a in body["attendees"]] == ["李 老板", "周会计"]
    assert {a["checkin"]["method"] for a in body["attendees"]} == {"walk_in"}
    assert "13955667788" not in response.get_data(as_text=True)  # the door sees no phone
    assert "manage_url" not in body and "ticket_code" not in str(body)

    db.session.rollback()
    reg = db.session.get(Registration, body["id"])
    assert reg.status is RegistrationStatus.confirmed and reg.seats == 2 and reg.invitation_id is None
    assert reg.consent_at is not None and reg.consent_version
    assert [a.phone for a in reg.attendees] == ["13955667788", "13800001111"]  # the registration's cleaner
    assert all(a.ticket_code for a in reg.attendees)
    rows = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert [(r.attendee_id, r.method, r.status) for r in rows] == [
        (a.id, CheckInMethod.walk_in, CheckInStatus.active) for a in reg.attendees]
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
               if e.action.split(".")[0] in ("registration", "checkin")]
    assert actions == ["registration.create", "checkin.create", "checkin.create"]
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.create"))
    assert created.changes["walk_in"] is True and created.user_id is not None
    stats = client.get(f"/api/v1/events/{event.id}/stats", headers=hdr["door"]).json
    assert stats["registered"] == 2 and stats["checked_in"] == 2
    # Found by the look-up afterwards, already in.
    found = client.get(f"/api/v1/events/{event.id}/checkins/lookup?q=7788", headers=hdr["door"]).json["items"]
    assert found == [{"attendee_id": reg.attendees[0].id, "name": "李 老板", "organisation": "八公山豆腐坊",
                      "kind": "enterprise", "phone_tail": "7788", "checked_in": True}]


def test_capacity_holds(client, hdr, app_ctx):
    event = f.event("小会场", capacity=3)
    f.registration(event, attendees=1)
    full = walk_in(client, hdr["door"], event.id, ("甲", "13700000001"), ("乙", "13700000002"),
                   ("丙", "13700000003"))
    assert full.status_code == 409
    assert full.mimetype == "application/problem+json"
    assert full.json["result"] == "capacity_full" and full.json["seats_left"] == 2
    assert counts() == (1, 1, 0)  # nothing written
    assert walk_in(client, hdr["door"], event.id, ("甲", "13700000001"), ("乙", "13700000002")).status_code == 201
    again = walk_in(client, hdr["door"], event.id, ("丙", "13700000003"))
    assert again.status_code == 409 and again.json["result"] == "capacity_full"
    assert counts() == (2, 3, 2)


def test_nobody_waiting_is_overtaken(client, hdr, app_ctx):
    event = f.event("有候补的会", capacity=3)
    f.registration(event, attendees=1)
    f.registration(event, attendees=3, status=RegistrationStatus.waitlisted)  # 2 seats free, 3 waiting
    response = walk_in(client, hdr["door"], event.id, ("甲", "13700000001"))
    assert response.status_code == 409 and response.json["result"] == "capacity_full"
    assert counts() == (2, 4, 0)


def test_consent_is_required_and_values_are_checked_beside_their_field(client, hdr, app_ctx):
    event = f.event("路演")
    no_consent = walk_in(client, hdr["door"], event.id, ("甲", "13700000001"), consent=False)
    assert no_consent.status_code == 422 and "consent" in no_consent.json["errors"]
    bad = walk_in(client, hdr["door"], event.id, ("", "12345"), org={"name": "", "kind": "enterprise"})
    assert bad.status_code == 422
    assert {"attendees.0.name", "attendees.0.phone", "organisation.name"} <= set(bad.json["errors"])
    wrong_kind = walk_in(client, hdr["door"], event.id, ("甲", "13700000001"), org={"name": "某公司", "kind": "pirate"})
    assert wrong_kind.status_code == 422
    missing = client.post(f"/api/v1/events/{event.id}/walk-ins", json={"consent": True}, headers=hdr["door"])
    assert missing.status_code == 422
    assert counts() == (0, 0, 0)


def test_a_phone_already_registered_is_looked_up_instead(client, hdr, app_ctx):
    event = f.event("路演")
    reg = f.registration(event, attendees=1, names=["束从轩"])
    phone = reg.attendees[0].phone
    response = walk_in(client, hdr["door"], event.id, ("束从轩", phone))
    assert response.status_code == 409 and response.json["result"] == "already_registered"
    assert response.json["errors"]["attendees.0.phone"]
    assert phone not in response.get_data(as_text=True)
    assert counts() == (1, 1, 0)


def test_a_retry_with_the_same_key_registers_once(client, hdr, app_ctx):
    event = f.event("路演")
    headers = {**hdr["door"], "Idempotency-Key": "door-walk-in-0001"}
    first = walk_in(client, headers, event.id, ("甲", "13700000001"))
    second = walk_in(client, headers, event.id, ("甲", "13700000001"))
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert counts() == (1, 1, 1)


@pytest.mark.parametrize("role, status", [("viewer", 403), ("organiser", 201)])
def test_roles(client, hdr, app_ctx, role, status):
    event = f.event("路演")
    assert walk_in(client, hdr[role], event.id, ("甲", "13700000001")).status_code == status


def test_anonymous_unknown_and_closed_events(client, hdr, app_ctx):
    event = f.event("路演")
    assert walk_in(client, {}, event.id, ("甲", "13700000001")).status_code == 401
    assert walk_in(client, hdr["door"], 999_999, ("甲", "13700000001")).status_code == 404
    cancelled = f.event("取消的会", status=EventStatus.cancelled)
    assert walk_in(client, hdr["door"], cancelled.id, ("甲", "13700000001")).status_code == 410
    draft = f.event("草稿", status=EventStatus.draft)
    assert walk_in(client, hdr["door"], draft.id, ("甲", "13700000001")).status_code == 410
    assert counts() == (0, 0, 0)


def test_a_walk_in_comes_in_after_registration_closed_without_the_required_answers(client, hdr, app_ctx):
    """The door admits whoever stands there: the online registration window and the questions it asks
    (services/questions.py) are for registering ahead, not for the door."""
    from datetime import timedelta

    from roadshow.models import RegistrationMode
    from roadshow.models.types import utcnow

    event = f.event("已截止报名的路演会", registration_mode=RegistrationMode.open)
    event.registration_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    required = client.post(f"/api/v1/events/{event.id}/questions", headers=hdr["organiser"],
                           json={"label": "关注产业", "kind": "text", "required": True})
    assert required.status_code == 201, required.json
    online = client.post("/api/v1/public/registrations", json={
        "event_id": event.id, "consent": True, "organisation": {"name": "网上报名企业", "kind": "enterprise"},
        "attendees": [{"name": "网上嘉宾", "phone": "13900002222"}]})
    assert online.status_code == 410  # online, the window holds
    response = walk_in(client, hdr["door"], event.id, ("现场嘉宾", "13900003333"))
    assert response.status_code == 201, response.json
    assert response.json["status"] == "confirmed"
