"""Ids no id column can hold (INTEGER: up to 2**31 - 1), in the pipeline's paths, bodies and forms: an unknown id
like any other, never a 500 (SQLite's driver cannot bind a number over 2**63: OverflowError)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Project, Reception, Team, TeamKind, Trip
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("industries", "frozen_clock")

HUGE = [2**31, 99999999999999999999]


@pytest.fixture
def known(app):
    from roadshow.services import pipeline

    with app.app_context():
        ev = factories.event("大数字测试推介会", starts_at=factories.aware(2031, 5, 20))
        org = factories.organisation("大数字测试有限公司")
        project = pipeline.create_project({"name": "大数字测试项目", "organisation_id": org.id}, actor=None)
        team = Team(name="大数字测试工作队", kind=TeamKind.team)
        trip = Trip(team=team, destination="杭州", starts_on=factories.aware(2031, 5, 8).date(),
                    ends_on=factories.aware(2031, 5, 9).date())
        reception = Reception(date=factories.aware(2031, 6, 2).date(), visitors=2, organisations=[org])
        db.session.add_all([trip, reception])
        db.session.commit()
        return {"event": ev.id, "org": org.id, "project": project.id, "trip": trip.id, "reception": reception.id}


def _projects(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Project))


@pytest.mark.parametrize("huge", HUGE)
def test_huge_ids_in_paths_are_404(client, auth, known, huge):
    h = auth("organiser")
    lead = {"organisation_id": known["org"], "name": "路径测试"}
    for method, path, body in (("get", f"/api/v1/projects/{huge}", None),
                               ("patch", f"/api/v1/projects/{huge}", {"name": "x"}),
                               ("get", f"/api/v1/projects/{huge}/history", None),
                               ("get", f"/api/v1/projects/{huge}/investments", None),
                               ("post", f"/api/v1/events/{huge}/leads", lead),
                               ("post", f"/api/v1/trips/{huge}/leads", lead),
                               ("post", f"/api/v1/receptions/{huge}/leads", lead),
                               ("post", f"/api/v1/interests/{huge}/lead", None)):
        r = getattr(client, method)(path, json=body, headers=h)
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.mimetype == "application/problem+json"


@pytest.mark.parametrize("huge", HUGE)
def test_huge_ids_in_bodies_are_unknown_records(app, client, auth, known, huge):
    h = auth("organiser")
    before = _projects(app)
    for path, body, field in (
            (f"/api/v1/events/{known['event']}/leads", {"organisation_id": huge, "name": "x"}, "organisation_id"),
            (f"/api/v1/events/{known['event']}/leads", {"organisation_id": known["org"], "attendee_id": huge,
                                                         "name": "x"}, "attendee_id"),
            (f"/api/v1/trips/{known['trip']}/leads", {"organisation_id": huge, "name": "x"}, "organisation_id"),
            (f"/api/v1/receptions/{known['reception']}/leads", {"organisation_id": huge, "name": "x"},
             "organisation_id"),
            ("/api/v1/projects", {"organisation_id": huge, "name": "x"}, "organisation_id"),
            ("/api/v1/projects", {"organisation_id": known["org"], "source_event_id": huge, "name": "x"},
             "source_event_id")):
        r = client.post(path, json=body, headers=h)
        assert r.status_code == 422, (path, field, r.status_code)
        assert field in r.json["errors"], (path, r.json)  # (the visits' schema bounds its ids itself)
        if "/trips/" not in path and "/receptions/" not in path:
            assert r.json["errors"][field] == ["没有这条记录。"], (path, r.json)
    r = client.patch(f"/api/v1/projects/{known['project']}", json={"organisation_id": huge}, headers=h)
    assert r.status_code == 422 and r.json["errors"]["organisation_id"] == ["没有这条记录。"]
    assert _projects(app) == before
    with app.app_context():
        assert db.session.get(Project, known["project"]).organisation_id == known["org"]


def test_a_huge_organisation_in_the_project_form_is_a_form_error(app, client, make_user, known):
    assert sign_in(client, make_user("organiser")).status_code == 302
    page = client.get("/pipeline/projects/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    before = _projects(app)
    r = client.post("/pipeline/projects/new", data={"csrf_token": token, "name": "表单大数字",
                                                    "organisation_id": str(HUGE[1])})
    assert r.status_code in (200, 422) and "没有这条记录。" in r.get_data(as_text=True)
    assert _projects(app) == before
