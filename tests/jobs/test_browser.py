"""The event form on a phone, in Chinese: the organiser sets the reminder and moves the roadshow to another
venue; the registrant's change notice is queued with the new venue (real browser, gunicorn on the test
database)."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Event, OutboxMessage
from tests import factories
from tests.conftest import sign_in_page
from tests.e2e.test_login import assert_fits_the_phone

SCREENSHOT = "/tmp/e2e-jobs-event-form-zh.png"


def test_reminder_and_change_notice_from_the_event_form(app, live_server, phone, make_user, industries):
    email = make_user("organiser", name="招商局 王主任")
    with app.app_context():
        event = factories.event("淮南牛肉汤产业项目路演会", venue="田家庵区招商服务中心一楼路演厅",
                                address="安徽省淮南市田家庵区")
        reg = factories.registration(event, attendees=1, names=["王小明"])
        event_id, guest = event.id, reg.attendees[0].email
    page = phone("zh-CN")
    sign_in_page(page, live_server, email)
    page.goto(f"{live_server}/events/{event_id}/edit")

    reminder = page.get_by_label("提醒（活动开始前小时数）")
    expect(reminder).to_have_value("24")  # the default
    expect(page.get_by_text("已确认的嘉宾将在活动开始前这么多小时收到提醒邮件；留空则不发送提醒。")).to_be_visible()
    reminder.fill("0")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#reminder_hours_before ~ .invalid-feedback")).to_have_text(
        "请输入 1 至 720 小时，或留空不发送提醒。")

    page.get_by_label("提醒（活动开始前小时数）").fill("48")
    page.get_by_label("会场").fill("淮南国际会展中心B馆")
    assert_fits_the_phone(page)
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("修改已保存。")
    expect(page.locator("#event-reminder")).to_have_text("活动开始前 48 小时发送提醒邮件")

    with app.app_context():
        stored = db.session.get(Event, event_id)
        assert stored.reminder_hours_before == 48 and stored.venue == "淮南国际会展中心B馆"
        [notice] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event_changed")).all()
        assert notice.to == guest
        assert "会场: 田家庵区招商服务中心一楼路演厅 → 淮南国际会展中心B馆" in notice.body_text
        assert notice.attachments[0]["filename"] == "event.ics" and "TRIGGER:-P2D" in notice.attachments[0]["content"]

    # Emptied: no reminder, and nothing else moved, so no second notice
    page.goto(f"{live_server}/events/{event_id}/edit")
    page.get_by_label("提醒（活动开始前小时数）").fill("")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("修改已保存。")
    expect(page.locator("#event-reminder")).to_have_text("无")
    with app.app_context():
        assert db.session.get(Event, event_id).reminder_hours_before is None
        assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "event_changed")).all()) == 1
