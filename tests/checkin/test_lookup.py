"""API.md "At the door": the look-up by name or phone tail, check-in by attendee id (method lookup),
and that no answer — API, door page, its guest list — ever carries a whole phone number."""
from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Attendee,
    AuditEntry,
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    OrgKind,
    Registration,
    RegistrationStatus,
)
from tests import factories as f
from tests.checkin.test_api import _Headers
from tests.conftest import sign_in

PHONES = ["13955661234", "13800009876"]


@pytest.fixture
def hdr(auth):
    return _Headers(auth)


@pytest.fixture
def setup(app_ctx, hdr):
    event = f.event("淮南牛肉汤产业项目路演会")
    org = f.organisation("老乡鸡集团有限公司", kind=OrgKind.enterprise)
    reg = f.registration(event, attendees=2, org=org, names=["束从轩", "王经理"])
    for attendee, phone in zip(reg.attendees, PHONES):
        attendee.phone = phone
    f.registration(event, attendees=1, names=["王经纬"], status=RegistrationStatus.waitlisted)
    other = f.event("另一场路演")
    f.registration(other, attendees=1, names=["束从轩"])
    db.session.commit()
    return event, reg


def lookup(client, headers, event_id, q):
    return client.get(f"/api/v1/events/{event_id}/checkins/lookup", query_string={"q": q}, headers=headers)


def assert_no_whole_phone(text: str):
    for phone in PHONES:
        assert phone not in text
        assert phone[3:] not in text  # not even without the prefix


def test_door_finds_a_guest_by_name_fragment_with_the_phone_tail_only(client, hdr, setup):
    event, reg = setup
    response = lookup(client, hdr["door"], event.id, "束从")
    assert response.status_code == 200
    assert response.json == {"items": [{"attendee_id": reg.attendees[0].id, "name": "束从轩",
                                        "organisation": "老乡鸡集团有限公司", "kind": "enterprise",
                                        "phone_tail": "1234", "checked_in": False}], "more": False}
    assert_no_whole_phone(response.get_data(as_text=True))


def test_by_the_last_four_digits_of_the_phone(client, hdr, setup):
    event, reg = setup
    response = lookup(client, hdr["door"], event.id, "9876")
    assert [item["name"] for item in response.json["items"]] == ["王经理"]
    assert response.json["items"][0]["phone_tail"] == "9876"
    assert lookup(client, hdr["door"], event.id, "１２３４").json["items"][0]["name"] == "束从轩"  # full width
    assert lookup(client, hdr["door"], event.id, "5566").json["items"] == []  # the middle is not the tail
    assert_no_whole_phone(response.get_data(as_text=True))


def test_only_confirmed_guests_of_this_event(client, hdr, setup):
    event, _reg = setup
    names = [item["name"] for item in lookup(client, hdr["door"], event.id, "王经").json["items"]]
    assert names == ["王经理"]  # 王经纬 is on the waiting list; the other event's 束从轩 is not here
    assert len(lookup(client, hdr["door"], event.id, "束从轩").json["items"]) == 1


def test_too_short_or_not_four_digits_is_refused_with_the_reason(client, hdr, setup):
    event, _reg = setup
    for q in ("束", "", " ", "123", "12345"):
        response = lookup(client, hdr["door"], event.id, q)
        assert response.status_code == 422, q
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"]["q"], q
    assert lookup(client, hdr["door"], 999_999, "束从").status_code == 404


def test_at_most_ten_exact_name_first_wildcards_are_text(client, hdr, app_ctx):
    event = f.event("大会")
    f.registration(event, attendees=12, names=[f"测试嘉宾{i}" for i in range(11)] + ["测试嘉宾"])
    f.registration(event, attendees=1, names=["Zhang Wei"])
    response = lookup(client, hdr["door"], event.id, "测试嘉宾")
    assert len(response.json["items"]) == 10 and response.json["more"] is True
    assert response.json["items"][0]["name"] == "测试嘉宾"
    assert [i["name"] for i in lookup(client, hdr["door"], event.id, "zhang w").json["items"]] == ["Zhang Wei"]
    assert lookup(client, hdr["door"], event.id, "%%").json["items"] == []
    assert lookup(client, hdr["door"], event.id, "__").json["items"] == []


