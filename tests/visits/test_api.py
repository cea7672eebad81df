"""Receptions, trips, leads from them, funds and agents, through the API: validation writes nothing,
roles (viewer reads, door nothing), every change audited, and each project's source."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, OrgKind, Project, Reception, Team, TeamKind, Trip, TripVisit
from tests import factories

pytestmark = pytest.mark.usefixtures("industries", "frozen_clock")


@pytest.fixture
def bureau(app):
    with app.app_context():
        team = Team(name="第一招商工作队", kind=TeamKind.team)
        db.session.add(team)
        db.session.commit()
        companies = [factories.organisation(f"上海访问企业{i}有限公司", city="上海市") for i in range(3)]
        fund = factories.organisation("西部优势资本投资有限公司", kind=OrgKind.fund)
        agent = factories.organisation("芯源实业有限公司", kind=OrgKind.agent)
        return {"team": team.id, "orgs": [o.id for o in companies], "fund": fund.id, "agent": agent.id}


def counts(app) -> tuple[int, int, int, int, int]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (Trip, TripVisit, Reception, Project, AuditEntry))


def trip_body(bureau, **over):
    body = {"team_id": bureau["team"], "destination": "上海", "starts_on": "2031-05-08", "ends_on": "2031-05-10",
            "leader": "王主任", "members": "李科长、周科员",
            "visits": [{"organisation_id": bureau["orgs"][0], "date": "2031-05-08", "note": "参观产线"},
                       {"organisation_id": bureau["orgs"][1], "date": "2031-05-09"}],
            "notes": "两家企业有意向来考察"}
    body.update(over)
    return body


def actions(app, entity_type: str, entity_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id).order_by(AuditEntry.id)))


def test_trip_round_trip_and_audit(client, auth, app, bureau):
    h = auth("organiser")
    r = client.post("/api/v1/trips", headers=h, json=trip_body(bureau))
    assert r.status_code == 201, r.json
    trip = r.json
    assert trip["team"] == {"id": bureau["team"], "name": "第一招商工作队"} and trip["destination"] == "上海"
    assert [(v["organisation_id"], v["date"], v["note"]) for v in trip["visits"]] == [
        (bureau["orgs"][0], "2031-05-08", "参观产线"), (bureau["orgs"][1], "2031-05-09", None)]
    assert trip["visits"][0]["organisation"]["name"] == "上海访问企业0有限公司"

    r = client.patch(f"/api/v1/trips/{trip['id']}", headers=h, json={
        "ends_on": "2031-05-11", "visits": [{"organisation_id": bureau["orgs"][2], "date": "2031-05-11"}]})
    assert r.status_code == 200, r.json
    assert [v["organisation_id"] for v in r.json["visits"]] == [bureau["orgs"][2]]
    assert client.get(f"/api/v1/trips/{trip['id']}", headers=auth("viewer")).json["ends_on"] == "2031-05-11"

    listed = client.get(f"/api/v1/trips?year=2031&team_id={bureau['team']}", headers=h).json
    assert listed["total"] == 1 and listed["items"][0]["id"] == trip["id"]
    assert client.get("/api/v1/trips?year=2030", headers=h).json["total"] == 0

    assert client.delete(f"/api/v1/trips/{trip['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/trips/{trip['id']}", headers=h).status_code == 404
    assert actions(app, "trip", trip["id"]) == ["trip.create", "trip.update", "trip.delete"]


def test_trip_that_ends_before_it_starts_is_422_and_writes_nothing(client, auth, app, bureau):
    h = auth("organiser")
    before = counts(app)
    r = client.post("/api/v1/trips", headers=h, json=trip_body(bureau, starts_on="2031-05-10", ends_on="2031-05-08"))
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert "ends_on" in r.json["errors"]
    assert counts(app) == before


@pytest.mark.parametrize("visits, field", [
    ([{"organisation_id": 999999, "date": "2031-05-08"}], "visits.0.organisation_id"),
    ([{"organisation_id": None}], "visits.0.organisation_id"),
    ([{"organisation_id": "first", "date": "2031-05-08"}], "visits.0.organisation_id"),
])
def test_visit_to_an_unknown_organisation_is_422(client, auth, app, bureau, visits, field):
    h = auth("organiser")
    before = counts(app)
    r = client.post("/api/v1/trips", headers=h, json=trip_body(bureau, visits=visits))
    assert r.status_code == 422, r.json
    assert field in r.json["errors"] or "visits.0.organisation_id" in r.json["errors"]
    assert counts(app) == before


def test_visit_outside_the_trip_and_bad_team_are_422(client, auth, app, bureau):
    h = auth("organiser")
    before = counts(app)
    r = client.post("/api/v1/trips", headers=h, json=trip_body(
        bureau, visits=[{"organisation_id": bureau["orgs"][0], "date": "2031-05-12"}]))
    assert r.status_code == 422 and "visits.0.date" in r.json["errors"]
    r = client.post("/api/v1/trips", headers=h, json=trip_body(bureau, team_id=999999))
    assert r.status_code == 422 and "team_id" in r.json["errors"]
    r = client.post("/api/v1/trips", headers=h, json=trip_body(bureau, destination="   "))
    assert r.status_code == 422 and "destination" in r.json["errors"]
    assert counts(app) == before
    # Moving a trip's dates away from its recorded visits is refused too.
    trip = client.post("/api/v1/trips", headers=h, json=trip_body(bureau)).json
    r = client.patch(f"/api/v1/trips/{trip['id']}", headers=h, json={"starts_on": "2031-05-09"})
    assert r.status_code == 422 and "visits.0.date" in r.json["errors"]
    assert client.get(f"/api/v1/trips/{trip['id']}", headers=h).json["starts_on"] == "2031-05-08"


def test_reception_round_trip(client, auth, app, bureau):
    h = auth("organiser")
    project = client.post("/api/v1/projects", headers=h, json={"name": "汽车零部件项目"}).json
    r = client.post("/api/v1/receptions", headers=h, json={
        "date": "2031-06-02", "organisation_ids": [bureau["orgs"][0], bureau["orgs"][1]], "visitors": 5,
        "team_id": bureau["team"], "hosts": "王主任、李科长", "purpose": "考察园区", "project_ids": [project["id"]],
        "notes": "午餐后看厂房"})
    assert r.status_code == 201, r.json
    rec = r.json
    assert rec["visitors"] == 5 and rec["organisation_ids"] == bureau["orgs"][:2]
    assert rec["projects"] == [{"id": project["id"], "name": "汽车零部件项目"}]
    assert rec["team"]["name"] == "第一招商工作队"
    r = client.patch(f"/api/v1/receptions/{rec['id']}", headers=h, json={"visitors": 3, "project_ids": []})
    assert r.status_code == 200 and r.json["visitors"] == 3 and r.json["project_ids"] == []
    listed = client.get("/api/v1/receptions?year=2031", headers=auth("viewer")).json
    assert [i["id"] for i in listed["items"]] == [rec["id"]]
    assert client.get("/api/v1/receptions?year=2032", headers=h).json["total"] == 0
    assert client.delete(f"/api/v1/receptions/{rec['id']}", headers=h).status_code == 204
    assert actions(app, "reception", rec["id"]) == ["reception.create", "reception.update", "reception.delete"]


@pytest.mark.parametrize("body, field", [
    ({"date": "2031-06-02", "organisation_ids": []}, "organisation_ids"),
    ({"date": "2031-06-02", "organisation_ids": [999999]}, "organisation_ids"),
    ({"date": "2031-06-02", "organisation_ids": "ORG", "visitors": 2}, "organisation_ids"),
    ({"date": "2031-06-02", "visitors": 0, "organisation_ids": "ORG"}, "visitors"),
    ({"date": "2031-06-02", "visitors": 2, "organisation_ids": "ORG", "project_ids": [999999]}, "project_ids"),
    ({"organisation_ids": "ORG"}, "date"),
])
def test_reception_validation_writes_nothing(client, auth, app, bureau, body, field):
    body = {k: ([bureau["orgs"][0]] if v == "ORG" else v) for k, v in body.items()}
    if field == "organisation_ids" and body["organisation_ids"] == [bureau["orgs"][0]]:
        body["organisation_ids"] = "not a list"
    h = auth("organiser")
    before = counts(app)
    r = client.post("/api/v1/receptions", headers=h, json=body)
    assert r.status_code == 422, r.json
    assert field in r.json["errors"]
    assert counts(app) == before


def test_roles(client, auth, app, bureau):
    organiser = auth("organiser")
    trip = client.post("/api/v1/trips", headers=organiser, json=trip_body(bureau)).json
    rec = client.post("/api/v1/receptions", headers=organiser,
                      json={"date": "2031-06-02", "organisation_ids": bureau["orgs"][:1]}).json
    viewer, door = auth("viewer"), auth("door")
    for url in ("/api/v1/trips", f"/api/v1/trips/{trip['id']}", "/api/v1/receptions",
                f"/api/v1/receptions/{rec['id']}"):
        assert client.get(url, headers=viewer).status_code == 200
        assert client.get(url, headers=door).status_code == 403
        assert client.get(url).status_code == 401
    before = counts(app)
    for headers in (viewer, door):
        assert client.post("/api/v1/trips", headers=headers, json=trip_body(bureau)).status_code == 403
        assert client.patch(f"/api/v1/trips/{trip['id']}", headers=headers, json={"notes": "x"}).status_code == 403
        assert client.delete(f"/api/v1/receptions/{rec['id']}", headers=headers).status_code == 403
        assert client.post(f"/api/v1/trips/{trip['id']}/leads", headers=headers,
                           json={"organisation_id": bureau["orgs"][0], "name": "x"}).status_code == 403
    assert counts(app) == before


def test_leads_from_a_trip_and_a_reception_carry_their_source(client, auth, app, bureau):
    h = auth("organiser")
    trip = client.post("/api/v1/trips", headers=h, json=trip_body(bureau)).json
    rec = client.post("/api/v1/receptions", headers=h,
                      json={"date": "2031-06-02", "organisation_ids": bureau["orgs"][:1],
                            "team_id": bureau["team"]}).json
    r = client.post(f"/api/v1/trips/{trip['id']}/leads", headers=h, json={
        "organisation_id": bureau["orgs"][0], "name": "精密零件生产线", "industry": "高端装备制造",
        "amount_wan": 12000, "out_of_province": True, "stage_changed_at": "2031-05-09T15:00:00+08:00"})
    assert r.status_code == 201, r.json
    lead = r.json
    assert lead["stage"] == "lead" and lead["source"] == {"type": "trip", "id": trip["id"]}
    assert lead["source_trip_id"] == trip["id"] and lead["source_event_id"] is None
    assert lead["team"] == "第一招商工作队" and lead["stage_changed_at"].startswith("2031-05-09T07:00:00")
    r = client.post(f"/api/v1/receptions/{rec['id']}/leads", headers=h,
                    json={"organisation_id": bureau["orgs"][0], "name": "区域总部"})
    assert r.status_code == 201 and r.json["source"] == {"type": "reception", "id": rec["id"]}
    again = client.get(f"/api/v1/projects/{r.json['id']}", headers=auth("viewer")).json
    assert again["source_reception_id"] == rec["id"]
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.changes).where(
            AuditEntry.action == "project.create", AuditEntry.entity_id == lead["id"]))["source_trip_id"] == trip["id"]
    # A trip with leads is not deleted (the leads keep it as their source).
    assert client.delete(f"/api/v1/trips/{trip['id']}", headers=h).status_code == 409
    # Unknown trip / reception: 404; no organisation: 422; nothing written.
    before = counts(app)
    assert client.post("/api/v1/trips/999999/leads", headers=h,
                       json={"organisation_id": bureau["orgs"][0], "name": "x"}).status_code == 404
    r = client.post(f"/api/v1/receptions/{rec['id']}/leads", headers=h,
                    json={"organisation_id": 999999, "name": "x"})
    assert r.status_code == 422 and "organisation_id" in r.json["errors"]
    assert counts(app) == before


def test_referrals_and_sources(client, auth, app, bureau):
    h = auth("organiser")
    r = client.post("/api/v1/projects", headers=h, json={"name": "基金投资项目", "referred_by_id": bureau["fund"]})
    assert r.status_code == 201, r.json
    assert r.json["source"] == {"type": "referral", "id": bureau["fund"]}
    assert r.json["referred_by"] == {"id": bureau["fund"], "name": "西部优势资本投资有限公司"}
    direct = client.post("/api/v1/projects", headers=h, json={"name": "直接录入项目"}).json
    assert direct["source"] == {"type": "direct", "id": None}
    r = client.patch(f"/api/v1/projects/{direct['id']}", headers=h, json={"referred_by_id": bureau["agent"]})
    assert r.status_code == 200 and r.json["source"] == {"type": "referral", "id": bureau["agent"]}
    # An event's lead referred by an agent still comes from the event.
    with app.app_context():
        ev = factories.event("路演", starts_at=factories.aware(2031, 5, 20))
        ev_id = ev.id
    r = client.post(f"/api/v1/events/{ev_id}/leads", headers=h,
                    json={"organisation_id": bureau["orgs"][0], "name": "路演线索"})
    r = client.patch(f"/api/v1/projects/{r.json['id']}", headers=h, json={"referred_by_id": bureau["fund"]})
    assert r.json["source"] == {"type": "event", "id": ev_id} and r.json["referred_by_id"] == bureau["fund"]
    # A referral by an enterprise (or an unknown organisation) is refused; nothing written.
    before = counts(app)
    for referrer in (bureau["orgs"][0], 999999, 2**40):
        r = client.post("/api/v1/projects", headers=h, json={"name": "企业推荐", "referred_by_id": referrer})
        assert r.status_code == 422 and "referred_by_id" in r.json["errors"], r.json
        r = client.patch(f"/api/v1/projects/{direct['id']}", headers=h, json={"referred_by_id": referrer})
        assert r.status_code == 422 and "referred_by_id" in r.json["errors"]
    assert counts(app) == before
    assert client.get(f"/api/v1/projects/{direct['id']}", headers=h).json["referred_by_id"] == bureau["agent"]


def test_fund_size(client, auth, app, bureau):
    h = auth("organiser")
    r = client.patch(f"/api/v1/organisations/{bureau['fund']}", headers=h, json={"fund_size_wan": 50000})
    assert r.status_code == 200 and r.json["fund_size_wan"] == 50000
    r = client.post("/api/v1/organisations", headers=h, json={"name": "桉树资本管理有限公司", "kind": "fund",
                                                              "fund_size_wan": "30000.50"})
    assert r.status_code == 201 and r.json["fund_size_wan"] == 30000.5
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEntry.id)))
    for url, body in ((f"/api/v1/organisations/{bureau['orgs'][0]}", {"fund_size_wan": 100}),
                      (f"/api/v1/organisations/{bureau['fund']}", {"kind": "enterprise"}),
                      (f"/api/v1/organisations/{bureau['fund']}", {"fund_size_wan": -1})):
        r = client.patch(url, headers=h, json=body)
        assert r.status_code == 422 and "fund_size_wan" in r.json["errors"], r.json
    r = client.post("/api/v1/organisations", headers=h, json={"name": "某企业", "kind": "agent", "fund_size_wan": 1})
    assert r.status_code == 422 and "fund_size_wan" in r.json["errors"]
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert client.get(f"/api/v1/organisations/{bureau['fund']}", headers=h).json["kind"] == "fund"
    # Clearing the size and changing the kind at once is fine.
    r = client.patch(f"/api/v1/organisations/{bureau['fund']}", headers=h,
                     json={"kind": "other", "fund_size_wan": None})
    assert r.status_code == 200 and r.json["fund_size_wan"] is None
