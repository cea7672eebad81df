"""Each project's monthly figures and the year's official figures computed from them, through the API.

Runs on SQLite and PostgreSQL: sums exact to the fen on both. Built in 2034, a year no other test touches,
with the pipeline's clock at 2035-02-01.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, ProjectInvestment
from tests import factories
from tests.conftest import PASSWORD, free_port, start_gunicorn, stop

pytestmark = pytest.mark.usefixtures("industries")
NOW = datetime(2035, 2, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    from roadshow.services import pipeline

    monkeypatch.setattr(pipeline, "now", lambda: NOW)


def _org(app, name):
    with app.app_context():
        return factories.organisation(name).id


def _project(client, h, name, org, **fields):
    r = client.post("/api/v1/projects", headers=h, json={"name": name, "organisation_id": org,
                                                         "stage": "signed",
                                                         "stage_changed_at": "2033-06-01T10:00:00+08:00",
                                                         **fields})
    assert r.status_code == 201, r.json
    return r.json


def _put(client, h, pid, month, **figures):
    return client.put(f"/api/v1/projects/{pid}/investments/{month}", headers=h, json=figures)


@pytest.fixture
def year_2034(app, client, auth, clock):
    """P1 out of province (by origin), exactly 1 亿 agreed, industrial: 2033-12 excluded, 2034-01, 2034-12.
    P2 out of province (by the flag), 9999.99 agreed — under the line; not industrial.
    P3 in province, industrial. P4 foreign, only 2035-01 (next year)."""
    h = auth("organiser")
    org = _org(app, "二〇三四年到位资金测试有限公司")
    p1 = _project(client, h, "P1", org, amount_wan="10000.00", origin="out_of_province", industrial=True)
    p2 = _project(client, h, "P2", org, amount_wan=9999.99, out_of_province=True)
    p3 = _project(client, h, "P3", org, amount_wan=50000, origin="in_province", industrial=True)
    p4 = _project(client, h, "P4", org, amount_wan=20000, origin="foreign", industrial=True)
    for pid, month, figures in [
            (p1["id"], "2033-12", {"funds_in_place_wan": 100, "fixed_asset_wan": 100}),
            (p1["id"], "2034-01", {"funds_in_place_wan": "1000.10", "fixed_asset_wan": "200.05"}),
            (p1["id"], "2034-12", {"funds_in_place_wan": 0.01}),
            (p2["id"], "2034-06", {"funds_in_place_wan": 500, "fixed_asset_wan": 300}),
            (p3["id"], "2034-03", {"funds_in_place_wan": 250.25, "fixed_asset_wan": 400.40}),
            (p4["id"], "2035-01", {"funds_in_place_wan": 77, "fixed_asset_wan": 77})]:
        r = _put(client, h, pid, month, **figures)
        assert r.status_code == 200, r.json
    return {"h": h, "p1": p1, "p2": p2, "p3": p3, "p4": p4}


def test_origin_and_the_out_of_province_flag_say_one_thing(year_2034, client):
    d = year_2034
    assert (d["p1"]["origin"], d["p1"]["out_of_province"], d["p1"]["industrial"]) == ("out_of_province", True, True)
    assert (d["p2"]["origin"], d["p2"]["out_of_province"], d["p2"]["industrial"]) == ("out_of_province", True, False)
    assert (d["p3"]["origin"], d["p3"]["out_of_province"]) == ("in_province", False)
    pid = d["p2"]["id"]
    r = client.patch(f"/api/v1/projects/{pid}", headers=d["h"], json={"out_of_province": False})
    assert (r.json["origin"], r.json["out_of_province"]) == (None, False)
    r = client.patch(f"/api/v1/projects/{pid}", headers=d["h"], json={"origin": "local"})
    assert (r.json["origin"], r.json["out_of_province"]) == ("local", False)
    r = client.patch(f"/api/v1/projects/{pid}", headers=d["h"], json={"origin": "local", "out_of_province": True})
    assert r.status_code == 422 and "origin" in r.json["errors"]
    assert client.get(f"/api/v1/projects/{pid}", headers=d["h"]).json["origin"] == "local"
    r = client.patch(f"/api/v1/projects/{pid}", headers=d["h"], json={"origin": "abroad"})
    assert r.status_code == 422


def test_the_year_report_gains_the_official_figures(year_2034, client):
    r = client.get("/api/v1/reports/pipeline?year=2034", headers=year_2034["h"])
    assert r.status_code == 200, r.json
    assert r.json["funds_in_place_wan"] == 1750.36  # 1000.10 + 0.01 + 500 + 250.25
    assert r.json["out_of_province_over_100m_funds_wan"] == 1000.11  # P1 only: P2 is under 1 亿
    assert r.json["industrial_fixed_asset_wan"] == 600.45  # P1 200.05 + P3 400.40; P2 is not industrial
    q1 = client.get("/api/v1/reports/pipeline?year=2034&quarter=1", headers=year_2034["h"]).json
    assert (q1["funds_in_place_wan"], q1["out_of_province_over_100m_funds_wan"]) == (1250.35, 1000.10)
    assert client.get("/api/v1/reports/pipeline?year=2035", headers=year_2034["h"]).json[
        "industrial_fixed_asset_wan"] == 77


def test_a_projects_months_oldest_first_with_totals(year_2034, client, auth):
    pid = year_2034["p1"]["id"]
    r = client.get(f"/api/v1/projects/{pid}/investments", headers=auth("viewer"))
    assert r.status_code == 200
    assert [i["month"] for i in r.json["items"]] == ["2033-12", "2034-01", "2034-12"]
    assert r.json["items"][1] == {"month": "2034-01", "funds_in_place_wan": 1000.1, "fixed_asset_wan": 200.05}
    assert r.json["totals"] == {"funds_in_place_wan": 1100.11, "fixed_asset_wan": 300.05}
    # a figure given replaces the month's; one left out stays
    r = _put(client, year_2034["h"], pid, "2034-01", fixed_asset_wan=210)
    assert r.json == {"month": "2034-01", "funds_in_place_wan": 1000.1, "fixed_asset_wan": 210}
    assert client.get(f"/api/v1/projects/{pid}/investments", headers=auth("viewer")).json["totals"][
        "fixed_asset_wan"] == 310


@pytest.mark.parametrize("month, body, field", [
    ("2034-13", {"funds_in_place_wan": 1}, "month"),
    ("2034-1", {"funds_in_place_wan": 1}, "month"),
    ("1999-12", {"funds_in_place_wan": 1}, "month"),
    ("2035-03", {"funds_in_place_wan": 1}, "month"),  # after the current month (2035-02)
    ("2034-05", {"funds_in_place_wan": -1}, "funds_in_place_wan"),
    ("2034-05", {"fixed_asset_wan": "1.005"}, "fixed_asset_wan"),
    ("2034-05", {}, "funds_in_place_wan"),
])
def test_bad_figures_are_refused_and_nothing_is_written(year_2034, client, app, month, body, field):
    pid = year_2034["p3"]["id"]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(ProjectInvestment))
        audits = db.session.scalar(select(func.count()).select_from(AuditEntry))
    r = _put(client, year_2034["h"], pid, month, **body)
    assert r.status_code == 422, r.json
    assert field in r.json.get("errors", {}) or field in str(r.json)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProjectInvestment)) == before
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_roles_and_unknown_projects(year_2034, client, auth):
    pid = year_2034["p3"]["id"]
    assert _put(client, auth("viewer"), pid, "2034-05", funds_in_place_wan=1).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/investments", headers=auth("door")).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}/investments").status_code == 401
    assert _put(client, year_2034["h"], 999999, "2034-05", funds_in_place_wan=1).status_code == 404


def test_each_entry_is_audited(year_2034, client, app):
    pid = year_2034["p3"]["id"]
    _put(client, year_2034["h"], pid, "2034-03", funds_in_place_wan="260.25")
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "project.investment",
                                                            AuditEntry.entity_id == pid)
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.changes["month"] == "2034-03"
        assert entry.changes["funds_in_place_wan"] == {"from": "250.25", "to": "260.25"}


def test_two_entries_of_one_month_at_once_give_one_row(app, make_user):
    """Sixteen clerks entering the same month of one project at once: one row, every answer 200."""
    email = make_user("organiser")
    with app.app_context():
        org = factories.organisation("同月并发录入测试有限公司")
        from roadshow.services import pipeline

        project = pipeline.create_project({"name": "并发录入项目", "organisation_id": org.id}, actor=None)
        db.session.commit()
        pid = project.id
    port = free_port()
    proc = start_gunicorn(port, workers=4, threads=4)
    try:
        base = f"http://127.0.0.1:{port}"
        token = requests.post(f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD},
                              timeout=60).json()["token"]

        def put(i: int) -> int:
            return requests.put(f"{base}/api/v1/projects/{pid}/investments/2025-11",
                                headers={"Authorization": f"Bearer {token}"},
                                json={"funds_in_place_wan": 100 + i}, timeout=120).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            codes = list(pool.map(put, range(16)))
    finally:
        stop(proc)
    assert codes == [200] * 16
    with app.app_context():
        rows = db.session.scalars(select(ProjectInvestment).where(ProjectInvestment.project_id == pid)).all()
        assert len(rows) == 1
        assert 100 <= rows[0].funds_in_place_wan <= 115
