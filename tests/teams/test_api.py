"""Teams, follow-up records and back-dated leads through the API: answers, 422s that write nothing, roles."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, FollowUp, Project, Team, User
from tests import factories
from tests.conftest import PASSWORD


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


@pytest.fixture
def people(app, make_user):
    return {"leader": _user_id(app, make_user("organiser", name="赵队长")),
            "member": _user_id(app, make_user("viewer", name="梁干事")),
            "officer": _user_id(app, make_user("organiser", name="陈科长"))}


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_list_get_patch_team(client, auth, app, people):
    h = auth("organiser")
    r = client.post("/api/v1/teams", headers=h, json={
        "name": "驻宁波招商组", "kind": "station", "city": "宁波", "leader_id": people["leader"],
        "member_ids": [people["member"], people["officer"], people["member"]]})
    assert r.status_code == 201, r.json
    team = r.json
    assert (team["kind"], team["city"]) == ("station", "宁波")
    assert team["leader"] == {"id": people["leader"], "name": "赵队长"}
    assert team["member_ids"] == sorted([people["member"], people["officer"]])
    assert team["counts"] == {"projects": 0, "trips": 0, "receptions": 0}
    client.post("/api/v1/teams", headers=h, json={"name": "绿色食品产业专班", "kind": "industry",
                                                 "industry": "绿色食品"})
    listed = client.get("/api/v1/teams?kind=station", headers=h).json
    assert [t["name"] for t in listed["items"]] == ["驻宁波招商组"] and listed["total"] == 1
    assert client.get("/api/v1/teams", headers=h).json["total"] == 2
    # a project of the team shows in its counts, and answers the team's and the officer's names beside the ids
    p = client.post("/api/v1/projects", headers=h, json={"name": "汽配园", "team_id": team["id"],
                                                        "officer_id": people["officer"]}).json
    assert (p["team_id"], p["team"], p["officer_id"], p["officer"]) == (team["id"], "驻宁波招商组",
                                                                        people["officer"], "陈科长")
    assert client.get(f"/api/v1/teams/{team['id']}", headers=h).json["counts"]["projects"] == 1
    r = client.patch(f"/api/v1/teams/{team['id']}", headers=h, json={"member_ids": [people["member"]],
                                                                     "name": "驻宁波招商小组"})
    assert r.status_code == 200 and r.json["member_ids"] == [people["member"]] and r.json["name"] == "驻宁波招商小组"
    assert client.get(f"/api/v1/projects/{p['id']}", headers=h).json["team"] == "驻宁波招商小组"
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "team")
                                          .order_by(AuditEntry.id)))
        assert actions == ["team.create", "team.create", "team.update"]
    assert client.get("/api/v1/teams/999999", headers=h).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"name": "一队", "kind": "team", "member_ids": [999999]}, "member_ids"),   # a member who is not a user
    ({"name": "一队", "kind": "team", "leader_id": 999999}, "leader_id"),
    ({"name": "一队", "kind": "brigade"}, "kind"),                               # unknown kind
    ({"name": "驻点", "kind": "station"}, "city"),                               # a station without its city
    ({"name": "", "kind": "team"}, "name"),
    ({"name": "一队", "kind": "team", "member_ids": ["x"]}, "member_ids"),
])
def test_bad_team_is_422_and_writes_nothing(client, auth, app, people, body, field):
    r = client.post("/api/v1/teams", headers=auth("organiser"), json=body)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json" and any(k.startswith(field) for k in r.json["errors"])
    assert _count(app, Team) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity_type == "team")) == 0


def test_duplicate_name_and_station_patch_without_city(client, auth, app):
    h = auth("admin")
    tid = client.post("/api/v1/teams", headers=h, json={"name": "第一招商工作队", "kind": "team"}).json["id"]
    r = client.post("/api/v1/teams", headers=h, json={"name": "第一招商工作队", "kind": "team"})
    assert r.status_code == 422 and "name" in r.json["errors"]
    r = client.patch(f"/api/v1/teams/{tid}", headers=h, json={"kind": "station"})
    assert r.status_code == 422 and "city" in r.json["errors"]
    assert client.get(f"/api/v1/teams/{tid}", headers=h).json["kind"] == "team"


def test_project_with_unknown_team_or_officer_is_422(client, auth, app):
    h = auth("organiser")
    for body, field in (({"team_id": 999999}, "team_id"), ({"officer_id": 999999}, "officer_id")):
        r = client.post("/api/v1/projects", headers=h, json={"name": "无效", **body})
        assert r.status_code == 422 and field in r.json["errors"], r.json
    assert _count(app, Project) == 0


def test_roles(client, auth, people):
    body = {"name": "二队", "kind": "team"}
    assert client.post("/api/v1/teams", json=body).status_code == 401
    assert client.post("/api/v1/teams", headers=auth("viewer"), json=body).status_code == 403
    assert client.get("/api/v1/teams", headers=auth("door")).status_code == 403
    tid = client.post("/api/v1/teams", headers=auth("organiser"), json=body).json["id"]
    viewer = auth("viewer")
    assert client.get("/api/v1/teams", headers=viewer).status_code == 200
    assert client.get(f"/api/v1/teams/{tid}", headers=viewer).status_code == 200
    assert client.patch(f"/api/v1/teams/{tid}", headers=viewer, json={"name": "x"}).status_code == 403
    pid = client.post("/api/v1/projects", headers=auth("organiser"), json={"name": "项目"}).json["id"]
    note = {"at": datetime.now(UTC).isoformat(), "kind": "call", "note": "电话"}
    assert client.post(f"/api/v1/projects/{pid}/follow-ups", headers=viewer, json=note).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/follow-ups", headers=auth("door")).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/follow-ups", headers=viewer).status_code == 200


def test_follow_ups_newest_first_and_next_date_becomes_the_projects(client, auth, app):
    h = auth("organiser")
    pid = client.post("/api/v1/projects", headers=h, json={"name": "中央厨房"}).json["id"]
    now = datetime.now(UTC)
    first = client.post(f"/api/v1/projects/{pid}/follow-ups", headers=h, json={
        "at": (now - timedelta(days=10)).isoformat(), "kind": "visit", "note": "走访企业",
        "next_step": "报价", "next_follow_up": (now - timedelta(days=3)).date().isoformat()})
    assert first.status_code == 201, first.json
    assert first.json["user"]["id"] and first.json["kind"] == "visit" and first.json["next_step"] == "报价"
    project = client.get(f"/api/v1/projects/{pid}", headers=h).json
    assert project["next_follow_up"] == (now - timedelta(days=3)).date().isoformat() and project["overdue"] is True
    overdue = client.get("/api/v1/projects?overdue=true", headers=h).json
    assert [p["id"] for p in overdue["items"]] == [pid]
    second = client.post(f"/api/v1/projects/{pid}/follow-ups", headers=h, json={
        "at": (now - timedelta(days=1)).isoformat(), "kind": "call", "note": "电话确认",
        "next_follow_up": (now + timedelta(days=7)).date().isoformat()}).json
    items = client.get(f"/api/v1/projects/{pid}/follow-ups", headers=h).json["items"]
    assert [i["id"] for i in items] == [second["id"], first.json["id"]]  # newest first
    assert client.get(f"/api/v1/projects/{pid}", headers=h).json["overdue"] is False
    assert client.get("/api/v1/projects?overdue=true", headers=h).json["total"] == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "follow_up.create")) == 2


@pytest.mark.parametrize("change, field", [
    ({"at": "2099-01-01T09:00:00+08:00"}, "at"),       # in the future
    ({"at": "2024-01-01T09:00:00"}, "at"),             # no offset
    ({"kind": "lunch"}, "kind"),
    ({"note": ""}, "note"),
    ({"next_follow_up": "2020-01-01"}, "next_follow_up"),  # before the follow-up itself
])
def test_bad_follow_up_is_422_and_writes_nothing(client, auth, app, change, field):
    h = auth("organiser")
    pid = client.post("/api/v1/projects", headers=h, json={"name": "项目"}).json["id"]
    body = {"at": "2024-03-01T09:00:00+08:00", "kind": "call", "note": "电话", **change}
    r = client.post(f"/api/v1/projects/{pid}/follow-ups", headers=h, json=body)
    assert r.status_code == 422 and field in r.json["errors"], r.json
    assert _count(app, FollowUp) == 0
    assert client.get(f"/api/v1/projects/{pid}", headers=h).json["next_follow_up"] is None
    assert client.post("/api/v1/projects/999999/follow-ups", headers=h, json={
        "at": "2024-03-01T09:00:00+08:00", "kind": "call", "note": "x"}).status_code == 404


def test_back_dated_lead(client, auth, app):
    h = auth("organiser")
    with app.app_context():
        ev = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2023, 4, 18))
        org = factories.organisation("老乡鸡集团有限公司")
        ids = {"event": ev.id, "org": org.id}
    url = f"/api/v1/events/{ids['event']}/leads"
    r = client.post(url, headers=h, json={"organisation_id": ids["org"], "name": "中央厨房",
                                          "stage_changed_at": "2023-04-18T15:00:00+08:00"})
    assert r.status_code == 201, r.json
    assert r.json["stage_changed_at"].startswith("2023-04-18T07:00:00")
    history = client.get(f"/api/v1/projects/{r.json['id']}/history", headers=h).json["items"]
    assert history[0]["at"].startswith("2023-04-18T07:00:00")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = client.post(url, headers=h, json={"organisation_id": ids["org"], "name": "未来", "stage_changed_at": future})
    assert r.status_code == 422 and "stage_changed_at" in r.json["errors"]
    r = client.post(url, headers=h, json={"organisation_id": ids["org"], "name": "无时区",
                                          "stage_changed_at": "2023-04-18T15:00:00"})
    assert r.status_code == 422
    assert _count(app, Project) == 1
    # without it: now
    r = client.post(url, headers=h, json={"organisation_id": ids["org"], "name": "今天"})
    assert datetime.fromisoformat(r.json["stage_changed_at"]) > datetime.now(UTC) - timedelta(minutes=5)


def test_my_projects(client, auth, app, make_user):
    h = auth("organiser")
    email = make_user("organiser", name="孙科长")
    mine = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "email": email, "password": PASSWORD}).json["token"]}
    me = _user_id(app, email)
    tid = client.post("/api/v1/teams", headers=h, json={"name": "三队", "kind": "team", "member_ids": [me]}).json["id"]
    officer = client.post("/api/v1/projects", headers=h, json={"name": "我负责", "officer_id": me}).json["id"]
    team = client.post("/api/v1/projects", headers=h, json={"name": "我队的", "team_id": tid}).json["id"]
    client.post("/api/v1/projects", headers=h, json={"name": "别人的"})
    r = client.get("/api/v1/projects?mine=true", headers=mine)
    assert r.status_code == 200, r.json
    assert sorted(p["id"] for p in r.json["items"]) == sorted([officer, team])
    assert client.get("/api/v1/projects?mine=true", headers=h).json["total"] == 0
    assert client.get(f"/api/v1/projects?team_id={tid}", headers=h).json["total"] == 1
    assert client.get("/api/v1/projects?team_id=abc", headers=h).status_code == 422