@pytest.mark.parametrize("role, status", [("viewer", 403), ("organiser", 200), ("admin", 200)])
def test_roles(client, hdr, setup, role, status):
    event, _reg = setup
    assert lookup(client, hdr[role], event.id, "束从").status_code == status


def test_anonymous_is_refused(client, setup):
    event, reg = setup
    assert lookup(client, {}, event.id, "束从").status_code == 401
    response = client.post(f"/api/v1/events/{event.id}/checkins", json={"attendee_id": reg.attendees[0].id})
    assert response.status_code == 401


def checkin_by_id(client, headers, event_id, attendee_id, **extra):
    return client.post(f"/api/v1/events/{event_id}/checkins", json={"attendee_id": attendee_id, **extra},
                       headers=headers)


def test_check_in_by_attendee_id_is_a_lookup_and_exactly_once_with_scans(client, hdr, setup):
    event, reg = setup
    first, second = reg.attendees
    answer = checkin_by_id(client, hdr["door"], event.id, first.id, device="东门")
    assert answer.status_code == 201
    assert answer.json["result"] == "ok"
    assert answer.json["checkin"]["method"] == "lookup" and answer.json["checkin"]["device"] == "东门"
    assert answer.json["attendee"] == {"id": first.id, "name": "束从轩", "organisation": "老乡鸡集团有限公司",
                                       "kind": "enterprise"}
    again = checkin_by_id(client, hdr["door"], event.id, first.id, device="西门")
    assert again.status_code == 409 and again.json["result"] == "already_checked_in"
    assert again.json["device"] == "东门"
    scanned = client.post(f"/api/v1/events/{event.id}/checkins", json={"code": first.ticket_code},
                          headers=hdr["door"])
    assert scanned.status_code == 409 and scanned.json["result"] == "already_checked_in"
    # A scan first, then the look-up: the look-up is the one refused.
    assert client.post(f"/api/v1/events/{event.id}/checkins", json={"code": second.ticket_code},
                       headers=hdr["door"]).json["checkin"]["method"] == "scan"
    assert checkin_by_id(client, hdr["door"], event.id, second.id).json["result"] == "already_checked_in"

    db.session.rollback()
    rows = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert [(r.attendee_id, r.method, r.status) for r in rows] == [
        (first.id, CheckInMethod.lookup, CheckInStatus.active), (second.id, CheckInMethod.scan, CheckInStatus.active)]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.create")
                               .order_by(AuditEntry.id)).all()
    assert [a.changes["method"] for a in audit] == ["lookup", "scan"]
    listed = client.get(f"/api/v1/events/{event.id}/checkins", headers=hdr["door"]).json["items"]
    assert [c["method"] for c in listed] == ["lookup", "scan"]
    found = lookup(client, hdr["door"], event.id, "束从").json["items"]
    assert found[0]["checked_in"] is True


