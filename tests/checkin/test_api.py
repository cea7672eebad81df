"""API.md "Check-in": every result and status code, forged and random codes, batches, undo, since."""
from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, CheckIn, CheckInStatus, OrgKind, RegistrationStatus, Role, User
from roadshow.services import tickets
from tests import factories as f

B32 = string.ascii_uppercase + "234567"


class _Headers(dict):
    """hdr["door"] → bearer headers for that role, issued on first use. The test client's requests
    share this test's app context and session, so the read snapshot the test holds is ended first
    (else the new user would be invisible to the request on SQLite)."""

    def __init__(self, auth):
        super().__init__()
        self.auth = auth

    def __missing__(self, role):
        db.session.rollback()
        self[role] = self.auth(role)
        return self[role]


@pytest.fixture
def hdr(auth):
    return _Headers(auth)


@pytest.fixture
def setup(app_ctx, hdr):
    event = f.event("淮南牛肉汤产业项目路演会")
    org = f.organisation("老乡鸡集团有限公司", kind=OrgKind.enterprise)
    reg = f.registration(event, attendees=2, org=org, names=["束从轩", "王经理"])
    return event, reg


def codes(reg):
    return [a.ticket_code for a in reg.attendees]


def scan(client, headers, event_id, code, **extra):
    return client.post(f"/api/v1/events/{event_id}/checkins", json={"code": code, **extra}, headers=headers)


def test_ok_then_already_checked_in(client, hdr, setup):
    event, reg = setup
    headers = hdr["door"]
    first = scan(client, headers, event.id, codes(reg)[0], device="东门", scanned_at="2023-04-18T08:55:00+08:00")
    assert first.status_code == 201
    body = first.json
    assert body["result"] == "ok"
    assert body["checkin"]["device"] == "东门"
    assert datetime.fromisoformat(body["checkin"]["scanned_at"]) == datetime(2023, 4, 18, 0, 55, tzinfo=UTC)
    assert body["attendee"] == {"id": reg.attendees[0].id, "name": "束从轩", "organisation": "老乡鸡集团有限公司",
                                "kind": "enterprise"}
    second = scan(client, headers, event.id, codes(reg)[0], device="西门")
    assert second.status_code == 409
    assert second.json["result"] == "already_checked_in"
    assert second.json["device"] == "东门"
    assert datetime.fromisoformat(second.json["first_checked_in_at"]) == datetime(2023, 4, 18, 0, 55,
                                                                                  tzinfo=UTC)
    assert second.json["attendee"]["name"] == "束从轩"
    assert db.session.scalar(select(db.func.count(CheckIn.id))) == 1


def test_a_queue_of_guests_each_checked_in_once(client, hdr, app_ctx):
    # Twelve guests and their repeats through one connection: PostgreSQL prepares a statement
    # after five runs, and the prepared check-in must still find the partial unique index.
    event = f.event("连续检票")
    regs = [f.registration(event, attendees=1) for _ in range(12)]
    guests = [r.attendees[0].ticket_code for r in regs]
    for code in guests:
        assert scan(client, hdr["door"], event.id, code).status_code == 201
    for code in guests:
        r = scan(client, hdr["door"], event.id, code)
        assert r.status_code == 409 and r.json["result"] == "already_checked_in"
    assert db.session.scalar(select(db.func.count(CheckIn.id))) == 12


def test_the_deciding_insert_rechecks_the_registration(client, hdr, setup):
    # The scan reads the guest first and writes after; a cancellation committed in between must
    # stop the insert itself, not only the read.
    from roadshow.models.types import utcnow
    from roadshow.services.checkin import _insert_if_still_valid

    event, reg = setup
    attendee_id = reg.attendees[0].id
    reg.status = RegistrationStatus.cancelled
    db.session.commit()
    assert _insert_if_still_valid(event.id, attendee_id, utcnow(), "东门", None, utcnow()) is None
    reg.status = RegistrationStatus.confirmed
    db.session.commit()
    assert _insert_if_still_valid(event.id + 1, attendee_id, utcnow(), "东门", None, utcnow()) is None
    assert _insert_if_still_valid(event.id, attendee_id, utcnow(), "东门", None, utcnow()) is not None
    assert _insert_if_still_valid(event.id, attendee_id, utcnow(), "西门", None, utcnow()) is None
    db.session.rollback()


