"""Targets and the monthly report (月调度), every figure checked on a data set built for it, in 2036 (a year no
other test touches), with the pipeline's clock at 2036-03-20 so March is the current month.

Trips and receptions are written through the ORM here (their services are their own area's); projects, stages,
figures and targets go through the API.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, FollowUp, FollowUpKind, Project, Reception, Target, Trip, TripVisit
from tests import factories

pytestmark = pytest.mark.usefixtures("industries")
NOW = datetime(2036, 3, 20, 4, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    from roadshow.services import pipeline

    monkeypatch.setattr(pipeline, "now", lambda: NOW)


def _project(client, h, name, org, moves, amount="100", **fields):
    (stage, at), *rest = moves
    r = client.post("/api/v1/projects", headers=h, json={"name": name, "organisation_id": org, "amount_wan": amount,
                                                         "stage": stage, "stage_changed_at": at, **fields})
    assert r.status_code == 201, r.json
    for stage, at in rest:
        r2 = client.patch(f"/api/v1/projects/{r.json['id']}", headers=h, json={"stage": stage, "stage_changed_at": at})
        assert r2.status_code == 200, r2.json
    return r.json["id"]


@pytest.fixture
def data(app, client, auth, clock):
    from roadshow.services import teams

    h = auth("organiser")
    with app.app_context():
        t1 = teams.create_team({"name": "月调度测试一队", "kind": "team"}, actor=None).id
        t2 = teams.create_team({"name": "月调度测试二队", "kind": "team"}, actor=None).id
        org = factories.organisation("月调度测试企业有限公司").id
        x, y, z = (factories.organisation(f"月调度走访企业{c}有限公司").id for c in "XYZ")
        db.session.commit()
    a = _project(client, h, "月调度A", org, [("signed", "2036-01-10T10:00:00+08:00")], amount="10000",
                 origin="out_of_province", industrial=True)
    b = _project(client, h, "月调度B", org, [("signed", "2036-03-05T10:00:00+08:00"),
                                           ("started", "2036-03-15T10:00:00+08:00")], amount="2000.50")
    c = _project(client, h, "月调度C", org, [("signed", "2035-06-01T10:00:00+08:00")])
    d = _project(client, h, "月调度D", org, [("started", "2035-01-01T10:00:00+08:00")])
    _project(client, h, "月调度E", org, [("signed", "2036-02-01T10:00:00+08:00")], amount="300")
    for month, figures in (("2036-01", {"funds_in_place_wan": 500}),
                           ("2036-03", {"funds_in_place_wan": 200, "fixed_asset_wan": 100})):
        assert client.put(f"/api/v1/projects/{a}/investments/{month}", headers=h, json=figures).status_code == 200
    with app.app_context():
        for pid, team in ((a, t1), (b, t1), (c, t2), (d, t2)):
            db.session.get(Project, pid).team_id = team
        db.session.add(FollowUp(project_id=c, at=datetime(2036, 3, 1, 2, tzinfo=UTC), kind=FollowUpKind.call,
                                note="电话沟通开工计划"))
        for team, start, visits in ((t1, date(2036, 1, 5), (x, y)), (t1, date(2036, 3, 2), (x, z)),
                                    (t2, date(2036, 3, 10), (x,))):
            trip = Trip(team_id=team, destination="上海", starts_on=start, ends_on=start)
            trip.visits = [TripVisit(organisation_id=o) for o in visits]
            db.session.add(trip)
        for team, day in ((t1, date(2036, 3, 3)), (t2, date(2036, 2, 20)), (None, date(2036, 3, 4))):
            db.session.add(Reception(date=day, visitors=3, team_id=team))
        db.session.commit()
    for body in ({"team_id": None, "signed_count": 10, "trips": 5},
                 {"team_id": t1, "signed_count": 4, "signed_amount_wan": 20000},
                 {"team_id": t2, "signed_count": 2}):
        r = client.put("/api/v1/targets/2036", headers=h, json=body)
        assert r.status_code == 200, r.json
    return {"h": h, "t1": t1, "t2": t2, "c": c, "d": d}


def _m(month, ytd, target=None, completion=None):
    return {"month": month, "year_to_date": ytd, "target": target, "completion": completion}


def test_the_district_month_and_year_to_date_against_targets(data, client):
    r = client.get("/api/v1/reports/monthly?month=2036-03", headers=data["h"])
    assert r.status_code == 200, r.json
    d = r.json["district"]
    assert d["signed_count"] == _m(1, 3, 10, 0.3)  # B this month; A, B, E this year
    assert d["signed_amount_wan"] == _m(2000.5, 12300.5)
    assert d["started_count"] == _m(1, 1)  # B; D started last year
    assert d["producing_count"] == _m(0, 0)
    assert d["out_of_province_over_100m_funds_wan"] == _m(200, 700)
    assert d["industrial_fixed_asset_wan"] == _m(100, 100)
    assert d["trips"] == _m(2, 3, 5, 0.6)
    assert d["receptions"] == _m(2, 3)
    assert d["companies_visited"] == _m(2, 3)  # X and Z in March (X by both teams), X Y Z this year


def test_teams_are_ranked_by_their_completion(data, client):
    teams = {t["name"]: t for t in client.get("/api/v1/reports/monthly?month=2036-03", headers=data["h"]).json["teams"]}
    one, two = teams["月调度测试一队"], teams["月调度测试二队"]
    assert one["signed_count"] == _m(1, 2, 4, 0.5)
    assert one["signed_amount_wan"] == _m(2000.5, 12000.5, 20000, 0.6)
    assert one["companies_visited"] == _m(2, 3) and two["companies_visited"] == _m(1, 1)
    assert one["trips"] == _m(1, 2) and two["receptions"] == _m(0, 1)
    assert (one["score"], one["rank"]) == (0.55, 1)
    assert (two["signed_count"], two["score"]) == (_m(0, 0, 2, 0.0), 0.0)
    assert one["rank"] < two["rank"]


def test_stalled_projects_with_their_flags_and_last_follow_up(data, client, app):
    stalled = client.get("/api/v1/reports/monthly?month=2036-03", headers=data["h"]).json["stalled"]
    assert [(s["project_id"], s["stage"], s["since"], s["days"], s["flag"]) for s in stalled] == [
        (data["c"], "signed", "2035-06-01", 293, "red"),  # to today, 2036-03-20
        (data["d"], "started", "2035-01-01", 444, "yellow")]
    assert stalled[0]["last_follow_up"]["note"] == "电话沟通开工计划" and stalled[1]["last_follow_up"] is None
    assert stalled[0]["team"] == "月调度测试二队"
    february = client.get("/api/v1/reports/monthly?month=2036-02", headers=data["h"]).json
    assert [s["days"] for s in february["stalled"]] == [273, 424]  # to 2036-02-29
    assert february["district"]["signed_count"] == _m(1, 2, 10, 0.2)
    app.config["STALLED_DAYS"] = {"signed": (300, 400)}
    try:
        stalled = client.get("/api/v1/reports/monthly?month=2036-03", headers=data["h"]).json["stalled"]
        assert [s["project_id"] for s in stalled] == [data["d"]]
    finally:
        app.config.pop("STALLED_DAYS")


def test_targets_read_back_replace_and_clear(data, client, auth, app):
    r = client.get("/api/v1/targets/2036", headers=auth("viewer"))
    assert r.status_code == 200
    assert (r.json["district"]["signed_count"], r.json["district"]["trips"], r.json["district"]["receptions"]) == (
        10, 5, None)
    one = next(t for t in r.json["teams"] if t["team_id"] == data["t1"])
    assert (one["signed_count"], one["signed_amount_wan"]) == (4, 20000)
    r = client.put("/api/v1/targets/2036", headers=data["h"], json={"trips": None, "receptions": 200})
    assert (r.json["district"]["signed_count"], r.json["district"]["trips"], r.json["district"]["receptions"]) == (
        10, None, 200)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Target).where(Target.year == 2036)) == 3
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "target.set")) >= 4


@pytest.mark.parametrize("path, body", [
    ("/api/v1/targets/2036", {"team_id": 999999, "trips": 1}),
    ("/api/v1/targets/2036", {"trips": -1}),
    ("/api/v1/targets/2036", {"signed_amount_wan": "1.001"}),
    ("/api/v1/targets/1999", {"trips": 1}),
    ("/api/v1/targets/2036", {"visits": 1}),
])
def test_bad_targets_are_refused_writing_nothing(data, client, app, path, body):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    r = client.put(path, headers=data["h"], json=body)
    assert r.status_code == 422, r.json
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_bad_months_and_roles(data, client, auth):
    for month in ("2036-13", "2036-3", "x", ""):
        assert client.get(f"/api/v1/reports/monthly?month={month}", headers=data["h"]).status_code == 422
    assert client.get("/api/v1/reports/monthly?month=2036-03", headers=auth("door")).status_code == 403
    assert client.put("/api/v1/targets/2036", headers=auth("viewer"), json={"trips": 1}).status_code == 403
    assert client.get("/api/v1/targets/2036").status_code == 401
