"""The "add to calendar" block other pages include, and the small page that shows it."""
from __future__ import annotations

import re

from flask import render_template_string

from roadshow.models import EventStatus
from tests import factories
from tests.app.test_i18n import english_words

BRANDS = {"Outlook"}  # a product name stays a product name in Chinese
MACRO = ('{% from "calendar/_add_to_calendar.html" import add_to_calendar %}'
         '{{ add_to_calendar(event, registrant_token=token) }}')


def test_page_in_chinese_and_english(app, client):
    # Requests outside the test's app context: each picks its own language.
    with app.app_context():
        event = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2023, 4, 18, 9), hours=3,
                                venue="田家庵区招商中心")
        event_id = event.id
    html = client.get(f"/events/{event_id}/calendar", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "添加到日历" in html and "订阅全部活动" in html and "手机日历" in html and "谷歌日历" in html
    assert "2023-04-18 09:00–12:00" in html
    assert english_words(html) - BRANDS == set()
    assert f'href="/events/{event_id}.ics"' in html
    assert 'href="webcal://localhost/calendar.ics"' in html
    assert 'value="http://localhost/calendar.ics"' in html
    english = client.get(f"/events/{event_id}/calendar?lang=en").get_data(as_text=True)
    assert "Add to calendar" in english and "Subscribe to all events" in english and "添加到日历" not in english


def test_webcal_link_follows_the_public_address(app, app_ctx, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://roadshow.tja.gov.cn")
    event = factories.event("路演")
    html = client.get(f"/events/{event.id}/calendar").get_data(as_text=True)
    assert 'href="webcal://roadshow.tja.gov.cn/calendar.ics"' in html


def test_cancelled_event_page_says_so(app_ctx, client):
    event = factories.event("路演", status=EventStatus.cancelled)
    html = client.get(f"/events/{event.id}/calendar").get_data(as_text=True)
    alert = re.search(r'id="event-cancelled">([^<]*)<', html)
    assert alert and "已取消" in alert.group(1)


def test_macro_with_a_registrant_token_links_their_copy(app, app_ctx):
    event = factories.event("路演")
    registration = factories.registration(event)
    with app.test_request_context("/"):
        html = render_template_string(MACRO, event=event, token=registration.manage_token)
        plain = render_template_string(MACRO, event=event, token=None)
    assert f'href="/m/{registration.manage_token}/event.ics"' in html
    assert f'href="/events/{event.id}.ics"' in plain
    assert re.search(r'id="add-to-calendar"', html)


def test_phone_screenshot(app, live_server, phone, tmp_path):
    from roadshow.extensions import db

    with app.app_context():
        event = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2023, 4, 18, 9), hours=3,
                                venue="田家庵区招商中心", address="安徽省淮南市田家庵区洞山中路 1 号")
        event_id = event.id
        db.session.remove()
    page = phone("zh-CN")
    page.goto(f"{live_server}/events/{event_id}/calendar")
    page.click("#add-to-calendar summary")
    assert page.locator("#calendar-ics").is_visible() and page.locator("#calendar-subscribe").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the block must fit a phone without sideways scrolling"
    page.screenshot(path=str(tmp_path / "add-to-calendar.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#calendar-ics")
    assert download.value.suggested_filename == f"roadshow-event-{event_id}.ics"
    assert page.csp_errors == []