def test_door_staff_never_see_phones_or_emails(client, hdr, setup):
    event, reg = setup
    headers = hdr["door"]
    body = scan(client, headers, event.id, codes(reg)[0]).get_data(as_text=True)
    listing = client.get(f"/api/v1/events/{event.id}/checkins", headers=headers).get_data(as_text=True)
    for text in (body, listing):
        assert reg.attendees[0].phone not in text and reg.attendees[0].email not in text
        assert "phone" not in text and "email" not in text


def test_wrong_event_names_the_tickets_event(client, hdr, setup):
    event, reg = setup
    other = f.event("另一场推介会")
    r = scan(client, hdr["organiser"], other.id, codes(reg)[0])
    assert r.status_code == 422
    assert r.json == {"result": "wrong_event", "event": {"id": event.id, "title": "淮南牛肉汤产业项目路演会"}}


@pytest.mark.parametrize("status", ["cancelled", "rejected", "waitlisted", "pending"])
def test_not_confirmed_gives_the_registration_status(client, hdr, setup, status):
    event, reg = setup
    code = codes(reg)[0]
    reg.status = RegistrationStatus(status)
    db.session.commit()
    r = scan(client, hdr["door"], event.id, code)
    assert r.status_code == 409
    assert r.json == {"result": "not_confirmed", "status": status}


@pytest.mark.parametrize("garbage", ["", " ", "x" * 5000, "🎫🎫🎫", "\x00", "A" * 25 + "\x00",
                                     "' OR 1=1; DROP TABLE attendees; --", "%", "../../etc/passwd",
                                     "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"])
def test_garbage_is_an_unknown_ticket(client, hdr, setup, garbage):
    event, _ = setup
    r = scan(client, hdr["door"], event.id, garbage)
    assert r.status_code == 404
    assert r.json == {"result": "unknown_ticket"}


def test_forged_codes_never_hit(client, hdr, setup, app):
    event, reg = setup
    code = codes(reg)[0]
    forged = set()
    for i, ch in enumerate(code):
        for other in B32 + "01890O":
            if other != ch:
                forged.add(code[:i] + other + code[i + 1:])
    forged.discard(code)
    assert len(forged) > 26 * 30
    assert not any(tickets.find_attendee(c) for c in forged)
    # Only the last character's two spare bits may change without breaking the MAC; such a code is
    # still not the stored one.
    assert all(c[:-1] == code[:-1] for c in forged if tickets.is_authentic(c))
    db.session.rollback()  # requests share this app context's session: no stale read snapshot
    headers = hdr["door"]
    for c in list(forged)[::40]:  # and through the API, a sample
        assert scan(client, headers, event.id, c).status_code == 404
    assert db.session.scalar(select(db.func.count(CheckIn.id))) == 0


def test_random_codes_never_hit(setup):
    hits = 0
    authentic = 0
    for _ in range(10_000):
        c = "".join(secrets.choice(B32) for _ in range(26))
        authentic += tickets.is_authentic(c)
        hits += tickets.find_attendee(c) is not None
    assert hits == 0
    # 48 bits of MAC: a random code passing the check would be a one-in-2**48 event.
    assert authentic == 0


def test_unknown_event_is_a_problem(client, hdr, setup):
    _, reg = setup
    r = scan(client, hdr["door"], 999_999, codes(reg)[0])
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


@pytest.mark.parametrize("body,status", [({}, 422), ({"code": 5}, 422),
                                         ({"code": "X", "scanned_at": "2023-04-18T09:00:00"}, 422)])
def test_invalid_bodies(client, hdr, setup, body, status):
    event, _ = setup
    r = client.post(f"/api/v1/events/{event.id}/checkins", json=body, headers=hdr["door"])
    assert r.status_code == status and r.mimetype == "application/problem+json"


