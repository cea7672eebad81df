"""On a phone, in Chinese: an officer records a reception (a wrong head count is explained beside the
field), captures a lead from it, and the company's page shows its visits and receptions."""
from __future__ import annotations

from datetime import date

from roadshow.extensions import db
from roadshow.models import Team, TeamKind
from roadshow.services import visits
from tests import factories
from tests.conftest import TEST_TMP, sign_in_page


def test_reception_on_a_phone_and_the_organisation_page(live_server, phone, make_user, industries, app):
    email = make_user("organiser")
    with app.app_context():
        team = Team(name="第三招商工作队", kind=TeamKind.team)
        db.session.add(team)
        org = factories.organisation("深圳星河电子信息有限公司", city="深圳市")
        visits.create_trip({"team_id": team.id, "destination": "深圳", "starts_on": date(2023, 6, 5),
                            "ends_on": date(2023, 6, 6),
                            "visits": [{"organisation_id": org.id, "date": date(2023, 6, 6), "note": "参观产线"}]},
                           actor=None)
        db.session.commit()
        org_id = org.id

    page = phone("zh-CN")
    sign_in_page(page, live_server, email)
    page.click(".navbar-toggler")
    page.click("#nav-visits")
    page.wait_for_url(f"{live_server}/receptions/")
    assert page.locator("#no-receptions").is_visible()
    page.click("#new-reception")

    page.select_option("#organisation_ids", [str(org_id)])
    page.fill("#visitors", "0")
    page.select_option("#team_id", label="第三招商工作队")
    page.fill("#hosts", "王主任、李科长")
    page.fill("#purpose", "考察园区，洽谈设立华东基地")
    page.click("#save")
    page.wait_for_load_state()
    error = page.locator("#visitors + .invalid-feedback")
    assert error.is_visible() and error.inner_text() == "请输入来访人数（不小于 1 的整数）。"
    box = error.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.input_value("#hosts") == "王主任、李科长"  # what was typed is kept
    page.screenshot(path=str(TEST_TMP / "reception-error-phone.png"), full_page=True)

    page.fill("#visitors", "6")
    page.click("#save")
    page.wait_for_selector("#reception-fields")
    assert "接待记录已保存。" in page.locator(".alert-success").inner_text()
    assert page.inner_text("#reception-visitors") == "6"
    assert "深圳星河电子信息有限公司" in page.inner_text("#reception-fields")
    page.screenshot(path=str(TEST_TMP / "reception-phone.png"), full_page=True)

    page.click("#capture-lead")
    page.fill("#name", "华东基地项目")
    page.select_option("#industry", "新一代信息技术")
    page.click("#save")
    page.wait_for_selector("#project-name")
    assert page.inner_text("#project-name") == "华东基地项目"
    assert page.inner_text("#project-source") == "客商接待"

    page.goto(f"{live_server}/organisations/{org_id}")
    visits_list = page.inner_text("#organisation-visits")
    assert "2023-06-06 · 深圳" in visits_list and "第三招商工作队" in visits_list and "参观产线" in visits_list
    receptions = page.inner_text("#organisation-receptions")
    assert "6 人" in receptions and "第三招商工作队" in receptions
    page.screenshot(path=str(TEST_TMP / "organisation-visits-phone.png"), full_page=True)
