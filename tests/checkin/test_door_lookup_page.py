"""The door page's look-up box and walk-in form on a phone (chromium, 390×844): a look-up and a one-tap
check-in, a walk-in, and a look-up while offline answered from the page's own guest list."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import CheckIn, CheckInMethod, CheckInStatus, Registration
from tests import factories as f
from tests.conftest import TEST_TMP, sign_in_page

PHONE_NUMBERS = ["13955661234", "13800009876"]


@pytest.fixture
def guests(app, make_user):
    with app.app_context():
        event = f.event("淮南牛肉汤产业项目路演会", capacity=4)
        org = f.organisation("老乡鸡集团有限公司")
        reg = f.registration(event, attendees=2, org=org, names=["束从轩", "王经理"])
        for attendee, phone in zip(reg.attendees, PHONE_NUMBERS):
            attendee.phone = phone
        db.session.commit()
        data = {"event_id": event.id, "attendee_ids": [a.id for a in reg.attendees]}
    data["door"] = make_user("door", name="签到员")
    return data


def open_door(phone, live_server, email, event_id, locale="zh-CN"):
    page = phone(locale)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    sign_in_page(page, live_server, email)
    page.goto(f"{live_server}/door/{event_id}")
    page.wait_for_selector('#door[data-ready="1"]')
    return page


def checkins_of(app, attendee_id):
    with app.app_context():
        return list(db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == attendee_id,
                                                              CheckIn.status == CheckInStatus.active)))


def test_look_up_by_phone_tail_and_check_in_with_one_tap(app, live_server, phone, guests):
    page = open_door(phone, live_server, guests["door"], guests["event_id"])
    page.fill("#lookup-q", "9876")
    row = page.locator(f"#lookup-results li[data-attendee-id='{guests['attendee_ids'][1]}']")
    expect(row).to_contain_text("王经理")
    expect(row).to_contain_text("老乡鸡集团有限公司")
    expect(row).to_contain_text("手机尾号 9876")
    assert page.get_attribute("#door", "data-lookup") == "online"
    assert all(number not in page.content() for number in PHONE_NUMBERS)
    page.screenshot(path=str(TEST_TMP / "door-lookup.png"))

    row.get_by_role("button", name="签到").click()
    page.wait_for_selector("#result[data-result='ok']")
    assert page.text_content("#result-title") == "已签到"
    assert page.text_content("#result-name") == "王经理"
    expect(row.get_by_role("button")).to_have_text("已签到")
    assert row.get_by_role("button").is_disabled()
    expect(page.locator("#count-checked")).to_have_text("1")
    (checkin,) = checkins_of(app, guests["attendee_ids"][1])
    assert checkin.method is CheckInMethod.lookup and checkin.device == page.input_value("#device-name")

    # By name, the other guest; a name too short asks for more and lists nobody.
    page.fill("#lookup-q", "束")
    page.wait_for_timeout(600)
    assert page.locator("#lookup-results li").count() == 0
    page.fill("#lookup-q", "束从")
    expect(page.locator("#lookup-results li.door-guest")).to_have_count(1)
    expect(page.locator("#lookup-results")).to_contain_text("手机尾号 1234")
    page.fill("#lookup-q", "无此人")
    expect(page.locator("#lookup-none")).to_have_text("没有匹配的已确认嘉宾。")
    assert not page.errors and not page.csp_errors


def test_walk_in_registers_and_admits_on_the_spot(app, live_server, phone, guests):
    page = open_door(phone, live_server, guests["door"], guests["event_id"])
    page.click("#walk-in summary")
    page.fill("#walk-in-org", "八公山豆腐坊")
    page.select_option("#walk-in-kind", "enterprise")
    page.fill("#walk-in-name-0", "李老板")
    page.fill("#walk-in-phone-0", "12345")
    page.click("#walk-in-submit")
    # Refused beside the fields, in Chinese: no consent, a bad phone; nothing written.
    expect(page.locator("[data-error-for='consent']")).not_to_be_empty()
    expect(page.locator("#walk-in-phone-0")).to_have_class(
        "form-control is-invalid")
    assert page.locator("[data-error-for='attendees.0.phone']").text_content().strip()
    page.screenshot(path=str(TEST_TMP / "door-walk-in-errors.png"), full_page=True)

    page.fill("#walk-in-phone-0", "139 5566 7788")
    page.click("#walk-in-add")
    page.fill("#walk-in-name-1", "周会计")
    page.fill("#walk-in-phone-1", "13800001111")
    page.check("#walk-in-consent")
    page.click("#walk-in-submit")
    page.wait_for_selector("#result[data-result='walk_in']")
    assert page.text_content("#result-title") == "现场登记并已签到"
    assert page.text_content("#result-name") == "李老板、周会计"
    expect(page.locator("#count-checked")).to_have_text("2")
    expect(page.locator("#count-registered")).to_have_text("4")
    expect(page.locator("#walk-in-seats")).to_have_text("0")
    assert page.input_value("#walk-in-org") == ""  # ready for the next guest
    page.screenshot(path=str(TEST_TMP / "door-walk-in.png"), full_page=True)
    with app.app_context():
        reg = db.session.scalar(select(Registration).order_by(Registration.id.desc()))
        assert reg.organisation.name == "八公山豆腐坊" and [a.phone for a in reg.attendees] == [
            "13955667788", "13800001111"]
        assert all(checkins_of(app, a.id)[0].method is CheckInMethod.walk_in for a in reg.attendees)

    # The event is now full: the next walk-in is refused, in red.
    page.fill("#walk-in-org", "另一家公司")
    page.fill("#walk-in-name-0", "赵先生")
    page.fill("#walk-in-phone-0", "13700001111")
    page.check("#walk-in-consent")
    page.click("#walk-in-submit")
    page.wait_for_selector("#result[data-result='capacity_full']")
    assert page.text_content("#result-title") == "活动已满员"
    assert not page.errors and not page.csp_errors


def test_offline_look_up_answers_from_the_page_and_syncs_the_tap(app, live_server, phone, guests):
    page = open_door(phone, live_server, guests["door"], guests["event_id"])
    page.wait_for_selector('#door[data-shell-cached="1"]')
    assert page.get_attribute("#door", "data-roster") == "2"
    context = page.context

    context.set_offline(True)
    page.reload()  # the service worker serves the page and its guest list without network
    page.wait_for_selector('#door[data-ready="1"]')
    page.wait_for_selector('#door[data-roster="2"]')
    page.fill("#lookup-q", "1234")
    row = page.locator(f"#lookup-results li[data-attendee-id='{guests['attendee_ids'][0]}']")
    expect(row).to_contain_text("束从轩")
    expect(row).to_contain_text("手机尾号 1234")
    assert page.get_attribute("#door", "data-lookup") == "offline"
    expect(page.locator("#lookup-source")).to_contain_text("离线")
    before = datetime.now(UTC)
    row.get_by_role("button", name="签到").click()
    page.wait_for_selector("#result[data-result='queued']")
    after = datetime.now(UTC)
    assert page.text_content("#result-name") == "束从轩"
    expect(row.get_by_role("button")).to_have_text("已签到")
    assert page.text_content("#queue-count") == "1"
    page.screenshot(path=str(TEST_TMP / "door-lookup-offline.png"))
    assert checkins_of(app, guests["attendee_ids"][0]) == []
    # Looked up again while still offline, the guest shows as in (from the queue).
    page.fill("#lookup-q", "束从")
    expect(page.locator(f"#lookup-results li[data-attendee-id='{guests['attendee_ids'][0]}'] button")
           ).to_have_text("已签到")
    # The guest list on the phone has no whole phone number either.
    cached = page.evaluate("""async () => {
        const cache = await caches.open('roadshow-door-v1');
        const hit = await cache.match(document.getElementById('door').dataset.rosterUrl);
        return hit ? await hit.text() : null; }""")
    assert cached and [g["name"] for g in json.loads(cached)["items"]] == ["束从轩", "王经理"]
    assert all(n not in cached and n[3:] not in cached for n in PHONE_NUMBERS)

    time.sleep(1.5)
    context.set_offline(False)
    page.wait_for_selector("#sync-list li[data-result='ok']", timeout=20_000)
    assert "束从轩" in page.text_content("#sync-list")
    expect(page.locator("#count-checked")).to_have_text("1", timeout=15_000)
    (checkin,) = checkins_of(app, guests["attendee_ids"][0])
    assert checkin.method is CheckInMethod.lookup
    assert before <= checkin.scanned_at <= after  # the time of the tap, not of the sync
    assert not page.errors and not page.csp_errors