def test_malformed_json_is_400(client, hdr, setup):
    event, _ = setup
    r = client.post(f"/api/v1/events/{event.id}/checkins", data="{", content_type="application/json",
                    headers=hdr["door"])
    assert r.status_code == 400


@pytest.mark.parametrize("role,status", [("door", 201), ("organiser", 201), ("admin", 201), ("viewer", 403)])
def test_roles(client, hdr, setup, role, status):
    event, reg = setup
    assert scan(client, hdr[role], event.id, codes(reg)[0]).status_code == status


def test_no_token_is_401(client, setup):
    event, reg = setup
    assert client.post(f"/api/v1/events/{event.id}/checkins", json={"code": codes(reg)[0]}).status_code == 401


def test_future_scan_time_is_capped_at_now(client, hdr, setup):
    event, reg = setup
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = scan(client, hdr["door"], event.id, codes(reg)[0], scanned_at=future).json
    assert datetime.fromisoformat(body["checkin"]["scanned_at"]) <= datetime.now(UTC)


def test_undo_then_scan_again_keeps_history(client, hdr, setup):
    event, reg = setup
    headers = hdr["door"]
    first = scan(client, headers, event.id, codes(reg)[0]).json["checkin"]["id"]
    r = client.delete(f"/api/v1/checkins/{first}", headers=headers)
    assert r.status_code == 200 and r.json["status"] == "undone" and r.json["ended_at"]
    repeat = client.delete(f"/api/v1/checkins/{first}", headers=headers)
    assert repeat.status_code == 409 and repeat.json["checkin_status"] == "undone"
    assert client.delete("/api/v1/checkins/987654", headers=headers).status_code == 404
    again = scan(client, headers, event.id, codes(reg)[0])
    assert again.status_code == 201 and again.json["checkin"]["id"] != first
    statuses = sorted(c.status.value for c in db.session.scalars(select(CheckIn)))
    assert statuses == ["active", "undone"]
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    actions = [a.action for a in entries]
    assert actions.count("checkin.create") == 2 and actions.count("checkin.undo") == 1
    created = [a for a in entries if a.action == "checkin.create"]
    assert [a.entity_id for a in created] == [first, again.json["checkin"]["id"]]
    door = db.session.scalar(select(User).where(User.role == Role.door))
    assert all(a.user_id == door.id and a.actor == door.email and a.entity_type == "checkin" and a.at
               for a in created)
    assert created[0].changes["attendee_id"] == reg.attendees[0].id and created[0].changes["event_id"] == event.id
    assert client.delete(f"/api/v1/checkins/{first}", headers=hdr["viewer"]).status_code == 403


def _at(minute: int) -> str:
    return f"2023-04-18T09:{minute:02d}:00+08:00"


def test_batch_orders_results_and_earliest_wins(client, hdr, setup):
    event, reg = setup
    a, b = codes(reg)
    other = f.event("别的活动")
    other_code = f.registration(other).attendees[0].ticket_code
    headers = hdr["door"]
    scans = [
        {"code": a, "scanned_at": _at(10), "device": "东门"},
        {"code": "GARBAGE", "scanned_at": _at(11), "device": "东门"},
        {"code": a, "scanned_at": _at(5), "device": "西门"},
        {"code": b, "scanned_at": _at(12), "device": "西门"},
        {"code": other_code, "scanned_at": _at(13), "device": "西门"},
    ]
    r = client.post(f"/api/v1/events/{event.id}/checkins/batch", json={"scans": scans}, headers=headers)
    assert r.status_code == 200
    results = r.json["results"]
    assert [x["code"] for x in results] == [s["code"] for s in scans]
    assert [x["result"] for x in results] == ["already_checked_in", "unknown_ticket", "ok", "ok", "wrong_event"]
    assert results[0]["device"] == "西门"
    assert datetime.fromisoformat(results[0]["first_checked_in_at"]) == datetime.fromisoformat(_at(5))
    assert results[4]["event"] == {"id": other.id, "title": "别的活动"}

    # Idempotent: the same batch again changes nothing and answers the same.
    before = [(c.id, c.status, c.scanned_at) for c in db.session.scalars(select(CheckIn).order_by(CheckIn.id))]
    again = client.post(f"/api/v1/events/{event.id}/checkins/batch", json={"scans": scans}, headers=headers)
    assert [x["result"] for x in again.json["results"]] == [x["result"] for x in results]
    db.session.expire_all()
    after = [(c.id, c.status, c.scanned_at) for c in db.session.scalars(select(CheckIn).order_by(CheckIn.id))]
    assert before == after and len(after) == 2


