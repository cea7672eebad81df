"""The pipeline report's numbers against projects built through the API, in 2031.

Runs on SQLite and on PostgreSQL (DATABASE_URL): decimal sums must be exact to the fen on both.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests import factories

pytestmark = pytest.mark.usefixtures("industries", "frozen_clock")


def _org(app, name, **fields):
    with app.app_context():
        return factories.organisation(name, **fields).id


def _project(client, headers, name, org_id, amount, out_of_province, industry, moves):
    """Create a project at its first (stage, time) and move it through the rest."""
    (stage, at), *rest = moves
    r = client.post("/api/v1/projects", headers=headers, json={
        "name": name, "organisation_id": org_id, "amount_wan": amount, "out_of_province": out_of_province,
        "industry": industry, "stage": stage, "stage_changed_at": at})
    assert r.status_code == 201, r.json
    pid = r.json["id"]
    for stage, at in rest:
        r = client.patch(f"/api/v1/projects/{pid}", headers=headers,
                         json={"stage": stage, "stage_changed_at": at, "stage_note": "推进"})
        assert r.status_code == 200, r.json
    return pid


@pytest.fixture
def year_2031(app, client, auth):
    """A: 10000.10 out of province, signed 2031-03-31 23:30 +08 (Q1), producing in Q4 (skips started).
    B: 20000.20 out of province, lead → started in Q2 (skips negotiating and signed).
    C: 9999.99 out of province, signed Q3 — under the 1 亿 line.
    D: 30000.30 in province, signed 2031-12-31 23:30 +08 (15:30Z), still 2031.
    F: 10000.00 out of province, signed Q2 — exactly on the 1 亿 line, included.
    G: lead in Q1, dropped in Q2.
    H: 50000.00 out of province, signed 2032-01-01 00:10 +08 (2031-12-31 16:10Z): 2032, not 2031."""
    h = auth("organiser")
    org = _org(app, "二〇三一年测试企业有限公司")
    ids = {}
    ids["A"] = _project(client, h, "A 项目", org, 10000.10, True, "新能源", [
        ("lead", "2031-01-05T10:00:00+08:00"), ("signed", "2031-03-31T23:30:00+08:00"),
        ("producing", "2031-11-11T09:00:00+08:00")])
    ids["B"] = _project(client, h, "B 项目", org, 20000.20, True, "新能源", [
        ("lead", "2031-02-01T10:00:00+08:00"), ("started", "2031-05-10T10:00:00+08:00")])
    ids["C"] = _project(client, h, "C 项目", org, 9999.99, True, "新能源", [
        ("negotiating", "2031-03-01T10:00:00+08:00"), ("signed", "2031-08-01T10:00:00+08:00")])
    ids["D"] = _project(client, h, "D 项目", org, 30000.30, False, "新能源", [
        ("lead", "2031-06-01T10:00:00+08:00"), ("signed", "2031-12-31T23:30:00+08:00")])
    ids["F"] = _project(client, h, "F 项目", org, "10000.00", True, "新材料", [
        ("signed", "2031-04-02T10:00:00+08:00")])
    ids["G"] = _project(client, h, "G 项目", org, 500, False, "新材料", [
        ("lead", "2031-01-20T10:00:00+08:00"), ("dropped", "2031-06-20T10:00:00+08:00")])
    ids["H"] = _project(client, h, "H 项目", org, 50000, True, "新材料", [
        ("lead", "2031-09-01T10:00:00+08:00"), ("signed", "2032-01-01T00:10:00+08:00")])
    return ids


def _report(client, headers, **params):
    r = client.get("/api/v1/reports/pipeline", headers=headers, query_string=params)
    assert r.status_code == 200, r.json
    return r.json


def test_year_report_counts_and_exact_sums(client, auth, year_2031):
    report = _report(client, auth("viewer"), year=2031)
    assert report["year"] == 2031 and report["quarter"] is None
    # A, B (skipped), C, D, F reached signed in 2031; H signed at 00:10 on New Year's Day Beijing time.
    assert report["signed"] == {"count": 5, "amount_wan": 80000.59}
    # The four of the issue, to the fen: 10000.10 + 20000.20 + 9999.99 + 30000.30.
    assert report["by_industry"]["新能源"]["signed"] == 4
    assert report["by_industry"]["新能源"]["signed_amount_wan"] == 70000.59
    assert report["by_industry"]["新材料"]["signed"] == 1
    assert report["by_industry"]["新材料"]["signed_amount_wan"] == 10000.00
    # started: B directly, A by skipping it on the way to producing.
    assert report["started"] == {"count": 2, "amount_wan": 30000.30}
    assert report["producing"] == {"count": 1, "amount_wan": 10000.10}
    # ≥ 10000 万元, out of province, signed in the year: A, F (exactly 10000.00) — not C (9999.99),
    # not D (in province), not H (2032). B skipped `signed` on its way to started: it counts as signed.
    assert report["out_of_province_over_100m"] == {"count": 3, "amount_wan": 40000.30}


def test_by_stage_is_the_pipeline_at_the_end_of_the_period(client, auth, year_2031):
    stages = _report(client, auth("viewer"), year=2031)["by_stage"]
    assert stages["producing"] == {"count": 1, "amount_wan": 10000.10}
    assert stages["started"] == {"count": 1, "amount_wan": 20000.20}
    assert stages["signed"] == {"count": 3, "amount_wan": 50000.29}  # C, D, F
    assert stages["lead"] == {"count": 1, "amount_wan": 50000.00}  # H, signed only in 2032
    assert stages["dropped"] == {"count": 1, "amount_wan": 500.00}
    assert stages["negotiating"] == {"count": 0, "amount_wan": 0}
    assert _report(client, auth("viewer"), year=2032)["by_stage"]["signed"]["count"] == 4


def test_quarters_follow_beijing_time(client, auth, year_2031):
    h = auth("viewer")
    q = {n: _report(client, h, year=2031, quarter=n) for n in (1, 2, 3, 4)}
    assert q[1]["signed"] == {"count": 1, "amount_wan": 10000.10}  # 2031-03-31 23:30 +08 is 15:30Z
    assert q[1]["period"] == {"start": "2031-01-01", "end": "2031-03-31"}
    assert q[2]["signed"] == {"count": 2, "amount_wan": 30000.20}  # B (skipped), F
    assert q[2]["started"] == {"count": 1, "amount_wan": 20000.20}
    assert q[3]["signed"] == {"count": 1, "amount_wan": 9999.99}
    assert q[4]["signed"] == {"count": 1, "amount_wan": 30000.30}  # D at 23:30 on New Year's Eve
    assert q[4]["started"]["count"] == 1 and q[4]["producing"]["count"] == 1  # A skipped started
    assert q[2]["by_stage"]["dropped"]["count"] == 1 and q[1]["by_stage"]["dropped"]["count"] == 0
    next_year = _report(client, h, year=2032, quarter=1)
    assert next_year["signed"] == {"count": 1, "amount_wan": 50000.00}
    assert next_year["out_of_province_over_100m"] == {"count": 1, "amount_wan": 50000.00}
    assert _report(client, h, year=2030)["signed"] == {"count": 0, "amount_wan": 0}


def test_sum_is_exact_in_the_database(app):
    """The database sums whole fen as integers — on SQLite, whose NUMERIC columns hold floats, as on
    PostgreSQL — so 10000.10 + 20000.20 + 9999.99 + 30000.30 is 70000.59 exactly."""
    from sqlalchemy import select

    from roadshow.extensions import db
    from roadshow.models import Project
    from roadshow.services.reports import fen_sum, from_fen

    with app.app_context():
        for amount in ("10000.10", "20000.20", "9999.99", "30000.30"):
            db.session.add(Project(name=f"求和 {amount}", amount_wan=Decimal(amount)))
        db.session.commit()
        fen = db.session.scalar(select(fen_sum(Project.amount_wan)))
        assert int(fen) == fen and int(fen) == 7000059
        assert from_fen(fen) == Decimal("70000.59")
        assert str(from_fen(fen)) == "70000.59"


def test_workbook_neutralises_formulas(app):
    from openpyxl import load_workbook

    from roadshow.extensions import db
    from roadshow.services import reports

    with app.app_context():
        ev = factories.event('=HYPERLINK("http://evil.example","点我")', starts_at=factories.aware(2031, 6, 1))
        data = reports.pipeline_report(2031)
        wb = load_workbook(reports.report_workbook(data, [reports.event_report(ev)]))
        # the same rule as every export: the text as typed, in a string cell, never a formula
        for cell in (wb["按活动"]["A2"], wb["活动转化漏斗"]["A2"]):
            assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
        for sheet in wb.worksheets:
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        db.session.rollback()


def test_report_query_is_validated(client, auth):
    h = auth("viewer")
    assert client.get("/api/v1/reports/pipeline", headers=h).status_code == 422
    assert client.get("/api/v1/reports/pipeline?year=2031&quarter=5", headers=h).status_code == 422
    assert client.get("/api/v1/reports/pipeline?year=abc", headers=h).status_code == 422


def test_by_event_counts_leads_and_signed(app, client, auth):
    h = auth("organiser")
    with app.app_context():
        from tests.factories import aware, event, organisation
        ev = event("二〇三一年测试路演", starts_at=aware(2031, 4, 18))
        ev_id, org_id = ev.id, organisation("路演客商有限公司").id
    first = client.post(f"/api/v1/events/{ev_id}/leads", headers=h, json={
        "organisation_id": org_id, "name": "路演线索一", "amount_wan": 12345.67, "industry": "绿色食品"})
    second = client.post(f"/api/v1/events/{ev_id}/leads", headers=h, json={
        "organisation_id": org_id, "name": "路演线索二", "amount_wan": 0.01})
    assert first.status_code == second.status_code == 201
    # Leads captured "now" (the frozen clock: 2032-02-01) count in 2032's by_event; the event itself,
    # held in 2031, is listed in 2031's with no leads.
    r = client.patch(f"/api/v1/projects/{first.json['id']}", headers=h, json={"stage": "signed"})
    assert r.status_code == 200, r.json
    rows = _report(client, h, year=2032)["by_event"]
    assert rows == [{"event_id": ev_id, "title": "二〇三一年测试路演", "starts_at": rows[0]["starts_at"],
                     "leads": 2, "leads_amount_wan": 12345.68, "signed": 1, "amount_wan": 12345.67}]
    held = _report(client, h, year=2031)["by_event"]
    assert [(e["event_id"], e["leads"], e["signed"]) for e in held] == [(ev_id, 0, 0)]
