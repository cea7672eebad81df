"""Signing in and out on a phone, in a real browser against a real server (gunicorn on the test database).

Chinese first: a browser that speaks Chinese gets Chinese pages; English is one tap away in the menu,
and the choice is kept in a cookie.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

SCREENSHOT = "/tmp/e2e-console-zh.png"
PAST_EVENT = "淮南牛肉汤产业项目路演会"
UPCOMING_EVENT = "田家庵区2027年长三角招商推介会（上海）"
LOGIN_URL = re.compile(r"/login(\?.*)?$")


@pytest.fixture
def demo(app):
    """The demo scenario of `make run` in the test database (the server reads the same database)."""
    from roadshow.demo import scenario_2023 as demo_data
    from roadshow.extensions import db
    from roadshow.labels import wan
    from roadshow.services.dashboard import pipeline_counts

    with app.app_context():
        demo_data.load()
        db.session.commit()
        # per stage: (projects, amount in 万元 as the page formats it), from the database itself
        return {row.stage.value: (row.count, wan(row.amount_wan)) for row in pipeline_counts()}


# --- helpers ----------------------------------------------------------------------------------------------

def assert_fits_the_phone(page: Page) -> None:
    """No Content-Security-Policy errors so far, and nothing wider than the phone's screen."""
    assert page.csp_errors == []
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert inner_width == page.viewport_size["width"], "the page was zoomed out to fit something too wide"
    assert scroll_width <= inner_width, f"horizontal scrolling on {page.url}: {scroll_width}px > {inner_width}px"


def open_menu(page: Page) -> None:
    """On a phone the navbar is collapsed: tap the toggler and wait until the menu is open."""
    toggler = page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    if toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    expect(page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))


def sign_in(page: Page, email: str, password: str, *, email_label: str, password_label: str,
            button: str) -> None:
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(password)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def status_of_home(page: Page, base: str) -> tuple[int, str]:
    """What the server answers this browser (its cookies) for `/`, without following redirects."""
    response = page.request.get(f"{base}/", max_redirects=0)
    return response.status, response.headers.get("location", "")


def password_error(page: Page):
    return page.locator("#login-form .mb-3").filter(has=page.locator("#password")).locator(".invalid-feedback")


def pipeline_row(page: Page, stage: str):
    return page.locator(f'#pipeline tr[data-stage="{stage}"] td')


# --- Chinese --------------------------------------------------------------------------------------------

def test_sign_in_and_out_in_chinese(live_server, phone, make_user, demo):
    email = make_user("organiser", name="测试 王主任")
    page = phone("zh-CN")

    # Not signed in: the console sends us to the sign-in page, in Chinese.
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_title("登录 · 路演通")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.get_by_label("邮箱")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Sign in")
    assert_fits_the_phone(page)

    # A wrong password: the error is shown under the password field, and nobody is signed in.
    sign_in(page, email, "not-the-password", email_label="邮箱", password_label="密码", button="登录")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("#password")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(password_error(page)).to_have_text("邮箱或密码错误。")
    expect(password_error(page)).to_be_visible()
    expect(page.get_by_label("邮箱")).to_have_value(email)
    expect(page.locator("#current-user")).to_have_count(0)
    expect(page.locator("#logout")).to_have_count(0)
    assert status_of_home(page, live_server)[0] == 302
    assert_fits_the_phone(page)

    # The right password: the console home, with a welcome that names the user.
    sign_in(page, email, PASSWORD, email_label="邮箱", password_label="密码", button="登录")
    expect(page).to_have_url(f"{live_server}/")
    expect(page).to_have_title("工作台 · 路演通")
    expect(page.get_by_role("alert")).to_have_text("欢迎，测试 王主任。")
    events = page.locator("#events")
    expect(events.get_by_text("即将举行的活动", exact=True)).to_be_visible()

    # Demo data: the coming event under "upcoming", the 2023 roadshow (Beijing time) under "past".
    upcoming = events.locator(".card").filter(has=page.locator(".card-header", has_text="即将举行的活动"))
    past = events.locator(".card").filter(has=page.locator(".card-header", has_text="已结束的活动"))
    expect(past).to_be_visible()
    expect(upcoming.locator("li")).to_have_count(1)
    expect(upcoming.locator("li")).to_contain_text(UPCOMING_EVENT)
    expect(upcoming.locator("li")).to_contain_text("2027-03-18 14:00 – 17:30")
    expect(upcoming.locator("li .badge")).to_have_text("已发布")
    past_event = past.locator("li", has_text=PAST_EVENT)
    expect(past_event).to_be_visible()
    expect(past_event).to_contain_text("2023-04-18 09:00 – 12:00")
    expect(past_event).to_contain_text("田家庵区招商服务中心一楼路演厅")
    expect(past_event.locator(".badge")).to_have_text("已结束")
    expect(upcoming).not_to_contain_text(PAST_EVENT)
    expect(page.locator("#no-upcoming")).to_have_count(0)

    # The pipeline, stage by stage, with counts and amounts in 万元.
    pipeline = page.locator("#pipeline")
    expect(pipeline).to_be_visible()
    expect(pipeline.locator(".card-header")).to_have_text("招商项目库")
    expect(pipeline.locator("thead th")).to_have_text(["阶段", "项目数", "金额（万元）"])
    expect(pipeline.locator("tbody td:first-child")).to_have_text(
        ["线索", "在谈", "已签约", "已开工", "已投产", "已终止"])
    signed, started = demo["signed"], demo["started"]
    expect(pipeline_row(page, "signed")).to_have_text(["已签约", str(signed[0]), signed[1]])
    expect(pipeline_row(page, "started")).to_have_text(["已开工", str(started[0]), started[1]])
    expect(page.locator("#no-projects")).to_have_count(0)
    assert_fits_the_phone(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The user's name and the sign-out button live in the collapsed menu.
    expect(page.locator("#logout")).to_be_hidden()
    open_menu(page)
    expect(page.locator("#current-user")).to_have_text("测试 王主任")
    expect(page.locator("#current-user")).to_be_visible()
    expect(page.locator("#lang-switch")).to_have_text("English")
    logout = page.locator("#logout")
    expect(logout).to_have_text("退出登录")
    logout.click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("alert")).to_have_text("您已退出登录。")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator("#current-user")).to_have_count(0)
    assert_fits_the_phone(page)

    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert_fits_the_phone(page)


