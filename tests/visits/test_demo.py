"""The demo's 2023 bureau year: 46 trips to 上海, 杭州 and 深圳 by the 13 investment teams visiting over 100
companies, 210 receptions, the two funds and the agent, each referring or linked to a project."""
from __future__ import annotations

from collections import Counter

from roadshow.extensions import db


def test_demo_bureau_year(app, client, auth):
    from roadshow.demo import scenario_2023

    with app.app_context():
        scenario_2023.load()
        db.session.commit()
    h = auth("viewer")
    trips = [t for page in (1, 2, 3) for t in client.get(f"/api/v1/trips?year=2023&per_page=20&page={page}",
                                                          headers=h).json["items"]]
    assert len(trips) == 46
    destinations = Counter(t["destination"] for t in trips)
    assert set(destinations) == {"上海", "杭州", "深圳"} and destinations.most_common(1)[0][0] == "上海"
    assert len({t["team"]["name"] for t in trips}) == 13
    assert all(t["team"]["name"].endswith("招商工作队") for t in trips)
    assert len({v["organisation_id"] for t in trips for v in t["visits"]}) > 100
    assert all(t["starts_on"] <= v["date"] <= t["ends_on"] for t in trips for v in t["visits"])
    receptions = client.get("/api/v1/receptions?year=2023", headers=h).json
    assert receptions["total"] == 210
    assert client.get("/api/v1/receptions?year=2022", headers=h).json["total"] == 0

    orgs = {o["name"]: o for o in client.get("/api/v1/organisations?per_page=200&kind=fund", headers=h).json["items"]}
    assert orgs["西部优势资本投资有限公司"]["fund_size_wan"] == 50000
    assert orgs["桉树资本管理有限公司"]["fund_size_wan"] > 0
    agent = client.get("/api/v1/organisations?kind=agent", headers=h).json["items"]
    assert [o["name"] for o in agent] == ["芯源实业有限公司"]
    projects = client.get("/api/v1/projects?per_page=200", headers=h).json["items"]
    referrers = {p["referred_by"]["name"] for p in projects if p["referred_by"]}
    assert {"西部优势资本投资有限公司", "桉树资本管理有限公司", "芯源实业有限公司"} <= referrers
    sources = Counter(p["source"]["type"] for p in projects)
    assert sources["trip"] >= 2 and sources["referral"] >= 2 and sources["event"] >= 1 and sources["direct"] >= 1
    # The console shows them: the trip list of 2023 and a company's visits.
    visited = trips[0]["visits"][0]["organisation_id"]
    from tests.conftest import sign_in

    page = app.test_client()
    with app.app_context():
        from roadshow.services.users import create_user

        create_user("visits-viewer@example.com", "a-long-password-1", "viewer", name="看")
        db.session.commit()
    assert sign_in(page, "visits-viewer@example.com", "a-long-password-1").status_code == 302
    assert page.get("/trips/?year=2023").get_data(as_text=True).count('data-id="') == 30  # a page of 30
    html = page.get(f"/organisations/{visited}").get_data(as_text=True)
    assert 'id="organisation-visits"' in html and trips[0]["destination"] in html
