"""API.md "Events": create, list, get, patch, cancel — exact shapes, status codes and roles."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roadshow.extensions import db
from roadshow.models import AuditEntry, Event, EventStatus
from roadshow.models.types import utcnow
from tests import factories

BEEF_SOUP = {
    "title": "淮南牛肉汤产业项目路演会",
    "starts_at": "2023-04-18T09:00:00+08:00",
    "ends_at": "2023-04-18T12:00:00+08:00",
    "venue": "田家庵区招商服务中心一楼路演厅",
    "address": "安徽省淮南市田家庵区",
    "description": "二十家农业产业化龙头企业共话牛肉汤产业链。",
    "capacity": 120,
    "industries": ["绿色食品", "现代服务业"],
}

FIELDS = {"id", "title", "starts_at", "ends_at", "timezone", "venue", "address", "description", "capacity",
          "registration_mode", "approval_required", "status", "industries", "sequence", "public_url", "ics_url",
          "created_at", "updated_at", "max_attendees_per_registration", "reminder_hours_before",
          "registration_opens_at", "registration_closes_at", "registration_window", "sms_ticket"}


@pytest.fixture
def org(auth):
    return auth("organiser")


def test_create_returns_every_field(client, org, industries, app_ctx):
    r = client.post("/api/v1/events", json=BEEF_SOUP, headers=org)
    assert r.status_code == 201, r.json
    body = r.json
    assert set(body) == FIELDS
    assert body["title"] == "淮南牛肉汤产业项目路演会"
    assert body["starts_at"] == "2023-04-18T09:00:00+08:00"
    assert body["ends_at"] == "2023-04-18T12:00:00+08:00"
    assert body["timezone"] == "Asia/Shanghai"
    assert body["capacity"] == 120
    assert body["registration_mode"] == "invite" and body["approval_required"] is False
    assert body["status"] == "draft" and body["sequence"] == 0
    assert body["industries"] == ["绿色食品", "现代服务业"]
    assert body["public_url"] == f"http://localhost/e/{body['id']}"
    assert body["ics_url"] == f"http://localhost/events/{body['id']}.ics"
    stored = db.session.get(Event, body["id"])
    assert stored.starts_at.hour == 1 and stored.starts_at.utcoffset() == timedelta(0)  # kept in UTC
    assert db.session.query(AuditEntry).filter_by(action="event.create", entity_id=body["id"]).count() == 1


def test_times_come_back_in_the_event_zone_whatever_offset_was_sent(client, org):
    r = client.post("/api/v1/events", headers=org, json={
        "title": "Site visit", "starts_at": "2023-04-18T01:00:00Z", "ends_at": "2023-04-18T04:00:00+00:00",
        "timezone": "Asia/Tokyo", "status": "published", "registration_mode": "open", "capacity": None})
    assert r.status_code == 201
    assert (r.json["starts_at"], r.json["ends_at"]) == ("2023-04-18T10:00:00+09:00", "2023-04-18T13:00:00+09:00")
    assert r.json["status"] == "published" and r.json["capacity"] is None


@pytest.mark.parametrize("change,field", [
    ({"starts_at": "2023-04-18T09:00:00"}, "starts_at"),
    ({"ends_at": "2023-04-18 12:00"}, "ends_at"),
    ({"ends_at": "2023-04-18T09:00:00+08:00"}, "ends_at"),  # equal to the start
    ({"ends_at": "2023-04-18T08:00:00+08:00"}, "ends_at"),
    ({"timezone": "Asia/Beijing"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"capacity": -1}, "capacity"),
    ({"industries": ["煤炭"]}, "industries"),
    ({"title": ""}, "title"),
    ({"status": "cancelled"}, "status"),
    ({"registration_mode": "anyone"}, "registration_mode"),
])
def test_invalid_input_is_422_with_the_field(client, org, industries, app_ctx, change, field):
    r = client.post("/api/v1/events", json={**BEEF_SOUP, **change}, headers=org)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json"
    assert field in r.json["errors"], r.json
    assert db.session.query(Event).count() == 0


def test_ends_before_start_message_is_in_the_users_language(client, org, industries, app_ctx):
    r = client.post("/api/v1/events", json={**BEEF_SOUP, "ends_at": "2023-04-18T08:00:00+08:00"}, headers=org)
    assert r.json["errors"] == {"ends_at": ["结束时间必须晚于开始时间。"]}
    r = client.post("/api/v1/events", json={**BEEF_SOUP, "ends_at": "2023-04-18T08:00:00+08:00"},
                    headers={**org, "Accept-Language": "en"})
    assert r.json["errors"] == {"ends_at": ["The end must be after the start."]}


def _create(client, headers, **fields):
    r = client.post("/api/v1/events", json={**BEEF_SOUP, "industries": [], **fields}, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def test_list_upcoming_first_then_past_with_filter_and_pages(client, org):
    now = utcnow()

    def at(days):
        return (now + timedelta(days=days)).isoformat()

    def make(title, days, status="published"):
        _create(client, org, title=title, starts_at=at(days), ends_at=at(days + 0.1), status=status)

    make("past-old", -60)
    make("soon", 3)
    make("past-recent", -2)
    make("later", 40, status="draft")
    make("next-week", 7)
    r = client.get("/api/v1/events", headers=org)
    assert r.status_code == 200
    assert [e["title"] for e in r.json["items"]] == ["soon", "next-week", "later", "past-recent", "past-old"]
    assert (r.json["total"], r.json["page"], r.json["per_page"]) == (5, 1, 50)
    r = client.get("/api/v1/events?status=draft", headers=org)
    assert [e["title"] for e in r.json["items"]] == ["later"] and r.json["total"] == 1
    r = client.get("/api/v1/events?page=2&per_page=2", headers=org)
    assert [e["title"] for e in r.json["items"]] == ["later", "past-recent"] and r.json["total"] == 5
    assert client.get("/api/v1/events?status=gone", headers=org).status_code == 422
    assert client.get("/api/v1/events?per_page=201", headers=org).status_code == 422


def test_get_one_and_unknown(client, org):
    created = _create(client, org)
    r = client.get(f"/api/v1/events/{created['id']}", headers=org)
    assert r.status_code == 200 and r.json == created
    r = client.get("/api/v1/events/999999", headers=org)
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_patch_changes_only_what_is_given(client, org, industries, app_ctx):
    created = _create(client, org, industries=["绿色食品"])
    r = client.patch(f"/api/v1/events/{created['id']}", json={"venue": "淮南国际会议中心", "capacity": None},
                     headers=org)
    assert r.status_code == 200, r.json
    assert r.json["venue"] == "淮南国际会议中心" and r.json["capacity"] is None
    assert r.json["title"] == created["title"] and r.json["industries"] == ["绿色食品"]
    assert r.json["address"] == created["address"]
    # The end is checked against the stored start when only the end is sent.
    r = client.patch(f"/api/v1/events/{created['id']}", json={"ends_at": "2023-04-18T08:59:00+08:00"}, headers=org)
    assert r.status_code == 422 and list(r.json["errors"]) == ["ends_at"]
    r = client.patch(f"/api/v1/events/{created['id']}", json={"starts_at": "2023-04-18T13:00:00+08:00"},
                     headers=org)
    assert r.status_code == 422 and list(r.json["errors"]) == ["ends_at"]
    r = client.patch(f"/api/v1/events/{created['id']}", json={"starts_at": "2023-04-18T13:00:00"}, headers=org)
    assert r.status_code == 422 and "starts_at" in r.json["errors"]
    assert client.patch("/api/v1/events/999999", json={"title": "x"}, headers=org).status_code == 404


def test_sequence_grows_with_each_published_field_and_not_with_others(client, org, industries, app_ctx):
    event_id = _create(client, org)["id"]

    def patch(**fields):
        r = client.patch(f"/api/v1/events/{event_id}", json=fields, headers=org)
        assert r.status_code == 200, r.json
        return r.json["sequence"]

    assert patch(title="淮南牛肉汤产业项目路演会（第二场）") == 1
    assert patch(starts_at="2023-04-18T08:30:00+08:00") == 2
    assert patch(ends_at="2023-04-18T12:30:00+08:00") == 3
    assert patch(timezone="Asia/Urumqi") == 4
    assert patch(venue="淮南国际会议中心") == 5
    assert patch(address="安徽省淮南市山南新区") == 6
    assert patch(description="新的议程。") == 7
    assert patch(status="published") == 8
    assert db.session.query(AuditEntry).filter_by(action="event.publish", entity_id=event_id).count() == 1
    # Not shown in calendars: no new sequence.
    assert patch(capacity=300) == 8
    assert patch(capacity=None) == 8
    assert patch(registration_mode="open", approval_required=True, industries=["绿色食品"]) == 8
    # Sending the same values again is no change.
    assert patch(title="淮南牛肉汤产业项目路演会（第二场）", venue="淮南国际会议中心") == 8
    # Several published fields at once: one change, one step.
    assert patch(title="路演会", venue="路演厅") == 9
    # The same instant in another offset is the same time.
    assert patch(starts_at="2023-04-18T00:30:00Z") == 9
    r = client.post(f"/api/v1/events/{event_id}/cancel", headers=org)
    assert r.status_code == 200 and r.json["status"] == "cancelled" and r.json["sequence"] == 10


def test_status_moves_forward_only(client, org):
    event_id = _create(client, org, status="published")["id"]
    r = client.patch(f"/api/v1/events/{event_id}", json={"status": "draft"}, headers=org)
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    r = client.post(f"/api/v1/events/{event_id}/cancel", headers=org)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert set(r.json) == FIELDS
    # Cancelling again: the same event, nothing new.
    again = client.post(f"/api/v1/events/{event_id}/cancel", headers=org)
    assert again.status_code == 200 and again.json["sequence"] == r.json["sequence"]
    r = client.patch(f"/api/v1/events/{event_id}", json={"title": "重新开始"}, headers=org)
    assert r.status_code == 409
    r = client.patch(f"/api/v1/events/{event_id}", json={"status": "published"}, headers=org)
    assert r.status_code == 409
    assert client.post("/api/v1/events/999999/cancel", headers=org).status_code == 404


def test_a_draft_can_be_cancelled_through_patch(client, org, app_ctx):
    event_id = _create(client, org)["id"]
    r = client.patch(f"/api/v1/events/{event_id}", json={"status": "cancelled"}, headers=org)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert db.session.query(AuditEntry).filter_by(action="event.cancel", entity_id=event_id).count() == 1


def test_bad_bodies(client, org):
    r = client.post("/api/v1/events", data="{not json", headers={**org, "Content-Type": "application/json"})
    assert r.status_code == 400
    r = client.post("/api/v1/events", data="title=x", headers={**org, "Content-Type": "text/plain"})
    assert r.status_code == 415
    r = client.post("/api/v1/events", json={"title": "缺时间"}, headers=org)
    assert r.status_code == 422 and {"starts_at", "ends_at"} <= set(r.json["errors"])


@pytest.mark.parametrize("role", ["admin", "organiser", "viewer", "door"])
def test_roles(client, auth, app_ctx, role):
    headers = auth(role)
    ev = factories.event(capacity=10)
    writes = role in ("admin", "organiser")
    reads = role != "door"
    assert client.get("/api/v1/events", headers=headers).status_code == (200 if reads else 403)
    assert client.get(f"/api/v1/events/{ev.id}", headers=headers).status_code == (200 if reads else 403)
    assert client.get(f"/api/v1/events/{ev.id}/stats", headers=headers).status_code == 200
    r = client.post("/api/v1/events", json={**BEEF_SOUP, "industries": []}, headers=headers)
    assert r.status_code == (201 if writes else 403)
    r = client.patch(f"/api/v1/events/{ev.id}", json={"capacity": 20}, headers=headers)
    assert r.status_code == (200 if writes else 403)
    r = client.post(f"/api/v1/events/{ev.id}/cancel", headers=headers)
    assert r.status_code == (200 if writes else 403)
    db.session.expire_all()
    assert db.session.get(Event, ev.id).status is (EventStatus.cancelled if writes else EventStatus.published)


def test_no_token_is_401(client, app_ctx):
    ev = factories.event()
    for method, path in [("get", "/api/v1/events"), ("get", f"/api/v1/events/{ev.id}"),
                         ("get", f"/api/v1/events/{ev.id}/stats"), ("post", f"/api/v1/events/{ev.id}/cancel")]:
        r = getattr(client, method)(path)
        assert r.status_code == 401 and r.mimetype == "application/problem+json", path


def test_an_industry_dropped_from_the_list_stays_on_its_event(client, org, industries, app_ctx):
    from roadshow.models import Industry

    event_id = _create(client, org, industries=["绿色食品", "现代服务业"])["id"]
    db.session.query(Industry).filter_by(name="现代服务业").delete()
    db.session.commit()
    r = client.patch(f"/api/v1/events/{event_id}", json={"industries": ["现代服务业", "新一代信息技术"]}, headers=org)
    assert r.status_code == 200 and r.json["industries"] == ["现代服务业", "新一代信息技术"]
    r = client.patch(f"/api/v1/events/{event_id}", json={"industries": ["绿色食品", "煤炭"]}, headers=org)
    assert r.status_code == 422 and list(r.json["errors"]) == ["industries"]