def test_check_in_by_id_answers_like_a_scan(client, hdr, setup):
    event, reg = setup
    others = db.session.scalars(select(Attendee).join(Registration).where(Registration.event_id != event.id)).all()
    waiting = db.session.scalars(select(Attendee).join(Registration).where(
        Registration.status == RegistrationStatus.waitlisted)).all()
    wrong = checkin_by_id(client, hdr["door"], event.id, others[0].id)
    assert wrong.status_code == 422 and wrong.json["result"] == "wrong_event"
    assert wrong.json["event"]["title"] == "另一场路演"
    not_confirmed = checkin_by_id(client, hdr["door"], event.id, waiting[0].id)
    assert not_confirmed.status_code == 409 and not_confirmed.json == {"result": "not_confirmed",
                                                                       "status": "waitlisted"}
    unknown = checkin_by_id(client, hdr["door"], event.id, 987_654)
    assert unknown.status_code == 404 and unknown.json == {"result": "unknown_ticket"}
    both = client.post(f"/api/v1/events/{event.id}/checkins",
                       json={"attendee_id": reg.attendees[0].id, "code": reg.attendees[0].ticket_code},
                       headers=hdr["door"])
    assert both.status_code == 422
    neither = client.post(f"/api/v1/events/{event.id}/checkins", json={"device": "东门"}, headers=hdr["door"])
    assert neither.status_code == 422
    assert checkin_by_id(client, hdr["viewer"], event.id, reg.attendees[0].id).status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_offline_batch_takes_lookups_beside_scans(client, hdr, setup):
    event, reg = setup
    first, second = reg.attendees
    scans = [{"attendee_id": first.id, "scanned_at": "2023-04-18T09:01:00+08:00", "device": "东门"},
             {"code": first.ticket_code, "scanned_at": "2023-04-18T09:00:00+08:00", "device": "西门"},
             {"attendee_id": second.id, "scanned_at": "2023-04-18T09:02:00+08:00", "device": "东门"}]
    response = client.post(f"/api/v1/events/{event.id}/checkins/batch", json={"scans": scans}, headers=hdr["door"])
    assert response.status_code == 200
    results = response.json["results"]
    assert [(r.get("attendee_id"), r.get("code"), r["result"]) for r in results] == [
        (first.id, None, "already_checked_in"), (None, first.ticket_code, "ok"), (second.id, None, "ok")]
    assert results[2]["checkin"]["method"] == "lookup" and results[1]["checkin"]["method"] == "scan"
    again = client.post(f"/api/v1/events/{event.id}/checkins/batch", json={"scans": scans}, headers=hdr["door"])
    assert [r["result"] for r in again.json["results"]] == ["already_checked_in", "ok", "ok"]
    db.session.rollback()
    (lookup_row,) = db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == second.id)).all()
    assert lookup_row.method is CheckInMethod.lookup
    assert lookup_row.scanned_at == datetime(2023, 4, 18, 1, 2, tzinfo=UTC)


def test_door_page_and_its_guest_list_hold_no_whole_phone(client, setup, make_user):
    event, reg = setup
    email = make_user("door")
    db.session.rollback()
    assert sign_in(client, email).status_code == 302
    page = client.get(f"/door/{event.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="lookup-q"' in html and 'id="walk-in-form"' in html
    assert_no_whole_phone(html)
    roster = client.get(f"/door/{event.id}/roster")
    assert roster.status_code == 200
    assert {item["name"]: item["phone_tail"] for item in roster.json["items"]} == {"束从轩": "1234", "王经理": "9876"}
    assert "private" in roster.headers["Cache-Control"]
    assert_no_whole_phone(roster.get_data(as_text=True))
    found = client.get(f"/door/{event.id}/lookup", query_string={"q": "1234"})
    assert [i["name"] for i in found.json["items"]] == ["束从轩"]
    assert_no_whole_phone(found.get_data(as_text=True))
    short = client.get(f"/door/{event.id}/lookup", query_string={"q": "束"})
    assert short.status_code == 422
    assert short.json["errors"]["q"] == ["请至少输入姓名中的 2 个字，或手机号后 4 位。"]  # the user's language


def test_door_guest_list_is_gzipped_for_a_client_that_accepts_it(client, setup, make_user):
    """The roster grows to megabytes (3.3 MB at 20,000 guests): gzipped when the door's browser accepts it,
    decoding to the same JSON; as it is otherwise."""
    event, reg = setup
    f.registration(event, attendees=20)  # past 1 kB, the smallest answer worth compressing
    email = make_user("door")
    db.session.rollback()
    assert sign_in(client, email).status_code == 302
    plain = client.get(f"/door/{event.id}/roster")
    assert plain.status_code == 200 and plain.headers.get("Content-Encoding") is None
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert len(plain.json["items"]) == 22
    packed = client.get(f"/door/{event.id}/roster", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.status_code == 200 and packed.mimetype == "application/json"
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    assert "private" in packed.headers["Cache-Control"]
    unpacked = json.loads(gzip.decompress(packed.data))
    assert unpacked["items"] == plain.json["items"]
    assert_no_whole_phone(gzip.decompress(packed.data).decode())
