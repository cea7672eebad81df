"""The programme through the API: sessions (agenda, pitched projects), interests, meetings and leads."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, EventStatus, Interest, Project
from tests import factories

T = "2031-04-18T{}:00+08:00"


def _session(client, h, day, start="09:30", end="10:00", **extra):
    body = {"starts_at": T.format(start), "ends_at": T.format(end), "title": "项目路演：牛肉汤预制菜",
            "speaker": "张总", "project_id": day["project"], **extra}
    return client.post(f"/api/v1/events/{day['event']}/sessions", headers=h, json=body)


def test_sessions_crud_and_public_agenda(client, auth, day, app):
    h = auth("organiser")
    r = _session(client, h, day, organisation_id=day["org"])
    assert r.status_code == 201, r.json
    s = r.json
    assert s["starts_at"] == "2031-04-18T09:30:00+08:00" and s["project"] == {"id": day["project"],
                                                                                "name": "牛肉汤预制菜中央厨房"}
    assert s["organisation"]["name"] == "淮南产业投资基金有限公司" and s["speaker"] == "张总"
    assert _session(client, h, day, "09:00", "09:20", title="开幕致辞", project_id=None).status_code == 201
    # Anonymous: the published event's agenda, in time order.
    listed = client.get(f"/api/v1/events/{day['event']}/sessions")
    assert listed.status_code == 200
    assert [i["title"] for i in listed.json["items"]] == ["开幕致辞", "项目路演：牛肉汤预制菜"]
    assert listed.json["total"] == 2
    r = client.patch(f"/api/v1/sessions/{s['id']}", headers=h, json={"title": "路演：牛肉汤中央厨房",
                                                                       "ends_at": T.format("10:15")})
    assert r.status_code == 200 and r.json["title"] == "路演：牛肉汤中央厨房"
    assert r.json["ends_at"] == "2031-04-18T10:15:00+08:00"
    assert client.delete(f"/api/v1/sessions/{s['id']}", headers=h).status_code == 200
    assert client.get(f"/api/v1/events/{day['event']}/sessions").json["total"] == 1
    assert client.patch(f"/api/v1/sessions/{s['id']}", headers=h, json={"title": "x"}).status_code == 404
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "agenda_session")))
    assert actions == {"session.create", "session.update", "session.delete"}


@pytest.mark.parametrize("start,end,field", [
    ("10:00", "10:00", "ends_at"),   # ends when it starts
    ("10:30", "10:00", "ends_at"),   # ends before it starts
    ("08:30", "09:30", "starts_at"),  # before the event
    ("11:30", "12:30", "ends_at"),   # after the event
])
def test_session_times_are_422(client, auth, day, start, end, field):
    r = _session(client, auth("organiser"), day, start, end)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json" and field in r.json["errors"]


def test_session_input_is_checked(client, auth, day):
    h = auth("organiser")
    url = f"/api/v1/events/{day['event']}/sessions"
    assert client.post(url, headers=h, json={"starts_at": "2031-04-18T09:30:00", "ends_at": T.format("10:00"),
                                             "title": "x"}).status_code == 422  # no offset
    assert _session(client, h, day, project_id=999999).json["errors"].keys() == {"project_id"}
    assert _session(client, h, day, title="   ").status_code == 422
    assert client.post("/api/v1/events/999999/sessions", headers=h, json={
        "starts_at": T.format("09:30"), "ends_at": T.format("10:00"), "title": "x"}).status_code == 404
    s = _session(client, h, day).json
    r = client.patch(f"/api/v1/sessions/{s['id']}", headers=h, json={"starts_at": T.format("10:30")})
    assert r.status_code == 422 and "ends_at" in r.json["errors"]


def test_draft_agenda_is_for_readers_only(client, auth, day, app):
    with app.app_context():
        draft = factories.event("筹备中的路演", starts_at=factories.aware(2031, 6, 1, 9), status=EventStatus.draft)
        draft_id = draft.id
    h = auth("organiser")
    r = client.post(f"/api/v1/events/{draft_id}/sessions", headers=h, json={
        "starts_at": "2031-06-01T09:30:00+08:00", "ends_at": "2031-06-01T10:00:00+08:00", "title": "内部议程"})
    assert r.status_code == 201
    assert client.get(f"/api/v1/events/{draft_id}/sessions").status_code == 404
    bad = {"Authorization": "Bearer nope"}
    assert client.get(f"/api/v1/events/{draft_id}/sessions", headers=bad).status_code == 404
    assert client.get(f"/api/v1/events/{draft_id}/sessions", headers=auth("door")).status_code == 404
    for role in ("organiser", "viewer"):
        r = client.get(f"/api/v1/events/{draft_id}/sessions", headers=auth(role))
        assert r.status_code == 200 and r.json["items"][0]["title"] == "内部议程"


def test_roles_on_programme_writes(client, auth, day):
    organiser = auth("organiser")
    s = _session(client, organiser, day).json
    for role in ("viewer", "door"):
        h = auth(role)
        assert _session(client, h, day).status_code == 403
        assert client.patch(f"/api/v1/sessions/{s['id']}", headers=h, json={"title": "x"}).status_code == 403
        assert client.delete(f"/api/v1/sessions/{s['id']}", headers=h).status_code == 403
    assert _session(client, {}, day).status_code == 401
    i = client.post(f"/api/v1/public/registrations/{day['token']}/interests",
                    json={"attendee_id": day["attendees"][0], "project_id": day["project"]}).json
    # Viewers read the interests (names, no phones); door staff reach nothing of it.
    r = client.get(f"/api/v1/events/{day['event']}/interests", headers=auth("viewer"))
    assert r.status_code == 200 and r.json["items"][0]["attendee"]["name"] == "李投资"
    assert "phone" not in str(r.json)
    door = auth("door")
    assert client.get(f"/api/v1/events/{day['event']}/interests", headers=door).status_code == 403
    viewer = auth("viewer")
    for h in (door, viewer):
        assert client.patch(f"/api/v1/interests/{i['id']}", headers=h,
                            json={"meeting_at": T.format("11:00")}).status_code == 403
        assert client.post(f"/api/v1/interests/{i['id']}/lead", headers=h).status_code == 403
        assert client.post(f"/api/v1/events/{day['event']}/interests/leads", headers=h).status_code == 403


def test_interest_mark_conflict_withdraw(client, auth, day, app):
    _session(client, auth("organiser"), day)
    url = f"/api/v1/public/registrations/{day['token']}/interests"
    body = {"attendee_id": day["attendees"][0], "project_id": day["project"], "meeting": True,
            "note": "想了解冷链配送"}
    r = client.post(url, json=body)
    assert r.status_code == 201, r.json
    i = r.json
    assert i["attendee"] == {"id": day["attendees"][0], "name": "李投资"}
    assert i["organisation"] == {"id": day["org"], "name": "淮南产业投资基金有限公司", "kind": "fund"}
    assert i["project"]["id"] == day["project"] and i["meeting"] is True and i["note"] == "想了解冷链配送"
    again = client.post(url, json={**body, "note": "第二次"})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    # The other guest may mark the same project; nobody may mark a project this event does not pitch.
    assert client.post(url, json={**body, "attendee_id": day["attendees"][1]}).status_code == 201
    r = client.post(url, json={**body, "project_id": day["other"]})
    assert r.status_code == 422 and "project_id" in r.json["errors"]
    r = client.post(url, json={**body, "attendee_id": 999999})
    assert r.status_code == 422 and "attendee_id" in r.json["errors"]
    assert client.post("/api/v1/public/registrations/not-a-token/interests", json=body).status_code == 404
    listed = client.get(f"/api/v1/events/{day['event']}/interests", headers=auth("organiser")).json
    assert listed["total"] == 2 and {x["attendee"]["name"] for x in listed["items"]} == {"李投资", "周经理"}
    assert set(listed["items"][0]) >= {"id", "attendee", "organisation", "project", "meeting", "meeting_at", "note"}
    own = client.get(url).json
    assert own["total"] == 2 and {x["attendee"]["id"] for x in own["items"]} == set(day["attendees"])
    assert client.get("/api/v1/public/registrations/not-a-token/interests").status_code == 404
    assert client.delete(f"{url}/{i['id']}").json == {"id": i["id"], "status": "withdrawn"}
    assert client.delete(f"{url}/{i['id']}").status_code == 404
    assert client.post(url, json=body).status_code == 201  # marked again after withdrawing
    with app.app_context():
        assert db.session.scalar(select(func.count(Interest.id))) == 2


def test_interest_of_an_unconfirmed_registration_is_409(client, auth, day, app):
    _session(client, auth("organiser"), day)
    with app.app_context():
        from roadshow.models import Event, RegistrationStatus

        reg = factories.registration(db.session.get(Event, day["event"]), status=RegistrationStatus.waitlisted)
        token, attendee = reg.manage_token, reg.attendees[0].id
    r = client.post(f"/api/v1/public/registrations/{token}/interests",
                    json={"attendee_id": attendee, "project_id": day["project"]})
    assert r.status_code == 409


def test_interest_to_lead_once_and_funnel(client, auth, day, app):
    h = auth("organiser")
    _session(client, h, day)
    url = f"/api/v1/public/registrations/{day['token']}/interests"
    first = client.post(url, json={"attendee_id": day["attendees"][0], "project_id": day["project"],
                                   "note": "拟投资 5000 万"}).json
    client.post(url, json={"attendee_id": day["attendees"][1], "project_id": day["project"]})
    r = client.post(f"/api/v1/interests/{first['id']}/lead", headers=h)
    assert r.status_code == 201, r.json
    lead = r.json
    assert lead["stage"] == "lead" and lead["organisation_id"] == day["org"]
    assert lead["attendee_id"] == day["attendees"][0] and lead["source_event_id"] == day["event"]
    assert lead["related_project_id"] == day["project"] and lead["interest_id"] == first["id"]
    assert lead["notes"] == "拟投资 5000 万" and lead["industry"] == "绿色食品"
    again = client.post(f"/api/v1/interests/{first['id']}/lead", headers=h)
    assert again.status_code == 200 and again.json["id"] == lead["id"]
    # Every project answer carries it (API.md), not only the interest's: the lead, the list, the pitched project.
    assert client.get(f"/api/v1/projects/{lead['id']}", headers=h).json["related_project_id"] == day["project"]
    listed = {p["id"]: p for p in client.get(f"/api/v1/projects?event_id={day['event']}", headers=h).json["items"]}
    assert listed[lead["id"]]["related_project_id"] == day["project"]
    assert client.get(f"/api/v1/projects/{day['project']}", headers=h).json["related_project_id"] is None
    bulk = client.post(f"/api/v1/events/{day['event']}/interests/leads", headers=h).json
    assert bulk["created"] == 1 and bulk["existing"] == 1
    assert client.post(f"/api/v1/events/{day['event']}/interests/leads", headers=h).json == {
        "created": 0, "existing": 2, "lead_ids": []}
    with app.app_context():
        assert db.session.scalar(select(func.count(Project.id)).where(Project.source_event_id == day["event"])) == 2
    report = client.get(f"/api/v1/events/{day['event']}/report", headers=h).json
    assert report["interests"] == 2 and report["leads"] == 2
    assert report["by_kind"]["fund"]["interests"] == 2
    assert client.post("/api/v1/interests/999999/lead", headers=h).status_code == 404


def test_meeting_input_is_checked(client, auth, day):
    h = auth("organiser")
    _session(client, h, day)
    i = client.post(f"/api/v1/public/registrations/{day['token']}/interests",
                    json={"attendee_id": day["attendees"][0], "project_id": day["project"]}).json
    url = f"/api/v1/interests/{i['id']}"
    assert client.patch(url, headers=h, json={"meeting_place": "二楼洽谈室"}).status_code == 422  # no time
    assert client.patch(url, headers=h, json={"meeting_at": "2031-04-18T11:00:00"}).status_code == 422
    assert client.patch(url, headers=h, json={"meeting_at": T.format("11:00"),
                                              "meeting_place": "x" * 201}).status_code == 422
    r = client.patch("/api/v1/interests/999999", headers=h, json={"meeting_at": T.format("11:00")})
    assert r.status_code == 404
