"""An organiser on a phone, in Chinese: a bad credit code is explained beside the field; fixed, the
organisation appears in the list and the search finds it."""
from __future__ import annotations

from tests.conftest import TEST_TMP, sign_in_page


def test_create_organisation_on_a_phone_in_chinese(live_server, phone, make_user, industries):
    email = make_user("organiser")
    page = phone("zh-CN")
    sign_in_page(page, live_server, email)

    # the nav item sits behind the phone menu button
    page.click(".navbar-toggler")
    page.click("#nav-organisations")
    page.wait_for_url(f"{live_server}/organisations/")
    assert page.locator("#no-organisations").is_visible()
    page.click("#new-organisation")

    page.fill("#name", "淮南市牛肉汤食品有限公司")
    page.select_option("#kind", "enterprise")
    page.fill("#credit_code", "91440300708461136u")  # last character wrong
    page.select_option("#industry", "绿色食品")
    page.fill("#city", "淮南市")
    page.click("#save")
    page.wait_for_load_state()

    error = page.locator("#credit_code + .invalid-feedback")
    assert error.is_visible()
    assert error.inner_text() == "统一社会信用代码无效（请核对 18 位字符）。"
    assert "is-invalid" in page.get_attribute("#credit_code", "class")
    # what was typed is still there, and the error is on screen next to the field on a phone
    assert page.input_value("#name") == "淮南市牛肉汤食品有限公司"
    assert page.input_value("#industry") == "绿色食品"
    box = error.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.screenshot(path=str(TEST_TMP / "organisation-error-phone.png"), full_page=True)

    page.fill("#credit_code", "91440300708461136t")  # fixed; lower case is fine
    page.click("#save")
    page.wait_for_url(f"{live_server}/organisations/")
    assert "已创建单位 淮南市牛肉汤食品有限公司。" in page.locator(".alert-success").inner_text()
    item = page.locator("#organisation-list li").first
    assert "淮南市牛肉汤食品有限公司" in item.inner_text()
    assert "91440300708461136T" in item.inner_text()

    page.fill("#q", "牛肉汤")
    page.click("#search-button")
    page.wait_for_load_state()
    assert "共有 1 家单位符合条件。" in page.inner_text("#result-count")
    assert "淮南市牛肉汤食品有限公司" in page.inner_text("#organisation-list")
    page.fill("#q", "不存在的单位")
    page.click("#search-button")
    page.wait_for_load_state()
    assert page.locator("#no-organisations").is_visible()
    page.screenshot(path=str(TEST_TMP / "organisation-list-phone.png"), full_page=True)

    # no horizontal scrolling on a phone, and the CSP is respected
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.csp_errors == []
