"""An organiser on a phone, in Chinese, creates and publishes the beef-soup roadshow, finds it in the list
and watches its counts on the event page change as people register and check in (real browser, real
gunicorn on the test database)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from roadshow.extensions import db
from roadshow.models import CheckIn, Event, EventStatus, OrgKind
from roadshow.models.types import utcnow
from tests import factories
from tests.conftest import sign_in_page
from tests.e2e.test_login import assert_fits_the_phone, open_menu

TITLE = "淮南牛肉汤产业项目路演会"
SCREENSHOT = "/tmp/e2e-events-zh.png"


def test_create_publish_and_watch_the_beef_soup_roadshow(app, live_server, phone, make_user, industries):
    email = make_user("organiser", name="招商局 王主任")
    page = phone("zh-CN")
    sign_in_page(page, live_server, email)

    open_menu(page)
    page.locator("#nav-events").click()
    expect(page).to_have_title("活动 · 路演通")
    expect(page.locator("#no-events")).to_be_visible()
    page.get_by_role("link", name="新建活动").click()

    # The form, in Chinese; times are Beijing time unless another zone is chosen.
    expect(page.get_by_role("heading", name="新建活动")).to_be_visible()
    expect(page.get_by_label("时区")).to_have_value("Asia/Shanghai")
    page.get_by_label("活动名称").fill(TITLE)
    page.get_by_label("开始时间").fill("2023-04-18T09:00")
    page.get_by_label("结束时间").fill("2023-04-18T08:00")  # a slip: before the start
    page.get_by_label("会场").fill("田家庵区招商服务中心一楼路演厅")
    page.get_by_label("地址").fill("安徽省淮南市田家庵区")
    page.get_by_label("容量（参会人数）").fill("120")
    page.get_by_label("绿色食品").check()
    page.get_by_label("现代服务业").check()
    assert_fits_the_phone(page)
    page.get_by_role("button", name="保存", exact=True).click()

    # The mistake is shown beside the end time, and what was typed is kept.
    expect(page.locator("#ends_at")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#ends_at ~ .invalid-feedback")).to_have_text("结束时间必须晚于开始时间。")
    expect(page.get_by_label("活动名称")).to_have_value(TITLE)
    expect(page.get_by_label("绿色食品")).to_be_checked()
    page.screenshot(path="/tmp/e2e-events-form-zh.png", full_page=True)
    page.get_by_label("结束时间").fill("2023-04-18T12:00")
    page.get_by_role("button", name="保存", exact=True).click()

    # Saved as a draft: the event page; then publish it.
    expect(page.get_by_role("alert")).to_have_text("活动已保存为草稿。")
    expect(page.locator("#event-title")).to_have_text(TITLE)
    expect(page.locator("#event-status .badge")).to_have_text("草稿")
    expect(page.locator("#event-when")).to_contain_text("2023-04-18 09:00 – 12:00")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("alert")).to_have_text("活动已发布。")
    expect(page.locator("#event-status .badge")).to_have_text("已发布")
    expect(page.locator("#public-url")).to_contain_text("/e/")

    with app.app_context():
        event = db.session.query(Event).filter_by(title=TITLE).one()
        assert event.status is EventStatus.published and event.sequence == 1
        assert event.starts_at == datetime(2023, 4, 18, 1, 0, tzinfo=UTC)
        assert event.industries == ["绿色食品", "现代服务业"]
        event_id = event.id

    # In the list: the roadshow is over (2023), so it is under past events.
    open_menu(page)
    page.locator("#nav-events").click()
    row = page.locator("#past li", has_text=TITLE)
    expect(row).to_contain_text("2023-04-18 09:00 – 12:00")
    expect(row).to_contain_text("田家庵区招商服务中心一楼路演厅")
    expect(row.locator(".badge")).to_have_text("已结束")
    assert_fits_the_phone(page)
    page.screenshot(path="/tmp/e2e-events-list-zh.png", full_page=True)
    row.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server}/events/{event_id}")

    counts = page.locator("#live-counts")
    expect(counts.locator('[data-stat="registered"]')).to_have_text("0")
    expect(counts.locator('[data-stat="capacity"]')).to_have_text("120")

    # People register and arrive while the page is open: the counts follow without a reload.
    with app.app_context():
        event = db.session.get(Event, event_id)
        firm = factories.organisation("老乡鸡集团有限公司")
        bank = factories.organisation("徽商银行股份有限公司淮南分行", kind=OrgKind.bank)
        factories.invitation(event, firm, seats=3)
        factories.invitation(event, bank, seats=2)
        reg = factories.registration(event, attendees=3, org=firm)
        factories.registration(event, attendees=2, org=bank)
        db.session.add(CheckIn(event_id=event_id, attendee_id=reg.attendees[0].id, scanned_at=utcnow(),
                               device="门口一号"))
        db.session.commit()
    expect(counts.locator('[data-stat="registered"]')).to_have_text("5", timeout=25_000)
    expect(counts.locator('[data-stat="invited"]')).to_have_text("2")
    expect(counts.locator('[data-stat="checked_in"]')).to_have_text("1")
    expect(counts.locator('[data-stat="waitlisted"]')).to_have_text("0")
    expect(page.locator('#by-kind tr[data-kind="enterprise"] td')).to_have_text(["企业", "3", "1"])
    expect(page.locator('#by-kind tr[data-kind="bank"] td')).to_have_text(["银行", "2", "0"])
    expect(page.locator("#stats-updated")).to_contain_text("更新于")
    expect(page.locator("body")).not_to_contain_text("Registered")
    assert_fits_the_phone(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Cancel asks first.
    page.locator("#cancel-event").click()
    expect(page.get_by_role("heading", name="确定取消这场活动吗？")).to_be_visible()
    expect(page.locator("#recipients")).to_contain_text("5 人")
    assert_fits_the_phone(page)
    page.get_by_role("button", name="确定取消活动").click()
    expect(page.locator("#event-status .badge")).to_have_text("已取消")
    expect(page.locator("#cancel-event")).to_have_count(0)
