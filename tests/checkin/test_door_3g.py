"""The door page on a throttled phone network (chromium's network emulation at DevTools' "Regular 3G"):
the first visit and the second, through the service worker, both get to "ready to scan" and check a typed
code in. Functional only: how long it takes is measured by `python -m benchmarks --only door3g`."""
from __future__ import annotations

from sqlalchemy import select

from benchmarks.door3g import REGULAR_3G, USER_AGENT, signed_in_cookies, throttle
from roadshow.extensions import db
from roadshow.models import CheckIn, CheckInStatus
from tests.conftest import PASSWORD, PHONE


def checked_in(app, attendee_id) -> int:
    with app.app_context():
        return len(db.session.scalars(select(CheckIn).where(CheckIn.attendee_id == attendee_id,
                                                           CheckIn.status == CheckInStatus.active)).all())


def scan_typed(page, code: str) -> None:
    page.fill("#manual-code", code)
    page.click("#manual-submit")
    page.wait_for_selector("#result[data-result='ok']", timeout=30_000)


def test_door_page_on_3g_first_and_second_visit(app, live_server, browser, guests):
    context = browser.new_context(user_agent=USER_AGENT, locale="zh-CN", **PHONE)
    try:
        # Signed in beforehand, elsewhere: the door page's visit starts with nothing cached.
        context.add_cookies(signed_in_cookies(live_server, guests["door"], PASSWORD))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        throttle(context, page, REGULAR_3G)
        door = f"{live_server}/door/{guests['event_id']}"

        page.goto(door, wait_until="commit")
        page.wait_for_selector('#door[data-ready="1"]', timeout=30_000)
        assert page.is_enabled("#manual-code") and page.is_enabled("#manual-submit")
        assert page.evaluate("performance.getEntriesByName('door-ready').length") == 1
        assert page.text_content("#result-title") == "等待扫码"
        scan_typed(page, guests["codes"][0].lower())
        assert page.text_content("#result-title") == "已签到"
        assert page.text_content("#result-name") == "束从轩"
        assert page.text_content("#count-checked") == "1"
        assert checked_in(app, guests["attendee_ids"][0]) == 1
        page.wait_for_selector('#door[data-shell-cached="1"]', timeout=30_000)

        # Second visit: the service worker answers the shell's versioned files from its cache, without
        # asking the network; only the page itself (always fresh) and the data go out.
        from_network: list[str] = []
        context.on("request", lambda r: r.service_worker is not None and "?v=" in r.url and from_network.append(r.url))
        context._throttle_workers()
        page.goto(door, wait_until="commit")
        page.wait_for_selector('#door[data-ready="1"]', timeout=30_000)
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        scan_typed(page, guests["codes"][1])
        assert page.text_content("#result-name") == "王经理"
        assert page.text_content("#count-checked") == "2"
        assert checked_in(app, guests["attendee_ids"][1]) == 1
        assert from_network == []
        assert errors == []
    finally:
        context.close()
