"""The monthly report's console page shows its stalled list 50 a page (`?page=`, previous and next keeping the
month, a count line; junk or a page past the end gives the first or the last), and its print view (`?print=1`)
the whole list. The data set is test_stalled_pages's: 1,030 stalled projects in 2040."""
from __future__ import annotations

import os
import re

import pytest

from roadshow.services import monthly
from roadshow.web.figures import STALLED_PER_PAGE
from tests.conftest import sign_in, sign_in_page
from tests.figures.test_stalled_pages import COUNT, MONTH, stalled_data  # noqa: F401 — the data set

pytestmark = pytest.mark.usefixtures("stalled_data")
SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def test_the_api_still_gives_the_whole_list(client, auth):
    r = client.get("/api/v1/reports/monthly?month=2040-06", headers=auth("viewer"))
    assert r.status_code == 200
    assert [s["project_id"] for s in r.json["stalled"]] == [s["project_id"] for s in monthly_full(client.application)]


def monthly_full(app):
    with app.app_context():
        return monthly.stalled(MONTH)


def _shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="list-group-item stalled-item" data-project="(\d+)"', html)]


def test_page_two_shows_rows_51_to_100(client, make_user):
    full = [s["project_id"] for s in monthly_full(client.application)]
    assert sign_in(client, make_user("viewer")).status_code == 302
    assert STALLED_PER_PAGE == 50
    first = client.get("/reports/monthly?month=2040-06").get_data(as_text=True)
    assert _shown(first) == full[:50]
    assert "第 1–50 个，共 1,030 个" in first
    r = client.get("/reports/monthly?month=2040-06&page=2")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _shown(html) == full[50:100]
    assert "第 51–100 个，共 1,030 个" in html
    assert "第 2 / 21 页" in html
    # previous and next keep the month
    assert 'href="/reports/monthly?month=2040-06&amp;page=1" id="previous-page"' in html
    assert 'href="/reports/monthly?month=2040-06&amp;page=3" id="next-page"' in html
    last = client.get("/reports/monthly?month=2040-06&page=21").get_data(as_text=True)
    assert _shown(last) == full[1000:] and "第 1,001–1,030 个，共 1,030 个" in last
    assert re.search(r'class="page-item disabled">\s*<a class="page-link" [^>]*id="next-page"', last)


@pytest.mark.parametrize("value, page", [("abc", 1), ("0", 1), ("-2", 1), ("", 1), ("1.5", 1), ("²", 1),
                                         ("%EF%BC%92", 1), ("22", 21), ("99999999999999999999999", 21)])
def test_a_bad_page_gives_the_first_or_the_last(client, make_user, value, page):
    full = [s["project_id"] for s in monthly_full(client.application)]
    assert sign_in(client, make_user("viewer")).status_code == 302
    r = client.get(f"/reports/monthly?month=2040-06&page={value}")
    assert r.status_code == 200
    assert _shown(r.get_data(as_text=True)) == full[(page - 1) * 50:page * 50]
    for view in ("", "&print=1"):  # a bad month beside it is still the form's error
        r = client.get(f"/reports/monthly?month=2040-13&page={value}{view}")
        assert r.status_code == 422 and 'id="month-error"' in r.get_data(as_text=True)


def test_the_print_view_shows_every_stalled_project(client, make_user):
    full = [s["project_id"] for s in monthly_full(client.application)]
    assert sign_in(client, make_user("viewer")).status_code == 302
    page = client.get("/reports/monthly?month=2040-06&page=3").get_data(as_text=True)
    assert 'href="/reports/monthly?month=2040-06&amp;print=1" id="print-view"' in page
    r = client.get("/reports/monthly?month=2040-06&print=1")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _shown(html) == full
    assert "共 1,030 个" in html and "stalled-pagination" not in html
    assert 'id="print-report"' in html and 'id="print-view"' not in html  # its button prints
    assert 'href="/reports/monthly?month=2040-06" id="back-to-report"' in html


def test_next_in_a_browser_shows_the_second_page(app, live_server, browser, make_user):
    full = monthly_full(app)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, make_user("viewer"))
        page.goto(f"{live_server}/reports/monthly?month=2040-06")
        assert page.inner_text("#stalled-count") == "第 1–50 个，共 1,030 个"
        page.click("#next-page")
        page.wait_for_url(re.compile(r"page=2"))
        assert page.inner_text("#stalled-count") == "第 51–100 个，共 1,030 个"
        assert page.locator(".stalled-item").first.get_attribute("data-project") == str(full[50]["project_id"])
        assert "month=2040-06" in page.url
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, "figures-monthly-page-2.png"), full_page=True)
        page.click("#print-view")
        page.wait_for_url(re.compile(r"print=1"))
        assert page.locator(".stalled-item").count() == COUNT
    finally:
        context.close()

