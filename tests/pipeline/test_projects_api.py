"""Leads and projects through the API: capture, fields, stages and history, validation, roles."""
from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    AuditEntry,
    CheckIn,
    InvitationStatus,
    OrgKind,
    RegistrationStatus,
    Role,
    Team,
    TeamKind,
    User,
)
from tests import factories

pytestmark = pytest.mark.usefixtures("industries", "frozen_clock")


@pytest.fixture
def met(app):
    """An event with a confirmed registration (two guests) of one organisation."""
    with app.app_context():
        ev = factories.event("淮南招商推介会", starts_at=factories.aware(2031, 5, 20))
        org = factories.organisation("老乡鸡集团有限公司", province="安徽省")
        reg = factories.registration(ev, org=org, attendees=2, names=["束总", "王经理"])
        food = Team(name="绿色食品产业专班", kind=TeamKind.industry, industry="绿色食品")
        officer = User(email="li@example.com", name="李科长", role=Role.organiser, password_hash="x")
        db.session.add_all([food, officer])
        db.session.commit()
        return {"event": ev.id, "org": org.id, "attendees": [a.id for a in reg.attendees], "food_team": food.id,
                "officer": officer.id}


def test_capture_lead_at_event(client, auth, met):
    h = auth("organiser")
    r = client.post(f"/api/v1/events/{met['event']}/leads", headers=h, json={
        "organisation_id": met["org"], "attendee_id": met["attendees"][0], "name": "牛肉汤预制菜中央厨房",
        "industry": "绿色食品", "amount_wan": 18000.5, "out_of_province": False,
        "next_follow_up": "2032-02-15", "notes": "约下周到厂考察"})
    assert r.status_code == 201, r.json
    p = r.json
    assert p["stage"] == "lead" and p["source_event_id"] == met["event"]
    assert p["source_event"] == {"id": met["event"], "title": "淮南招商推介会"}
    assert p["organisation"]["name"] == "老乡鸡集团有限公司" and p["attendee_id"] == met["attendees"][0]
    assert p["amount_wan"] == 18000.5 and p["team"] == "绿色食品产业专班" and p["team_id"] == met["food_team"]
    assert p["next_follow_up"] == "2032-02-15" and p["overdue"] is False
    history = client.get(f"/api/v1/projects/{p['id']}/history", headers=h).json
    assert [(c["from"], c["to"]) for c in history["items"]] == [(None, "lead")]
    assert history["items"][0]["user"]["email"].startswith("organiser")


@pytest.mark.parametrize("amount", [-1, -0.01, 1.005, "abc", 1e10, 10 ** 12, "NaN", True, "1e3x"])
def test_invalid_amounts_are_422(client, auth, met, amount):
    r = client.post(f"/api/v1/events/{met['event']}/leads", headers=auth("organiser"), json={
        "organisation_id": met["org"], "name": "金额不对", "amount_wan": amount})
    assert r.status_code == 422, (amount, r.json)
    assert r.mimetype == "application/problem+json" and "amount_wan" in r.json["errors"]


def test_lead_validation(client, auth, app, met):
    h = auth("organiser")
    url = f"/api/v1/events/{met['event']}/leads"
    assert client.post(url, headers=h, json={"name": "无企业"}).status_code == 422
    r = client.post(url, headers=h, json={"organisation_id": met["org"], "name": "x", "industry": "炼金术"})
    assert r.status_code == 422 and "industry" in r.json["errors"]
    r = client.post(url, headers=h, json={"organisation_id": 999999, "name": "x"})
    assert r.status_code == 422 and "organisation_id" in r.json["errors"]
    with app.app_context():
        other = factories.organisation("别家企业").id
    r = client.post(url, headers=h, json={"organisation_id": other, "attendee_id": met["attendees"][0], "name": "x"})
    assert r.status_code == 422 and "attendee_id" in r.json["errors"]
    assert client.post("/api/v1/events/999999/leads", headers=h,
                       json={"organisation_id": met["org"], "name": "x"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.entity_type == "project")) == 0


