"""In a phone browser, in Chinese: the board, moving a card to 已签约 with a date, capturing a lead from
a checked-in guest, and the report page with the demo 2023 numbers and its charts."""
from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Event, Project, Stage
from tests.conftest import sign_in_page

SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"pipeline-{name}.png"), full_page=True)


@pytest.fixture
def demo(app):
    from roadshow.demo import scenario_2023 as demo_data

    with app.app_context():
        demo_data.load()
        db.session.commit()
        return db.session.scalar(select(Event.id).where(Event.title == "淮南牛肉汤产业项目路演会"))


def test_board_move_to_signed_on_a_phone(app, live_server, phone, make_user, demo):
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("organiser"))
    page.click("#nav-pipeline") if page.is_visible("#nav-pipeline") else page.goto(f"{live_server}/pipeline/")
    page.wait_for_selector("#board")
    assert page.inner_text("h1") == "项目看板"
    column = page.locator("#stage-negotiating")
    card = column.locator(".project-card", has_text="淮南牛肉汤预制菜中央厨房")
    assert "老乡鸡集团有限公司" in card.inner_text() and "18,000.00 万元" in card.inner_text()
    _shot(page, "board")
    card.locator("summary").click()
    form = card.locator("form.move-form")
    form.locator("select[name=stage]").select_option("signed")
    form.locator("input[name=date]").fill("2024-02-06")
    form.locator("textarea[name=note]").fill("签约仪式在区政府举行")
    _shot(page, "board-move")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".alert-success")
    assert "已签约" in page.inner_text(".alert-success")
    signed = page.locator("#stage-signed .project-card", has_text="淮南牛肉汤预制菜中央厨房")
    assert signed.count() == 1
    assert page.locator("#stage-negotiating .project-card", has_text="淮南牛肉汤预制菜中央厨房").count() == 0
    assert page.csp_errors == []
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.name == "淮南牛肉汤预制菜中央厨房"))
        assert project.stage is Stage.signed
        assert project.history[-1].at.date() == date(2024, 2, 6) and project.history[-1].note == "签约仪式在区政府举行"


def test_capture_lead_then_sign_and_report_changes(app, live_server, phone, make_user, demo):
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("organiser"))
    # The bureau's today, not the test machine's: between 16:00 and 24:00 UTC Beijing is a day ahead.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    this_year = today.year
    page.goto(f"{live_server}/pipeline/report?year={this_year}")
    before = int(page.inner_text("#total-signed .total-count"))
    page.goto(f"{live_server}/pipeline/leads")
    page.click("text=淮南牛肉汤产业项目路演会")
    page.wait_for_selector("#bulk-leads")
    _shot(page, "event-leads")
    page.locator(".candidate", has_text="安徽皖中牧业有限公司").locator("a").click()
    page.wait_for_selector("#project-form")
    assert page.input_value("#organisation_id") != ""
    assert "赵经理" in page.locator("#attendee_id option:checked").inner_text()
    page.fill("#name", "皖中牧业肉牛养殖基地")
    page.fill("#amount_wan", "12000.50")
    page.fill("#next_follow_up", today.isoformat())
    _shot(page, "lead-form")
    page.click("#project-form [type=submit]")
    page.wait_for_selector("#project-stage")
    assert page.inner_text("#project-stage") == "线索"
    assert "淮南牛肉汤产业项目路演会" in page.inner_text("#project-event")
    page.click("#move-project")
    page.select_option("#stage", "signed")
    page.fill("#date", today.isoformat())
    page.click("#move-form [type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.inner_text("#project-stage") == "已签约"
    _shot(page, "project")
    page.goto(f"{live_server}/pipeline/report?year={this_year}")
    assert int(page.inner_text("#total-signed .total-count")) == before + 1
    assert page.csp_errors == []


def test_report_page_shows_demo_2023_with_charts(live_server, phone, make_user, demo):
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("viewer"))
    page.goto(f"{live_server}/pipeline/report?year=2023")
    page.wait_for_selector("body[data-charts]")
    assert page.inner_text("#report-title") == "2023年招商项目报表"
    assert page.inner_text("#total-signed .total-count") == "28"
    assert page.inner_text("#total-started .total-count") == "7"
    assert page.inner_text("#total-over-100m .total-yi") == "38.01"
    assert int(page.get_attribute("body", "data-charts")) == 3  # stages, industries, the roadshow's funnel
    for canvas in ("#chart-stages", "#chart-industries", "#chart-event-0"):
        box = page.locator(canvas).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, canvas
    # Something was drawn: the canvas is not blank.
    drawn = page.evaluate("""() => {
        const c = document.getElementById('chart-stages');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
        return false; }""")
    assert drawn
    assert page.csp_errors == []
    _shot(page, "report")
    page.emulate_media(media="print")
    assert not page.is_visible("#report-period") and not page.is_visible("nav.navbar")
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename == "pipeline-2023.xlsx"
