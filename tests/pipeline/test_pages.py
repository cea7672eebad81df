"""The pipeline pages: Chinese throughout, roles, moving cards, lead capture, the report and its XLSX."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import CheckIn, Event, Origin, Project, Stage
from tests import factories
from tests.app.test_i18n import english_words
from tests.conftest import sign_in

# Words in the demo data itself (a project named "质达 2GWh 钠离子电芯 + 2GWh PACK 项目"), not in the UI.
DATA_WORDS = {"GWh", "PACK"}


def _login(client, email):
    assert sign_in(client, email).status_code == 302


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def demo(app):
    from roadshow.demo import scenario_2023 as demo_data

    with app.app_context():
        demo_data.load()
        db.session.commit()
        roadshow = db.session.scalar(select(Event).where(Event.title == "淮南牛肉汤产业项目路演会"))
        return {"roadshow": roadshow.id,
                "project": db.session.scalar(select(Project.id).where(Project.name == "沐轩智能生产基地"))}


def test_pages_are_chinese_and_render(client, make_user, demo):
    _login(client, make_user("organiser"))
    urls = ["/pipeline/", "/pipeline/follow-ups", f"/pipeline/projects/{demo['project']}",
            f"/pipeline/projects/{demo['project']}/edit", f"/pipeline/projects/{demo['project']}/move",
            "/pipeline/leads", f"/pipeline/events/{demo['roadshow']}/leads",
            f"/pipeline/events/{demo['roadshow']}/leads/new", "/pipeline/projects/new",
            "/pipeline/report?year=2023", "/pipeline/report?year=2023&quarter=2", "/"]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        html = r.get_data(as_text=True)
        words = english_words(html) - DATA_WORDS
        assert words == set(), f"{url} shows English: {words}"
        assert 'style="' not in html and "<script>" not in html, url
    board = client.get("/pipeline/").get_data(as_text=True)
    assert 'id="nav-pipeline"' in board and 'id="nav-report"' in board
    assert "沐轩智能科技有限公司" in board and "15,600.00 万元" in board and "1.56 亿元" in board


def test_roles_on_pages(client, make_user, demo):
    _login(client, make_user("viewer"))
    board = client.get("/pipeline/")
    assert board.status_code == 200 and "move-form" not in board.get_data(as_text=True)
    assert client.get("/pipeline/report?year=2023").status_code == 200
    assert client.get(f"/pipeline/projects/{demo['project']}").status_code == 200
    assert client.get(f"/pipeline/projects/{demo['project']}/move").status_code == 403
    assert client.get(f"/pipeline/events/{demo['roadshow']}/leads").status_code == 403
    assert client.post(f"/pipeline/projects/{demo['project']}/move",
                       data={"stage": "started", "date": "2024-01-01"}).status_code in (400, 403)
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    _login(client, make_user("door"))
    for url in ("/pipeline/", "/pipeline/report?year=2023", "/pipeline/report.xlsx?year=2023"):
        assert client.get(url).status_code == 403, url
    assert 'id="nav-pipeline"' not in client.get("/").get_data(as_text=True)


def test_move_card_with_date_and_note(app, client, make_user, demo):
    _login(client, make_user("organiser"))
    board = client.get("/pipeline/").get_data(as_text=True)
    pid = demo["project"]  # 沐轩, signed on 2023-09-26
    r = client.post(f"/pipeline/projects/{pid}/move", data={
        "csrf_token": _csrf(board), "stage": "producing", "date": "2024-03-05", "note": "一期投产",
        "next": "/pipeline/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/pipeline/")
    with app.app_context():
        project = db.session.get(Project, pid)
        assert project.stage is Stage.producing
        assert [c.to_stage for c in project.history][-2:] == [Stage.started, Stage.producing]
        assert project.history[-1].at.isoformat() == "2024-03-05T04:00:00+00:00"  # midday Beijing time
    # Backwards without a note: the form says why, in Chinese, beside the note field.
    r = client.post(f"/pipeline/projects/{pid}/move", data={
        "csrf_token": _csrf(board), "stage": "signed", "date": "2024-03-06", "note": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "阶段回退属于更正，请填写说明。" in html and "is-invalid" in html
    future = (date.today() + timedelta(days=3)).isoformat()
    r = client.post(f"/pipeline/projects/{pid}/move", data={
        "csrf_token": _csrf(board), "stage": "dropped", "date": future, "note": "x"})
    assert "阶段变更日期不能晚于今天。" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Project, pid).stage is Stage.producing


def test_capture_lead_from_checked_in_guest(app, client, make_user, industries):
    with app.app_context():
        ev = factories.event("田家庵区招商推介会", starts_at=factories.aware(2025, 3, 18))
        org = factories.organisation("宁波拓新汽车部件有限公司", province="浙江省", industry="新能源汽车及零部件")
        reg = factories.registration(ev, org=org, attendees=2, names=["陈总", "林工"])
        other = factories.registration(ev, attendees=1)
        db.session.add(CheckIn(event_id=ev.id, attendee_id=reg.attendees[1].id,
                               scanned_at=factories.aware(2025, 3, 18)))
        db.session.commit()
        ev_id, org_id, guest, other_org = ev.id, org.id, reg.attendees[1].id, other.organisation_id
    _login(client, make_user("organiser"))
    page = client.get(f"/pipeline/events/{ev_id}/leads").get_data(as_text=True)
    assert "宁波拓新汽车部件有限公司" in page and "已签到" in page
    form = client.get(f"/pipeline/events/{ev_id}/leads/new?organisation_id={org_id}").get_data(as_text=True)
    # Prefilled: the organisation, its checked-in guest, its industry, out of province (浙江省).
    assert re.search(rf'<option selected value="{org_id}">', form)
    assert re.search(rf'<option selected value="{guest}">林工', form)
    assert '<option selected value="新能源汽车及零部件">' in form
    assert '<option selected value="out_of_province">' in form
    data = {"csrf_token": _csrf(form), "name": "汽车部件产业园", "organisation_id": org_id, "attendee_id": guest,
            "industry": "新能源汽车及零部件", "amount_wan": "-5", "origin": "out_of_province",
            "next_follow_up": "2025-04-01", "notes": ""}
    r = client.post(f"/pipeline/events/{ev_id}/leads/new", data=data)
    assert r.status_code == 200 and "金额不能为负数。" in r.get_data(as_text=True)
    data["amount_wan"] = "45,000.5"
    r = client.post(f"/pipeline/events/{ev_id}/leads/new", data=data)
    assert r.status_code == 302
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == "汽车部件产业园"))
        assert (project.stage, project.source_event_id, project.attendee_id, project.amount_wan) == (
            Stage.lead, ev_id, guest, Decimal("45000.50"))
        assert project.out_of_province is True and project.origin is Origin.out_of_province
        assert project.team is None  # no 专班 of that industry exists
    # Bulk: only checked-in organisations may be chosen.
    page = client.get(f"/pipeline/events/{ev_id}/leads").get_data(as_text=True)
    token = _csrf(page)
    r = client.post(f"/pipeline/events/{ev_id}/leads/bulk", data={"csrf_token": token,
                                                                  "bulk-organisation_ids": [str(other_org)]})
    assert r.status_code == 422 and "只能选择有嘉宾签到的单位。" in r.get_data(as_text=True)
    r = client.post(f"/pipeline/events/{ev_id}/leads/bulk", data={
        "csrf_token": token, "bulk-organisation_ids": [str(org_id)], "bulk-industry": "",
        "bulk-next_follow_up": "2025-04-10"})
    assert r.status_code == 302
    with app.app_context():
        leads = db.session.scalars(select(Project).where(Project.source_event_id == ev_id).order_by(Project.id)).all()
        assert len(leads) == 2 and leads[1].name == "宁波拓新汽车部件有限公司"
        assert leads[1].attendee_id == guest and leads[1].industry == "新能源汽车及零部件"
        assert leads[1].next_follow_up == date(2025, 4, 10)


def test_report_page_and_xlsx_show_the_demo_2023_numbers(client, make_user, demo):
    _login(client, make_user("viewer"))
    html = client.get("/pipeline/report?year=2023").get_data(as_text=True)
    assert "2023年招商项目报表" in html

    def total(card):
        block = html.split(f'id="{card}"')[1]
        return re.search(r'total-count">(\d+)<', block).group(1), re.search(r'total-yi">([\d.,]+)<', block).group(1)

    assert total("total-signed") == ("28", "48.66")
    assert total("total-started") == ("7", "23.45")
    assert total("total-over-100m") == ("9", "38.01")
    assert 'type="application/json" id="report-data"' in html and "chart.umd.min.js" in html
    r = client.get("/pipeline/report.xlsx?year=2023")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(BytesIO(r.data))
    summary = wb["汇总"]
    assert [c.value for c in summary[1]] == ["期间", "指标", "项目数", "金额（万元）", "金额（亿元）"]
    assert summary.freeze_panes == "A2"
    rows = {row[1]: row for row in summary.iter_rows(min_row=2, values_only=True)}
    assert rows["新签约项目"][2] == 28 and rows["亿元以上省外项目"][3] == 380100
    assert summary.cell(5, 4).number_format == "#,##0.00" and isinstance(summary.cell(5, 4).value, (int, float))
    assert rows["亿元以上省外项目"][4] == pytest.approx(38.01)
    events = wb["按活动"]
    assert [c.value for c in events[2]][0] == "淮南牛肉汤产业项目路演会"
    assert client.get("/pipeline/report?year=1800").status_code == 404