def test_stages_skip_backwards_dropped_and_history(client, auth, met):
    h = auth("organiser")
    pid = client.post("/api/v1/projects", headers=h, json={
        "name": "沐轩智能生产基地", "organisation_id": met["org"], "amount_wan": 15600,
        "stage_changed_at": "2031-03-08T10:00:00+08:00"}).json["id"]
    url = f"/api/v1/projects/{pid}"
    # Forward, skipping negotiating: both recorded at the same moment.
    r = client.patch(url, headers=h, json={"stage": "signed", "stage_changed_at": "2031-09-26T10:00:00+08:00",
                                           "stage_note": "签约仪式"})
    assert r.status_code == 200 and r.json["stage"] == "signed"
    assert r.json["stage_changed_at"].startswith("2031-09-26T02:00:00")
    # Backwards without a note: a correction must say why; nothing changes.
    r = client.patch(url, headers=h, json={"stage": "negotiating", "amount_wan": 1})
    assert r.status_code == 422 and "stage_note" in r.json["errors"]
    assert client.get(url, headers=h).json["amount_wan"] == 15600
    # In the future: refused.
    r = client.patch(url, headers=h, json={"stage": "started", "stage_changed_at": "2032-03-01T10:00:00+08:00"})
    assert r.status_code == 422 and "stage_changed_at" in r.json["errors"]
    # Without an offset: refused by the schema.
    r = client.patch(url, headers=h, json={"stage": "started", "stage_changed_at": "2031-10-01T10:00:00"})
    assert r.status_code == 422
    # Before the previous change: refused (history stays in order).
    r = client.patch(url, headers=h, json={"stage": "started", "stage_changed_at": "2031-09-01T10:00:00+08:00"})
    assert r.status_code == 422 and "stage_changed_at" in r.json["errors"]
    r = client.patch(url, headers=h, json={"stage": "negotiating", "stage_note": "合同未最终签署，更正",
                                           "stage_changed_at": "2031-10-01T10:00:00+08:00"})
    assert r.status_code == 200 and r.json["stage"] == "negotiating"
    r = client.patch(url, headers=h, json={"stage": "dropped", "stage_note": "企业放弃"})
    assert r.status_code == 200 and r.json["stage"] == "dropped"
    r = client.patch(url, headers=h, json={"stage": "lead"})
    assert r.status_code == 422  # reopening needs a note
    items = client.get(f"{url}/history", headers=h).json["items"]
    assert [(c["from"], c["to"]) for c in items] == [
        (None, "lead"), ("lead", "negotiating"), ("negotiating", "signed"), ("signed", "negotiating"),
        ("negotiating", "dropped")]
    assert items[1]["at"] == items[2]["at"] and items[2]["note"] == "签约仪式"
    assert items[3]["note"] == "合同未最终签署，更正" and items[-1]["at"].startswith("2032-02-01T04:00:00")
    assert all(c["user"] is not None for c in items)


def test_patch_any_field_is_audited(app, client, auth, met):
    h = auth("organiser")
    pid = client.post("/api/v1/projects", headers=h, json={"name": "旧名", "amount_wan": 1}).json["id"]
    r = client.patch(f"/api/v1/projects/{pid}", headers=h, json={
        "name": "新名", "amount_wan": "2500.25", "industry": "新材料", "team_id": met["food_team"],
        "officer_id": met["officer"],
        "out_of_province": True, "next_follow_up": "2032-01-10", "notes": None})
    assert r.status_code == 200, r.json
    assert (r.json["name"], r.json["amount_wan"], r.json["officer"], r.json["overdue"]) == (
        "新名", 2500.25, "李科长", True)
    assert client.patch(f"/api/v1/projects/{pid}", headers=h, json={"name": ""}).status_code == 422
    assert client.patch(f"/api/v1/projects/{pid}", headers=h, json={"colour": "red"}).status_code == 422
    assert client.patch("/api/v1/projects/999999", headers=h, json={"name": "x"}).status_code == 404
    with app.app_context():
        actions = [e.action for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "project").order_by(AuditEntry.id))]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "project.update")).one()
        assert actions == ["project.create", "project.update"]
        assert entry.changes["amount_wan"] == {"from": "1.00", "to": "2500.25"}