# --- English --------------------------------------------------------------------------------------------

def test_sign_in_and_out_in_english_chosen_on_the_login_page(live_server, phone, make_user, demo):
    email = make_user("organiser", name="Test Organiser")
    page = phone("zh-CN")  # the browser speaks Chinese: only the switch (then its cookie) makes pages English

    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    # visible at once on a phone, outside the collapsed menu: a reader of the other language must find it
    switch = page.locator("#lang-switch")
    expect(switch).to_be_visible()
    expect(switch).to_have_text("English")
    switch.click()

    expect(page).to_have_url(f"{live_server}/login?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Sign in · Roadshow")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("lang") == "en"
    assert_fits_the_phone(page)

    # The choice sticks: the next page, without ?lang=, is English too.
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("登录")

    sign_in(page, email, "not-the-password", email_label="Email", password_label="Password", button="Sign in")
    expect(page).to_have_url(LOGIN_URL)
    expect(password_error(page)).to_have_text("Wrong email or password.")
    expect(password_error(page)).to_be_visible()
    assert status_of_home(page, live_server)[0] == 302
    assert_fits_the_phone(page)

    sign_in(page, email, PASSWORD, email_label="Email", password_label="Password", button="Sign in")
    expect(page).to_have_url(f"{live_server}/")
    expect(page).to_have_title("Console · Roadshow")
    expect(page.get_by_role("alert")).to_have_text("Welcome, Test Organiser.")
    events = page.locator("#events")
    expect(events.get_by_text("Upcoming events", exact=True)).to_be_visible()
    past = events.locator(".card").filter(has=page.locator(".card-header", has_text="Past events"))
    expect(past.locator("li", has_text=PAST_EVENT)).to_be_visible()
    expect(past.locator("li .badge")).to_have_text("Ended")
    pipeline = page.locator("#pipeline")
    expect(pipeline.locator(".card-header")).to_have_text("Investment pipeline")
    expect(pipeline.locator("thead th")).to_have_text(["Stage", "Projects", "Amount (10k yuan)"])
    signed = demo["signed"]
    expect(pipeline_row(page, "signed")).to_have_text(["Signed", str(signed[0]), signed[1]])
    expect(page.locator("body")).not_to_contain_text("即将举行的活动")
    assert_fits_the_phone(page)

    open_menu(page)
    expect(page.locator("#current-user")).to_have_text("Test Organiser")
    expect(page.locator("#lang-switch")).to_have_text("中文")
    expect(page.locator("#logout")).to_have_text("Sign out")
    page.locator("#logout").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("alert")).to_have_text("You have signed out.")
    page.goto(f"{live_server}/")  # signing out keeps the language
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_fits_the_phone(page)


def test_browser_speaking_english_gets_english(live_server, phone):
    page = phone("en-US")
    page.goto(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_fits_the_phone(page)


# --- roles ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, sees_pipeline", [("door", False), ("viewer", True)])
def test_console_shows_what_the_role_may_read(live_server, phone, make_user, role, sees_pipeline):
    email = make_user(role, name=f"测试{role}")
    page = phone("zh-CN")
    page.goto(f"{live_server}/login")
    sign_in(page, email, PASSWORD, email_label="邮箱", password_label="密码", button="登录")

    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator("#events")).to_be_visible()
    # Empty database: the empty state explains what comes next.
    expect(page.locator("#no-upcoming")).to_contain_text("暂无")
    if sees_pipeline:
        expect(page.locator("#pipeline")).to_be_visible()
        expect(page.locator("#pipeline .card-header")).to_have_text("招商项目库")
        expect(page.locator("#no-projects")).to_be_visible()
    else:
        expect(page.locator("#pipeline")).to_have_count(0)
        expect(page.locator("body")).not_to_contain_text("招商项目库")
    open_menu(page)
    expect(page.locator("#current-user")).to_have_text(f"测试{role}")
    assert_fits_the_phone(page)


# --- session --------------------------------------------------------------------------------------------

def test_back_after_sign_out_does_not_reopen_the_console(live_server, phone, make_user):
    email = make_user("organiser")
    page = phone("zh-CN")
    page.goto(f"{live_server}/")
    sign_in(page, email, PASSWORD, email_label="邮箱", password_label="密码", button="登录")
    expect(page).to_have_url(f"{live_server}/")
    expect(page.locator("#events")).to_be_visible()
    open_menu(page)
    page.locator("#logout").click()
    expect(page.get_by_role("alert")).to_have_text("您已退出登录。")

    page.go_back()
    page.reload()
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect(page.locator("#events")).to_have_count(0)
    expect(page.locator("#current-user")).to_have_count(0)
    assert status_of_home(page, live_server) == (302, "/login?next=%2F")
    assert_fits_the_phone(page)
