"""The reception and trip pages through the test client: forms, errors beside their fields, leads from a
trip, the organisation's page with its visits, receptions and referrals, roles."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, OrgKind, Origin, Project, Reception, Team, TeamKind, Trip
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("industries", "frozen_clock")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def bureau(app):
    with app.app_context():
        team = Team(name="第二招商工作队", kind=TeamKind.team)
        db.session.add(team)
        db.session.commit()
        orgs = [factories.organisation(f"杭州走访企业{i}有限公司") for i in range(2)]
        agent = factories.organisation("芯源实业有限公司", kind=OrgKind.agent)
        return {"team": team.id, "orgs": [o.id for o in orgs], "agent": agent.id}


def _signed_in(client, make_user, role="organiser"):
    assert sign_in(client, make_user(role)).status_code == 302
    return client


def test_trip_form_errors_beside_fields_and_nothing_written(client, make_user, app, bureau):
    _signed_in(client, make_user)
    page = client.get("/trips/new").get_data(as_text=True)
    data = {"csrf_token": _csrf(page), "team_id": bureau["team"], "destination": "杭州", "starts_on": "2031-05-10",
            "ends_on": "2031-05-08", "visits-0-organisation_id": bureau["orgs"][0], "visits-0-date": "2031-05-10"}
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEntry.id)))
    r = client.post("/trips/new", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "结束日期不能早于开始日期。" in html
    assert re.search(r'id="ends_on"[^>]*is-invalid|is-invalid[^>]*id="ends_on"', html)
    with app.app_context():
        assert db.session.scalar(select(func.count(Trip.id))) == 0
        assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    # A visit outside the trip: the message is beside that row's date.
    r = client.post("/trips/new", data={**data, "ends_on": "2031-05-11", "visits-0-date": "2031-05-20"})
    assert "走访日期须在出访期间" in r.get_data(as_text=True)
    r = client.post("/trips/new", data={**data, "ends_on": "2031-05-11"})
    assert r.status_code == 302, re.findall(r'invalid-feedback">([^<]*)', r.get_data(as_text=True))
    trip_url = r.headers["Location"]
    html = client.get(trip_url).get_data(as_text=True)
    assert "杭州走访企业0有限公司" in html and "第二招商工作队" in html


def test_lead_from_a_trip_and_the_organisation_page(client, make_user, app, bureau):
    _signed_in(client, make_user)
    with app.app_context():
        team = db.session.get(Team, bureau["team"])
        trip = Trip(team=team, destination="杭州", starts_on=factories.aware(2031, 5, 8).date(),
                    ends_on=factories.aware(2031, 5, 9).date())
        db.session.add(trip)
        db.session.commit()
        trip_id = trip.id
    # visits through the edit form (the service), then a lead from the trip's page
    page = client.get(f"/trips/{trip_id}/edit").get_data(as_text=True)
    r = client.post(f"/trips/{trip_id}/edit", data={
        "csrf_token": _csrf(page), "team_id": bureau["team"], "destination": "杭州", "starts_on": "2031-05-08",
        "ends_on": "2031-05-09", "visits-0-organisation_id": bureau["orgs"][1], "visits-0-date": "2031-05-08",
        "visits-0-note": "座谈"})
    assert r.status_code == 302
    page = client.get(f"/trips/{trip_id}/leads/new").get_data(as_text=True)
    assert re.search(rf'<option (selected )?value="{bureau["orgs"][1]}"( selected)?', page).group(0).count("selected")
    r = client.post(f"/trips/{trip_id}/leads/new", data={
        "csrf_token": _csrf(page), "organisation_id": bureau["orgs"][1], "name": "数字文旅项目",
        "industry": "数字创意和文化旅游", "amount_wan": "8000"})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == "数字文旅项目"))
        assert project.source_trip_id == trip_id and project.team.name == "第二招商工作队"
        project_id = project.id
    html = client.get(f"/pipeline/projects/{project_id}").get_data(as_text=True)
    assert 'id="project-source"' in html and f"/trips/{trip_id}" in html
    assert "数字文旅项目" in client.get(f"/trips/{trip_id}").get_data(as_text=True)
    # referred by the agent through the project form
    page = client.get(f"/pipeline/projects/{project_id}/edit").get_data(as_text=True)
    assert "芯源实业有限公司" in page
    r = client.post(f"/pipeline/projects/{project_id}/edit", data={
        "csrf_token": _csrf(page), "name": "数字文旅项目", "organisation_id": bureau["orgs"][1],
        "industry": "数字创意和文化旅游", "amount_wan": "8000", "referred_by_id": bureau["agent"]})
    assert r.status_code == 302
    org_page = client.get(f"/organisations/{bureau['orgs'][1]}").get_data(as_text=True)
    visits = re.search(r'id="organisation-visits">(.*?)</ul>', org_page, re.S).group(1)
    assert "2031-05-08 · 杭州" in visits and "座谈" in visits
    agent_page = client.get(f"/organisations/{bureau['agent']}").get_data(as_text=True)
    assert "数字文旅项目" in re.search(r'id="organisation-referred">(.*?)</ul>', agent_page, re.S).group(1)


@pytest.mark.parametrize(("province", "prefilled"), [("浙江省", "out_of_province"), ("安徽省", "in_province"),
                                                   ("安徽", "in_province"), (None, "")])
def test_lead_from_a_reception_takes_the_origin_select_prefilled_from_the_province(
        client, make_user, app, bureau, province, prefilled):
    _signed_in(client, make_user)
    with app.app_context():
        org = factories.organisation(f"来访客商{province}有限公司", province=province)
        reception = Reception(date=factories.aware(2031, 6, 2).date(), visitors=3, organisations=[org])
        db.session.add(reception)
        db.session.commit()
        rid, org_id = reception.id, org.id
    page = client.get(f"/receptions/{rid}/leads/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="origin".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option selected value="{prefilled}">', select_html), select_html
    assert "省外" in select_html and "省内" in select_html and 'name="out_of_province"' not in page
    r = client.post(f"/receptions/{rid}/leads/new", data={
        "csrf_token": _csrf(page), "organisation_id": org_id, "name": f"来访项目{province}",
        "industry": "新能源", "origin": "foreign"})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == f"来访项目{province}"))
        assert project.origin is Origin.foreign and project.out_of_province is False
        assert project.source_reception_id == rid


def test_reception_form_and_roles(client, make_user, app, bureau):
    _signed_in(client, make_user)
    page = client.get(f"/receptions/new?organisation_id={bureau['orgs'][0]}").get_data(as_text=True)
    r = client.post("/receptions/new", data={"csrf_token": _csrf(page), "date": "2031-06-01",
                                             "visitors": "0", "team_id": bureau["team"]})
    html = r.get_data(as_text=True)
    assert "请至少选择一家来访单位。" in html and "请输入来访人数" in html
    r = client.post("/receptions/new", data={"csrf_token": _csrf(page), "date": "2031-06-01", "visitors": "4",
                                             "organisation_ids": [bureau["orgs"][0]], "team_id": bureau["team"],
                                             "hosts": "王主任", "purpose": "考察园区"})
    assert r.status_code == 302
    with app.app_context():
        reception = db.session.scalar(select(Reception))
        assert reception.visitors == 4 and [o.id for o in reception.organisations] == [bureau["orgs"][0]]
        rid = reception.id
    listing = client.get("/receptions/?year=2031").get_data(as_text=True)
    assert "杭州走访企业0有限公司" in listing and "4 人" in listing
    assert client.get("/receptions/?year=2030").get_data(as_text=True).count('data-id="') == 0
    assert client.get("/receptions/?year=abc").status_code == 422
    assert client.get("/trips/?team_id=x").status_code == 422

    viewer = app.test_client()
    _signed_in(viewer, make_user, "viewer")
    html = viewer.get(f"/receptions/{rid}").get_data(as_text=True)
    assert "考察园区" in html and 'id="edit-reception"' not in html and 'id="capture-lead"' not in html
    assert viewer.get("/receptions/new").status_code == 403
    assert viewer.post(f"/receptions/{rid}/delete").status_code in (400, 403)
    door = app.test_client()
    _signed_in(door, make_user, "door")
    for url in ("/receptions/", f"/receptions/{rid}", "/trips/"):
        assert door.get(url).status_code == 403
    assert door.get(f"/organisations/{bureau['orgs'][0]}").status_code == 403