def test_filters_and_search(client, auth, app, met):
    h = auth("organiser")
    with app.app_context():
        other_org = factories.organisation("宁波沐轩智能科技有限公司").id
    a = client.post(f"/api/v1/events/{met['event']}/leads", headers=h, json={
        "organisation_id": met["org"], "name": "中央厨房", "industry": "绿色食品", "next_follow_up": "2032-01-05"}).json
    b = client.post("/api/v1/projects", headers=h, json={
        "name": "智能产线", "organisation_id": other_org, "industry": "高端装备制造", "stage": "negotiating",
        "team_id": met["food_team"]}).json

    def ids(**params):
        r = client.get("/api/v1/projects", headers=h, query_string=params)
        assert r.status_code == 200
        return sorted(p["id"] for p in r.json["items"])

    assert ids() == sorted([a["id"], b["id"]])
    assert ids(stage="negotiating") == [b["id"]]
    assert ids(industry="绿色食品") == [a["id"]]
    assert ids(event_id=met["event"]) == [a["id"]]
    assert ids(team_id=met["food_team"]) == sorted([a["id"], b["id"]])  # a: its industry's team by default
    assert ids(q="沐轩") == [b["id"]]  # organisation name
    assert ids(q="厨房") == [a["id"]]  # project name
    assert ids(q="%") == []
    assert ids(overdue="true") == [a["id"]]  # 2032-01-05 is before the frozen today
    page = client.get("/api/v1/projects?per_page=1&page=2", headers=h).json
    assert page["total"] == 2 and page["per_page"] == 1 and len(page["items"]) == 1
    assert client.get("/api/v1/projects?stage=won", headers=h).status_code == 422
    assert client.get("/api/v1/projects?per_page=500", headers=h).status_code == 422


def test_roles(client, auth, met):
    org_h = auth("organiser")
    pid = client.post("/api/v1/projects", headers=org_h, json={"name": "角色测试"}).json["id"]
    viewer, door = auth("viewer"), auth("door")
    for url in ("/api/v1/projects", f"/api/v1/projects/{pid}", f"/api/v1/projects/{pid}/history",
                "/api/v1/reports/pipeline?year=2031", f"/api/v1/events/{met['event']}/report"):
        assert client.get(url, headers=viewer).status_code == 200, url
        assert client.get(url, headers=door).status_code == 403, url
        assert client.get(url).status_code == 401, url
    for headers, status in ((viewer, 403), (door, 403), (auth("admin"), 201)):
        assert client.post("/api/v1/projects", headers=headers, json={"name": "x"}).status_code == status
        assert client.post(f"/api/v1/events/{met['event']}/leads", headers=headers,
                           json={"organisation_id": met["org"], "name": "x"}).status_code == status
    assert client.patch(f"/api/v1/projects/{pid}", headers=viewer, json={"stage": "signed"}).status_code == 403
    assert client.get(f"/api/v1/projects/{pid}", headers=viewer).json["stage"] == "lead"


def test_event_report_funnel(app, client, auth):
    h = auth("organiser")
    with app.app_context():
        ev = factories.event("漏斗测试路演会", starts_at=factories.aware(2031, 4, 18))
        fund = factories.organisation("西部优势资本投资有限公司", kind=OrgKind.fund)
        firm = factories.organisation("质达新能源科技有限公司")
        for org in (fund, firm, factories.organisation("未回复企业")):
            factories.invitation(ev, org, status=InvitationStatus.sent)
        reg_fund = factories.registration(ev, org=fund, attendees=2)
        reg_firm = factories.registration(ev, org=firm, attendees=3)
        factories.registration(ev, attendees=4, status=RegistrationStatus.waitlisted)
        for attendee in reg_fund.attendees[:1] + reg_firm.attendees[:2]:
            db.session.add(CheckIn(event_id=ev.id, attendee_id=attendee.id, scanned_at=factories.aware(2031, 4, 18)))
        db.session.commit()
        ev_id, fund_id, firm_id = ev.id, fund.id, firm.id
        firm_guest = reg_firm.attendees[0].id
    lead = client.post(f"/api/v1/events/{ev_id}/leads", headers=h, json={
        "organisation_id": firm_id, "attendee_id": firm_guest, "name": "钠离子电芯", "amount_wan": 120000}).json
    client.post(f"/api/v1/events/{ev_id}/leads", headers=h, json={
        "organisation_id": fund_id, "name": "产业基金", "amount_wan": 50000.05})
    client.patch(f"/api/v1/projects/{lead['id']}", headers=h, json={"stage": "started"})
    r = client.get(f"/api/v1/events/{ev_id}/report", headers=auth("viewer"))
    assert r.status_code == 200
    report = r.json
    assert {k: report[k] for k in ("invited", "registered", "checked_in", "leads", "signed", "amount_wan")} == {
        "invited": 3, "registered": 5, "checked_in": 3, "leads": 2, "signed": 1, "amount_wan": 120000}
    assert report["leads_amount_wan"] == 170000.05
    assert report["by_kind"]["fund"] == {"invited": 1, "registered": 2, "checked_in": 1, "interests": 0, "leads": 1,
                                         "leads_amount_wan": 50000.05, "signed": 0, "amount_wan": 0}
    assert report["by_kind"]["enterprise"]["signed"] == 1
    assert report["by_kind"]["enterprise"]["invited"] == 2
    assert client.get("/api/v1/events/999999/report", headers=h).status_code == 404