def test_earlier_offline_scan_replaces_a_later_live_one(client, hdr, setup):
    event, reg = setup
    a = codes(reg)[0]
    headers = hdr["door"]
    live = scan(client, headers, event.id, a, device="东门", scanned_at=_at(30)).json["checkin"]["id"]
    r = client.post(f"/api/v1/events/{event.id}/checkins/batch", headers=headers,
                    json={"scans": [{"code": a, "scanned_at": _at(20), "device": "离线手机"}]})
    assert r.json["results"][0]["result"] == "ok"
    new_id = r.json["results"][0]["checkin"]["id"]
    rows = {c.id: c for c in db.session.scalars(select(CheckIn))}
    assert rows[live].status is CheckInStatus.replaced and rows[live].ended_at is not None
    assert rows[new_id].status is CheckInStatus.active and rows[new_id].device == "离线手机"
    # A later offline scan does not replace it.
    later = client.post(f"/api/v1/events/{event.id}/checkins/batch", headers=headers,
                        json={"scans": [{"code": a, "scanned_at": _at(25), "device": "三号机"}]})
    assert later.json["results"][0]["result"] == "already_checked_in"
    assert later.json["results"][0]["device"] == "离线手机"
    # The live scan also answers with the earliest one now.
    assert scan(client, headers, event.id, a).json["device"] == "离线手机"
    assert "checkin.replace" in [e.action for e in db.session.scalars(select(AuditEntry))]
    # Listing with the replaced history.
    items = client.get(f"/api/v1/events/{event.id}/checkins", headers=headers).json["items"]
    assert sorted(i["status"] for i in items) == ["active", "replaced"]


def test_batch_validation(client, hdr, setup):
    event, reg = setup
    headers = hdr["door"]
    r = client.post(f"/api/v1/events/{event.id}/checkins/batch", headers=headers,
                    json={"scans": [{"code": codes(reg)[0], "scanned_at": "2023-04-18T09:00:00"}]})
    assert r.status_code == 422
    r = client.post(f"/api/v1/events/{event.id}/checkins/batch", headers=headers, json={"scans": []})
    assert r.status_code == 200 and r.json == {"results": []}


def test_list_since_filter(client, hdr, setup):
    event, reg = setup
    headers = hdr["door"]
    a, b = codes(reg)
    scan(client, headers, event.id, a)
    page = client.get(f"/api/v1/events/{event.id}/checkins", headers=headers).json
    assert page["total"] == 1 and page["page"] == 1 and page["per_page"] == 200
    now = page["now"]
    assert client.get(f"/api/v1/events/{event.id}/checkins", query_string={"since": now},
                      headers=headers).json["items"] == []
    second = scan(client, headers, event.id, b).json["checkin"]["id"]
    items = client.get(f"/api/v1/events/{event.id}/checkins", query_string={"since": now},
                       headers=headers).json["items"]
    assert [i["id"] for i in items] == [second]
    # An undo shows up to a device syncing since before it.
    mark = client.get(f"/api/v1/events/{event.id}/checkins", headers=headers).json["now"]
    client.delete(f"/api/v1/checkins/{second}", headers=headers)
    items = client.get(f"/api/v1/events/{event.id}/checkins", query_string={"since": mark},
                       headers=headers).json["items"]
    assert [(i["id"], i["status"]) for i in items] == [(second, "undone")]
    bad = client.get(f"/api/v1/events/{event.id}/checkins", query_string={"since": "yesterday"}, headers=headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/events/424242/checkins", headers=headers).status_code == 404
