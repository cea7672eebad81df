"""The monthly report's page (desktop browser, in Chinese: the district against its targets, the teams ranked,
the stalled projects flagged, the chart drawn) and its spreadsheet (numbers, not text)."""
from __future__ import annotations

import os
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.conftest import sign_in, sign_in_page
from tests.figures.test_monthly_report import clock, data  # noqa: F401 — the data set, built for the purpose

pytestmark = pytest.mark.usefixtures("industries")
SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def test_the_monthly_page_in_a_browser(data, live_server, browser, make_user):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in_page(page, live_server, make_user("viewer"))
        page.goto(f"{live_server}/reports/monthly?month=2036-03")
        assert page.inner_text("h1").startswith("月调度")
        signed = page.locator('#district tr[data-metric="signed_count"]')
        assert signed.locator(".ytd").inner_text() == "3" and signed.locator(".completion").inner_text() == "30.0%"
        assert page.locator('#district tr[data-metric="signed_amount_wan"] .ytd').inner_text() == "12,300.50"
        assert page.locator('#district tr[data-metric="trips"] .completion').inner_text() == "60.0%"
        ranks = page.locator("#teams tbody tr")
        assert ranks.nth(0).inner_text().startswith("1\t月调度测试一队")
        assert ranks.nth(0).locator(".score").inner_text() == "55.0%"
        flags = [page.locator(".stalled-item .flag").nth(i).inner_text() for i in range(2)]
        assert flags == ["红色", "黄色"]
        assert "电话沟通开工计划" in page.locator(".stalled-item").first.inner_text()
        page.wait_for_selector("body[data-charts='1']")
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, "figures-monthly.png"), full_page=True)
        page.goto(f"{live_server}/reports/monthly?month=2036-13")
        assert "请按" in page.inner_text("#month-error")
    finally:
        context.close()


def test_the_monthly_spreadsheet_holds_numbers(data, client, make_user):  # noqa: F811
    assert sign_in(client, make_user("viewer")).status_code == 302
    r = client.get("/reports/monthly.xlsx?month=2036-03")
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.data))
    district, teams, stalled = wb.worksheets
    rows = {row[0].value: row for row in district.iter_rows(min_row=2)}
    signed = rows["新签约项目"]
    assert [c.value for c in signed[1:5]] == [1, 3, 10, 0.3] and signed[4].number_format == "0.0%"
    amount = rows["签约金额（万元）"]
    assert Decimal(str(amount[2].value)) == Decimal("12300.5") and amount[2].number_format == "#,##0.00"
    assert teams["B2"].value == "月调度测试一队" and teams["A2"].value == 1
    assert [stalled.cell(r, 1).value for r in (2, 3)] == ["红色", "黄色"]
