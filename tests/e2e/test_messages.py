"""An organiser writes to the no-shows on a phone: the compose page previews the message and counts the
people, sends it, and the event page lists it with its delivery state; the poster is offered for download.
A real browser against a real server (gunicorn on the test database; mail without MAIL_SERVER is logged,
which counts as sent)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from roadshow.extensions import db
from roadshow.models import CheckIn, CheckInStatus
from roadshow.models.types import utcnow
from tests import factories
from tests.conftest import sign_in_page
from tests.e2e.test_login import assert_fits_the_phone

SCREENSHOT = "/tmp/e2e-messages-zh.png"


def test_compose_preview_send_and_see_the_delivery_state(live_server, phone, make_user, app):
    with app.app_context():
        ev = factories.event("淮南牛肉汤产业项目路演会", venue="田家庵区会展中心")
        came = factories.registration(ev, names=["王总"])
        factories.registration(ev, names=["李经理"])
        factories.registration(ev, names=["赵主任"])
        db.session.add(CheckIn(event_id=ev.id, attendee_id=came.attendees[0].id, status=CheckInStatus.active,
                               scanned_at=utcnow()))
        db.session.commit()
        event_id = ev.id
    email = make_user("organiser")
    page = phone("zh-CN")
    sign_in_page(page, live_server, email)
    page.goto(f"{live_server}/events/{event_id}")
    expect(page.locator("#messages")).to_contain_text("尚未发送消息")
    expect(page.locator("#poster-download")).to_have_attribute("href", f"/events/{event_id}/poster.png")
    page.locator("#write-message").click()

    page.get_by_label("发送对象").select_option("no_show")
    page.get_by_label("主题").fill("会后资料")
    page.get_by_label("内容").fill("感谢关注，会议资料见附件链接。")
    page.locator("#preview-button").click()
    expect(page.locator("#recipient-count")).to_have_text("将有 2 人收到这条消息。")
    expect(page.locator("#preview-text")).to_contain_text("感谢关注，会议资料见附件链接。")
    expect(page.locator("#preview-text")).to_contain_text("/m/")
    assert_fits_the_phone(page)
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.locator("#send-button").click()

    expect(page).to_have_url(re.compile(rf"/events/{event_id}(#messages)?$"))
    expect(page.locator(".alert")).to_contain_text("消息正在发送给 2 人")
    item = page.locator("#messages [data-broadcast]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("会后资料")
    expect(item).to_contain_text("未到场（已确认未签到）")
    for _ in range(30):  # the outbox delivers after the commit, in the server's own thread
        if "已发送 2，待发送 0，失败 0" in item.locator('[data-delivery="email"]').inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(item.locator('[data-delivery="email"]')).to_have_text("邮箱: 已发送 2，待发送 0，失败 0")
    assert_fits_the_phone(page)
    page.screenshot(path="/tmp/e2e-messages-event-zh.png", full_page=True)