def test_skipped_stage_changes_share_the_moment_and_are_utc(app, client, auth):
    h = auth("organiser")
    pid = client.post("/api/v1/projects", headers=h, json={
        "name": "直接投产", "stage": "producing", "stage_changed_at": "2031-12-31T23:30:00+08:00"}).json["id"]
    with app.app_context():
        from roadshow.models import Project
        history = db.session.get(Project, pid).history
        assert [c.to_stage.value for c in history] == ["lead", "negotiating", "signed", "started", "producing"]
        assert {c.at for c in history} == {history[0].at}
        assert history[0].at.tzinfo is not None and history[0].at.astimezone(UTC).hour == 15


def test_concurrent_stage_changes_keep_history_consistent(app, live_server, token_for):
    """Eight clients move one project at once against a real server: every change starts from the
    stage the previous one left, however the requests interleave."""
    import threading

    import requests

    from roadshow.models import Project

    headers = {"Authorization": f"Bearer {token_for('organiser')}"}
    pid = requests.post(f"{live_server}/api/v1/projects", headers=headers, json={"name": "并发测试"}).json()["id"]
    targets = ["negotiating", "signed", "dropped", "started", "lead", "producing", "signed", "negotiating"]
    barrier = threading.Barrier(len(targets))
    statuses = []

    def move(stage):
        barrier.wait()
        r = requests.patch(f"{live_server}/api/v1/projects/{pid}", headers=headers,
                           json={"stage": stage, "stage_note": "并发"}, timeout=60)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=move, args=(stage,)) for stage in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {200, 422} and 200 in statuses
    with app.app_context():
        project = db.session.get(Project, pid)
        history = project.history
        for before, after in zip(history, history[1:]):
            assert after.from_stage is before.to_stage
        assert history[-1].to_stage is project.stage


def test_exports_csv_and_xlsx(client, auth):
    from io import BytesIO

    from openpyxl import load_workbook

    h = auth("organiser")
    client.post("/api/v1/projects", headers=h, json={"name": "=cmd|' /C calc'!A0", "amount_wan": 10000.1,
                                                     "industry": "新能源", "stage": "signed"})
    client.post("/api/v1/projects", headers=h, json={"name": "普通项目", "amount_wan": 5})
    r = client.get("/api/v1/projects.csv", headers=h)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    text = r.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("项目编号,项目名称,单位名称,所属产业")
    assert "'=cmd" in text and "10000.10" in text and "已签约" in text
    r = client.get("/api/v1/projects.xlsx?stage=signed", headers=h)
    ws = load_workbook(BytesIO(r.data)).active
    assert ws.freeze_panes == "A2" and ws.max_row == 2
    # the text kept as it is, but as a string cell, never a formula
    assert ws["B2"].value == "=cmd|' /C calc'!A0" and ws["B2"].data_type == "s"
    assert ws["H2"].value == 10000.1 and ws["H2"].number_format == "#,##0.00"
    for role in ("viewer", "door"):
        assert client.get("/api/v1/projects.csv", headers=auth(role)).status_code == 403
