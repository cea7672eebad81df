"""The year summary (年度招商工作综述): every field of GET /api/v1/reports/summary on a data set built for it, in 2037,
with the pipeline's clock at 2038-06-01; the prose the console page writes from it, and its empty parts.

Projects, stages and figures go through the API; teams' creation dates, trips, receptions and events are written
through the ORM (their services are their own areas'), at the moments the year's boundaries are about.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from roadshow.extensions import db
from roadshow.models import EventStatus, Organisation, OrgKind, Reception, Trip, TripVisit
from tests import factories
from tests.conftest import sign_in
from tests.figures.test_monthly_report import _project

pytestmark = pytest.mark.usefixtures("industries")
NOW = datetime(2038, 6, 1, 4, 0, tzinfo=UTC)
# 2037-01-01 00:30 in Beijing, and 2038-01-01 00:30: each belongs to the Beijing year it begins.
NEW_YEAR_2037 = "2036-12-31T16:30:00Z"
NEW_YEAR_2038 = "2037-12-31T16:30:00Z"


@pytest.fixture
def clock(monkeypatch):
    from roadshow.services import pipeline

    monkeypatch.setattr(pipeline, "now", lambda: NOW)


@pytest.fixture
def data(app, client, auth, clock):
    from roadshow.services import teams

    h = auth("organiser")
    with app.app_context():
        made = {}
        for name, kind, city, created in (
                ("综述一队", "team", None, datetime(2036, 5, 1, tzinfo=UTC)),
                ("综述专班", "industry", None, datetime(2037, 3, 1, tzinfo=UTC)),
                ("驻宁波综述组", "station", "宁波", datetime(2036, 1, 1, tzinfo=UTC)),
                ("驻台州综述组", "station", "台州", datetime(2037, 12, 31, 15, 0, tzinfo=UTC)),  # 23:00 in Beijing
                ("驻温州综述组", "station", "温州", datetime(2037, 12, 31, 16, 30, tzinfo=UTC))):  # 2038 in Beijing
            team = teams.create_team({"name": name, "kind": kind, **({"city": city} if city else {})}, actor=None)
            team.created_at = created
            made[name] = team.id
        org = factories.organisation("综述企业有限公司").id
        x, y, z, w = (factories.organisation(f"综述走访企业{c}有限公司").id for c in "XYZW")
        f1 = factories.organisation("综述一号基金", OrgKind.fund, fund_size_wan=Decimal("50000.00")).id
        f2 = factories.organisation("综述二号基金", OrgKind.fund, fund_size_wan=Decimal("90000.00")).id  # not involved
        f3 = factories.organisation("综述三号基金", OrgKind.fund).id  # received, no size known
        f4 = factories.organisation("综述四号基金", OrgKind.fund, fund_size_wan=Decimal("120000.00")).id  # visited
        ag1 = factories.organisation("综述乙代理", OrgKind.agent).id  # visited on a trip
        ag2 = factories.organisation("综述甲代理", OrgKind.agent).id  # received
        ag3 = factories.organisation("综述丙代理", OrgKind.agent).id  # received in 2036 only
        db.session.commit()
    team = made["综述一队"]
    # A: signed two years before, money in place in 2037 and in December 2036.
    a = _project(client, h, "综述A", org, [("signed", "2035-06-01T10:00:00+08:00")], amount="10000",
                 origin="out_of_province")
    b = _project(client, h, "综述B", org, [("signed", "2037-02-01T10:00:00+08:00")], amount="9999.99",
                 origin="out_of_province")
    c = _project(client, h, "综述C", org, [("signed", "2037-03-01T10:00:00+08:00")], amount="20000",
                 origin="in_province")
    d = _project(client, h, "综述D", org, [("signed", NEW_YEAR_2037), ("started", NEW_YEAR_2038)], amount="800",
                 origin="local", industrial=True)
    _project(client, h, "综述E", org, [("signed", "2037-05-01T10:00:00+08:00"),
                                     ("started", "2037-07-01T10:00:00+08:00"),
                                     ("producing", "2037-11-01T10:00:00+08:00")], amount="5000",
             origin="out_of_province", referred_by_id=f1)
    _project(client, h, "综述G", org, [("signed", "2035-03-01T10:00:00+08:00")], amount="3000", referred_by_id=f2)
    for pid, month, figures in ((a, "2037-03", {"funds_in_place_wan": "300.25"}),
                                (a, "2036-12", {"funds_in_place_wan": "100"}),
                                (a, "2038-01", {"funds_in_place_wan": "40"}),
                                (b, "2037-04", {"funds_in_place_wan": "500"}),
                                (c, "2037-05", {"funds_in_place_wan": "700", "fixed_asset_wan": "100"}),
                                (d, "2037-01", {"fixed_asset_wan": "250.50"}),
                                (d, "2037-12", {"fixed_asset_wan": "0.01"}),
                                (d, "2038-01", {"fixed_asset_wan": "60"})):
        r = client.put(f"/api/v1/projects/{pid}/investments/{month}", headers=h, json=figures)
        assert r.status_code == 200, r.json
    with app.app_context():
        for destination, start, visits in (("杭州", date(2037, 3, 2), (x, y)), ("杭州", date(2037, 5, 2), (x, ag1)),
                                           ("上海", date(2037, 1, 1), (y,)), ("上海", date(2037, 12, 31), (z, f4)),
                                           ("北京", date(2037, 8, 8), ()),
                                           ("深圳", date(2036, 12, 31), (w,)), ("深圳", date(2038, 1, 1), (w,))):
            trip = Trip(team_id=team, destination=destination, starts_on=start, ends_on=max(start, date(2037, 1, 1)))
            trip.visits = [TripVisit(organisation_id=o) for o in visits]
            db.session.add(trip)
        for day, guests in ((date(2037, 1, 1), (ag2,)), (date(2037, 6, 1), (f3, x)), (date(2037, 12, 31), ()),
                            (date(2036, 12, 31), (ag3,)), (date(2038, 1, 1), (ag3,))):
            reception = Reception(date=day, visitors=2, team_id=team)
            reception.organisations = [db.session.get(Organisation, g) for g in guests]
            db.session.add(reception)
        db.session.commit()
        held = factories.event("综述路演会", starts_at=datetime(2036, 12, 31, 16, 30, tzinfo=UTC)).id
        draft = factories.event("综述推介会", starts_at=datetime(2037, 9, 1, 2, 0, tzinfo=UTC),
                                status=EventStatus.draft).id  # never announced: not held
        factories.event("综述取消会", starts_at=datetime(2037, 5, 1, 2, 0, tzinfo=UTC), status=EventStatus.cancelled)
        factories.event("综述新年会", starts_at=datetime(2037, 12, 31, 16, 30, tzinfo=UTC))
    return {"h": h, "held": held, "draft": draft, "team": team}


def test_every_field_of_the_year_summary(data, client, auth):
    r = client.get("/api/v1/reports/summary?year=2037", headers=auth("viewer"))
    assert r.status_code == 200, r.json
    assert r.json == {
        "year": 2037,
        # A only (signed in 2035; its 2036 and 2038 months are other years'); B is 9999.99, C in the province.
        "out_of_province_over_100m_funds_wan": 300.25,
        # D's (industrial) months of 2037; C's fixed assets are not an industrial project's.
        "industrial_fixed_asset_wan": 250.51,
        # B, C, D (signed at 00:30 on New Year's Day in Beijing) and E; A and G signed in 2035.
        "signed": {"count": 4, "amount_wan": 35799.99},
        "started": {"count": 1, "amount_wan": 5000},  # E; D started at 00:30 on 2038-01-01 in Beijing
        "producing": {"count": 1, "amount_wan": 5000},
        "teams": {"team": 1, "industry": 1, "station": 2},  # 温州's was set up in 2038, Beijing time
        "stations": ["宁波", "台州"],
        # 上海 and 杭州 twice each (by name: 上 before 杭), 北京 once; 深圳's trips began in 2036 and 2038.
        "trips": {"count": 5, "destinations": ["上海", "杭州", "北京"]},
        "companies_visited": 5,  # X, Y, the agent 乙 (X and Y twice), Z and fund 四; not W
        "receptions": 3,
        # Fund 一 referred E (active in 2037), 三 was received, 四 visited; 二 referred only a 2035 project.
        "funds": [{"name": "综述四号基金", "fund_size_wan": 120000}, {"name": "综述一号基金", "fund_size_wan": 50000},
                  {"name": "综述三号基金", "fund_size_wan": None}],
        "agents": ["综述乙代理", "综述甲代理"],  # by name; 丙 only received in 2036 and 2038
        "events": [{"id": data["held"], "title": "综述路演会", "date": "2037-01-01"}],  # not the draft
        "projects": {"signed": ["综述C", "综述B", "综述E", "综述D"], "started": ["综述E"], "producing": ["综述E"]},
    }
    # The same counts and official figures as the pipeline report: one definition.
    pipeline = client.get("/api/v1/reports/pipeline?year=2037", headers=auth("viewer")).json
    for key in ("signed", "started", "producing", "out_of_province_over_100m_funds_wan", "industrial_fixed_asset_wan"):
        assert pipeline[key] == r.json[key]
    after = client.get("/api/v1/reports/summary?year=2038", headers=auth("viewer")).json
    assert after["started"]["count"] == 1 and after["projects"]["started"] == ["综述D"]
    assert (after["teams"]["station"], after["stations"]) == (3, ["宁波", "台州", "温州"])
    assert after["events"][0]["title"] == "综述新年会" and after["trips"]["destinations"] == ["深圳"]


def test_who_reads_the_summary_and_bad_years(data, client, auth):
    for role in ("viewer", "organiser", "admin"):
        assert client.get("/api/v1/reports/summary?year=2037", headers=auth(role)).status_code == 200
    r = client.get("/api/v1/reports/summary?year=2037", headers=auth("door"))
    assert r.status_code == 403 and r.content_type == "application/problem+json"
    assert client.get("/api/v1/reports/summary?year=2037").status_code == 401
    h = auth("viewer")
    for query in ("", "?year=", "?year=abc", "?year=1999", "?year=2101", "?year=2037.5"):
        r = client.get(f"/api/v1/reports/summary{query}", headers=h)
        assert r.status_code == 422 and r.content_type == "application/problem+json", query


def test_the_page_writes_the_year_as_prose(data, app, client, make_user):
    assert sign_in(client, make_user("viewer")).status_code == 302
    html = client.get("/reports/summary?year=2037").get_data(as_text=True)
    assert "2037年，全区引进亿元以上省外项目资金0.03亿元，工业招商项目实际形成固定资产投资0.03亿元；" in html
    assert "新签约项目4个，协议投资3.58亿元，新开工项目1个，新投产项目1个。" in html
    assert ("全年组建招商工作队1支、产业专班1个、驻点招商组2个（宁波、台州）；"
            "外出招商5批次，赴上海、杭州、北京，走访企业5家；接待客商3批次。") in html
    assert ("与综述四号基金合作设立12.00亿元产业基金，与综述一号基金合作设立5.00亿元产业基金，"
            "与综述三号基金开展基金招商合作；与综述乙代理签订委托招商协议，与综述甲代理签订委托招商协议；"
            "举办招商活动1场（综述路演会）。") in html
    # E signed, started and went into production in the year: told once, as producing.
    assert "综述C、综述B、综述D签约，综述E投产。" in html
    assert 'href="/reports/summary.json?year=2037"' in html and 'id="nav-summary"' in html
    assert 'id="year-summary-link" href="/reports/summary?year=2037"' in client.get(
        "/pipeline/report?year=2037").get_data(as_text=True)
    data_json = client.get("/reports/summary.json?year=2037")
    assert data_json.status_code == 200 and data_json.json["signed"] == {"count": 4, "amount_wan": 35799.99}
    assert client.get("/reports/summary.json?year=20x7").status_code == 422
    english = client.get("/reports/summary?year=2037", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "4 projects were newly signed, with an agreed investment of 3.58 hundred million yuan, " \
           "1 project newly started construction, 1 project went into production." in english
    assert "made 5 investment trips, to 上海, 杭州, 北京, visiting 5 companies" in english


def test_an_empty_year_tells_nothing_it_has_not(data, client, make_user):
    assert sign_in(client, make_user("viewer")).status_code == 302
    r = client.get("/reports/summary?year=2040")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    html = html[html.index('id="summary-text"'):html.index("</article>")]
    assert ("2040年，全区引进亿元以上省外项目资金0.00亿元，工业招商项目实际形成固定资产投资0.00亿元；"
            "全年无新签约项目。") in html
    for absent in ("外出招商0", "赴等地", "走访企业0", "接待客商0", "新开工项目0", "产业基金", "举办", "签约，",
                   "投产"):
        assert absent not in html
    assert "组建招商工作队1支、产业专班1个、驻点招商组3个（宁波、台州、温州）。" in html  # the teams exist still


def test_the_page_refuses_a_bad_year_and_the_door(data, client, make_user):
    assert sign_in(client, make_user("viewer")).status_code == 302
    r = client.get("/reports/summary?year=23")
    assert r.status_code == 422 and "请输入 2000 至 2100 之间的年份。" in r.get_data(as_text=True)
    door = client.application.test_client()
    assert sign_in(door, make_user("door")).status_code == 302
    assert door.get("/reports/summary?year=2037").status_code == 403


def test_the_summary_costs_the_same_queries_whatever_the_year_holds(data, app, client, auth):
    from roadshow.models import Project, Stage, StageChange
    from tests.perf.test_query_counts import statements

    h = auth("viewer")
    client.get("/api/v1/reports/summary?year=2037", headers=h)  # warm: the token's look-up
    counts = []
    for _round in range(2):
        with app.app_context(), statements() as seen:
            assert client.get("/api/v1/reports/summary?year=2037", headers=h).status_code == 200
        counts.append(len(seen))
        with app.app_context():
            fund = db.session.scalar(db.select(Organisation.id).where(Organisation.name == "综述三号基金"))
            for n in range(30):
                project = Project(name=f"综述批量{n}", amount_wan=Decimal(n), stage=Stage.signed, referred_by_id=fund)
                project.history = [StageChange(to_stage=Stage.signed, at=datetime(2037, 4, 1, tzinfo=UTC))]
                trip = Trip(team_id=data["team"], destination=f"城市{n}", starts_on=date(2037, 4, 1),
                            ends_on=date(2037, 4, 2))
                trip.visits = [TripVisit(organisation_id=fund)]
                db.session.add_all([project, trip, Reception(date=date(2037, 4, 1), visitors=1)])
            db.session.commit()
    assert counts[0] == counts[1], counts
    assert client.get("/api/v1/reports/summary?year=2037", headers=h).json["signed"]["count"] == 4 + 60
