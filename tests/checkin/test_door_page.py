"""The door page in chromium with a fake camera that films the app's own QR image.

The camera browsers are separate chromium processes (launched from the session's Playwright),
because the fake video file is a launch argument."""
from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import CheckIn, CheckInStatus
from roadshow.services import checkin
from roadshow.uow import unit_of_work
from tests.checkin.imaging import png_to_y4m
from tests.conftest import CHROMIUM_ARGS, PHONE, TEST_TMP, sign_in_page

FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
def launch(browser):
    """launch(video=None) → a new chromium whose fake camera films `video` (a .y4m)."""
    launched = []

    def start(video=None):
        args = CHROMIUM_ARGS + FAKE_CAMERA + ([f"--use-file-for-fake-video-capture={video}"] if video else [])
        chromium = browser.browser_type.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        launched.append(chromium)
        return chromium

    yield start
    for chromium in launched:
        chromium.close()


def camera_filming(live_server, code) -> str:
    png = requests.get(f"{live_server}/tickets/{code}.png", timeout=10)
    assert png.status_code == 200
    return str(png_to_y4m(png.content, TEST_TMP / f"ticket-{code}.y4m"))


def door_page(chromium, live_server, email, event_id, locale="zh-CN"):
    context = chromium.new_context(locale=locale, **PHONE)
    context.grant_permissions(["camera"], origin=live_server)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    sign_in_page(page, live_server, email)
    page.goto(f"{live_server}/door/{event_id}")
    page.wait_for_selector('#door[data-ready="1"]')
    return context, page


def result_of(page, timeout=20_000) -> str:
    try:
        _wait_result(page, timeout)
    except Exception as exc:
        state = page.evaluate("""() => ({result: document.getElementById('result').dataset.result,
            camera: document.getElementById('door').dataset.camera,
            status: document.getElementById('camera-status').textContent,
            detail: document.getElementById('result-detail').textContent})""")
        raise AssertionError(f"no result on the door page: {state}, console errors: {page.errors}") from exc
    return page.get_attribute("#result", "data-result")


def _wait_result(page, timeout):
    page.wait_for_selector("#result[data-result='ok'], #result[data-result='already_checked_in'], "
                           "#result[data-result='unknown_ticket'], #result[data-result='queued']", timeout=timeout)


def active_checkins(app, attendee_id):
    with app.app_context():
        return list(db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == attendee_id,
                                                              CheckIn.status == CheckInStatus.active)))


def test_camera_scan_shows_green_then_amber(app, live_server, launch, guests):
    chromium = launch(camera_filming(live_server, guests["codes"][0]))
    context, page = door_page(chromium, live_server, guests["door"], guests["event_id"])
    assert result_of(page) == "ok"
    assert page.text_content("#result-title") == "已签到"
    assert page.text_content("#result-name") == "束从轩"
    assert "老乡鸡集团有限公司" in page.text_content("#result-detail")
    assert "door-result-ok" in page.get_attribute("#result", "class")
    assert page.text_content("#count-checked") == "1" and page.text_content("#count-registered") == "3"
    assert page.get_attribute("#door", "data-camera") == "on"
    page.screenshot(path=str(TEST_TMP / "door-green.png"))
    # Held in front of the camera, the same code counts once.
    page.wait_for_timeout(1500)
    assert page.get_attribute("#result", "data-result") == "ok"

    # Second pass: scanned again, the page says amber, with when and which device.
    page.reload()
    page.wait_for_selector('#door[data-ready="1"]')
    assert result_of(page) == "already_checked_in"
    assert "door-result-already" in page.get_attribute("#result", "class")
    detail = page.text_content("#result-detail")
    assert "首次签到时间" in detail and page.input_value("#device-name") in detail
    page.screenshot(path=str(TEST_TMP / "door-amber.png"))
    assert len(active_checkins(app, guests["attendee_ids"][0])) == 1
    assert not [e for e in page.errors if "Content Security Policy" in e]
    context.close()


def test_two_phones_scanning_one_guest_at_once(app, live_server, launch, guests):
    chromium = launch(camera_filming(live_server, guests["codes"][1]))
    phones = [door_page(chromium, live_server, guests["door"], guests["event_id"]) for _ in range(2)]
    results = sorted(result_of(page) for _, page in phones)
    assert results == ["already_checked_in", "ok"]
    assert len(active_checkins(app, guests["attendee_ids"][1])) == 1
    for _, page in phones:
        expect(page.locator("#count-checked")).to_have_text("1", timeout=15_000)
    for context, _ in phones:
        context.close()


def test_offline_scan_is_queued_and_synced_with_its_time(app, live_server, launch, guests):
    chromium = launch()  # a camera that sees no code
    context, page = door_page(chromium, live_server, guests["door"], guests["event_id"])
    page.fill("#device-name", "东门手机")
    page.dispatch_event("#device-name", "change")
    page.wait_for_selector('#door[data-shell-cached="1"]')

    context.set_offline(True)
    page.reload()  # the service worker serves the page shell without network
    page.wait_for_selector('#door[data-ready="1"]')
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert page.input_value("#device-name") == "东门手机"  # remembered on the phone
    before = datetime.now(UTC)
    page.fill("#manual-code", guests["codes"][0].lower())
    page.click("#manual-submit")
    assert result_of(page) == "queued"
    after = datetime.now(UTC)
    assert page.is_visible("#offline-banner")
    assert page.text_content("#queue-count") == "1"
    page.screenshot(path=str(TEST_TMP / "door-offline.png"))
    assert active_checkins(app, guests["attendee_ids"][0]) == []

    time.sleep(2)
    context.set_offline(False)
    page.wait_for_selector("#sync-list li[data-result='ok']", timeout=20_000)
    assert "束从轩" in page.text_content("#sync-list")
    expect(page.locator("#count-checked")).to_have_text("1", timeout=15_000)
    page.wait_for_selector("#offline-banner.d-none", state="attached")
    (checkin,) = active_checkins(app, guests["attendee_ids"][0])
    assert before <= checkin.scanned_at <= after  # the time of the scan, not of the sync
    assert checkin.device == "东门手机"
    assert (checkin.created_at - checkin.scanned_at).total_seconds() >= 1.5  # synced later
    context.close()


def test_door_page_in_english(app, live_server, launch, guests):
    chromium = launch()
    context, page = door_page(chromium, live_server, guests["door"], guests["event_id"], locale="en-GB")
    page.fill("#manual-code", "NOT-A-TICKET")
    page.click("#manual-submit")
    assert result_of(page) == "unknown_ticket"
    assert page.text_content("#result-title") == "Unknown ticket"
    assert "door-result-bad" in page.get_attribute("#result", "class")
    context.close()


def test_live_view_refreshes_itself(app, live_server, phone, make_user, guests):
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/events/{guests['event_id']}/checkins")
    assert page.text_content("#live-checked") == "0"
    with app.app_context(), unit_of_work():
        checkin.check_in(guests["event_id"], guests["codes"][1], "西门")
    expect(page.locator("#live-checked")).to_have_text("1", timeout=15_000)
    assert "王经理" in page.text_content("#recent")
    assert not page.csp_errors
