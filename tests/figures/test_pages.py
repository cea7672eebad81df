"""The figures on the console: a project's monthly figures entered on its page (errors beside the field),
the origin and industrial flag in the project form, and the report's official figures — in a phone browser and
through the HTML forms, in Chinese."""
from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Origin, Project, ProjectInvestment
from tests import factories
from tests.conftest import sign_in, sign_in_page

pytestmark = pytest.mark.usefixtures("industries")
SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def project_id(app):
    from roadshow.services import pipeline

    with app.app_context():
        org = factories.organisation("月度数据页面测试有限公司")
        project = pipeline.create_project({"name": "月度数据测试项目", "organisation_id": org.id,
                                           "amount_wan": "12000", "origin": "out_of_province",
                                           "industrial": True}, actor=None, stage="signed")
        db.session.commit()
        return project.id


def test_the_project_form_takes_origin_and_industrial(app, client, make_user, project_id):
    assert sign_in(client, make_user("organiser")).status_code == 302
    form = client.get(f"/pipeline/projects/{project_id}/edit").get_data(as_text=True)
    assert '<option selected value="out_of_province">省外</option>' in form
    assert re.search(r'id="industrial"[^>]*checked|checked[^>]*id="industrial"', form)
    r = client.post(f"/pipeline/projects/{project_id}/edit", data={
        "csrf_token": _csrf(form), "name": "月度数据测试项目", "organisation_id": "", "industry": "",
        "amount_wan": "12000", "origin": "in_province", "notes": ""})
    assert r.status_code == 302
    with app.app_context():
        project = db.session.get(Project, project_id)
        assert (project.origin, project.out_of_province, project.industrial) == (Origin.in_province, False, False)
    page = client.get(f"/pipeline/projects/{project_id}").get_data(as_text=True)
    assert "省内（区外）" in page and "工业项目" not in page.split('id="investments"')[0]


def test_a_month_entered_on_the_project_page(app, client, make_user, project_id):
    assert sign_in(client, make_user("organiser")).status_code == 302
    page = client.get(f"/pipeline/projects/{project_id}").get_data(as_text=True)
    assert "尚无月度数据。" in page and "工业项目" in page
    bad = client.post(f"/pipeline/projects/{project_id}/investments", data={
        "csrf_token": _csrf(page), "month": "2025-13", "funds_in_place_wan": "-1"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "请按“年-月”格式（如 2025-06）填写月份" in html
    with app.app_context():
        assert db.session.scalars(select(ProjectInvestment).where(
            ProjectInvestment.project_id == project_id)).first() is None
    bad = client.post(f"/pipeline/projects/{project_id}/investments", data={
        "csrf_token": _csrf(page), "month": "2025-06", "funds_in_place_wan": "-1"})
    assert "金额不能为负数。" in bad.get_data(as_text=True)
    ok = client.post(f"/pipeline/projects/{project_id}/investments", data={
        "csrf_token": _csrf(page), "month": "2025-06", "funds_in_place_wan": "1,234.50", "fixed_asset_wan": "600"})
    assert ok.status_code == 302
    page = client.get(f"/pipeline/projects/{project_id}").get_data(as_text=True)
    assert "已记录 2025-06 的数据。" in page
    assert re.search(r"<td>2025-06</td><td[^>]*>1,234.50</td><td[^>]*>600.00</td>", page)
    with app.app_context():
        row = db.session.scalars(select(ProjectInvestment).where(ProjectInvestment.project_id == project_id)).one()
        assert (row.funds_in_place_wan, row.fixed_asset_wan) == (Decimal("1234.50"), Decimal("600.00"))


def test_viewers_see_the_figures_but_no_form(app, client, make_user, project_id):
    assert sign_in(client, make_user("viewer")).status_code == 302
    page = client.get(f"/pipeline/projects/{project_id}").get_data(as_text=True)
    assert "月度投资数据" in page and 'id="investment-form"' not in page
    # The form a viewer could have kept from an organiser's session, with a valid token: refused for the role.
    r = client.post(f"/pipeline/projects/{project_id}/investments",
                    data={"csrf_token": _csrf(page), "month": "2025-06", "funds_in_place_wan": "10"})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.scalars(select(ProjectInvestment).where(
            ProjectInvestment.project_id == project_id)).first() is None


def test_figures_entered_on_a_phone_reach_the_report(app, live_server, phone, make_user, project_id):
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/pipeline/projects/{project_id}")
    page.fill("#month", "2025-13")
    page.fill("#funds_in_place_wan", "3000")
    page.click("#investment-form [type=submit]")
    assert "请按“年-月”格式（如 2025-06）填写月份" in page.locator("#investment-form .invalid-feedback").inner_text()
    page.fill("#month", "2025-05")
    page.fill("#funds_in_place_wan", "30000.25")
    page.fill("#fixed_asset_wan", "1000")
    page.click("#investment-form [type=submit]")
    page.wait_for_selector("#investment-totals")
    assert "30,000.25" in page.locator("#investment-totals").inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "figures-project.png"), full_page=True)
    page.goto(f"{live_server}/pipeline/report?year=2025")
    # an out-of-province industrial project agreed at 1.2 亿: in all three official figures
    for figure in ("#figure-funds", "#figure-over-100m-funds"):
        assert page.locator(f"{figure} .figure-wan").inner_text() == "30,000.25"
    assert page.locator("#figure-industrial-fixed .figure-wan").inner_text() == "1,000.00"
    assert "亿元以上省外项目到位资金" in page.locator("#official-figures").inner_text()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "figures-report.png"), full_page=True)
