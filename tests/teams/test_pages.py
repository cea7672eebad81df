"""In the browser, in Chinese: the teams page (teams by kind, leader, members, links to their projects), creating
a team with members chosen among users, and adding a follow-up record on a phone in two taps."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import FollowUp, FollowUpKind, Project, Team
from tests.conftest import sign_in_page

SHOTS = os.environ.get("ROADSHOW_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"teams-{name}.png"), full_page=True)


@pytest.fixture
def demo(app):
    from roadshow.demo import scenario_2023 as demo_data

    with app.app_context():
        demo_data.load()
        db.session.commit()


def test_teams_page_and_new_team(app, live_server, phone, make_user, demo):
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("organiser"))
    page.goto(f"{live_server}/teams")
    assert page.inner_text("h1") == "招商队伍"
    assert page.locator("#kind-team .team-card").count() == 13
    assert page.locator("#kind-industry .team-card").count() == 9
    stations = page.locator("#kind-station .team-card")
    assert stations.count() == 3 and "宁波" in stations.first.inner_text() + stations.nth(1).inner_text() \
        + stations.nth(2).inner_text()
    food = page.locator(".team-card", has_text="绿色食品产业专班")
    assert "负责人: 王主任" in food.inner_text()
    _shot(page, "index")
    food.locator(".team-projects").click()
    page.wait_for_selector("#board")
    assert page.locator(".project-card", has_text="淮南牛肉汤预制菜中央厨房").count() == 1
    assert page.locator(".project-card", has_text="数字经济产业园").count() == 0  # another industry's team
    # a new team: the form refuses a station without its city, beside the field, then saves
    page.goto(f"{live_server}/teams/new")
    page.fill("#name", "驻合肥招商组")
    page.select_option("#kind", "station")
    page.locator(".team-member-choices label", has_text="梁干事").click()
    page.click("#team-form [type=submit]")
    assert "驻点招商组需填写所在城市。" in page.inner_text("#team-form")
    page.fill("#city", "合肥")
    page.click("#team-form [type=submit]")
    page.wait_for_selector("#team-name")
    assert page.inner_text("#team-name") == "驻合肥招商组"
    assert "梁干事" in page.inner_text("#people")
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == "驻合肥招商组"))
        assert team.city == "合肥" and [u.name for u in team.members] == ["梁干事"]


def test_add_follow_up_on_a_phone(app, live_server, phone, make_user, demo):
    with app.app_context():
        pid = db.session.scalar(select(Project.id).where(Project.name == "淮南牛肉汤预制菜中央厨房"))
    page = phone("zh-CN")
    sign_in_page(page, live_server, make_user("organiser", name="测试干事"))
    page.goto(f"{live_server}/pipeline/projects/{pid}")
    items = page.locator(".follow-up-item")
    assert items.count() == 2 and "进入实质性洽谈" in items.first.inner_text()  # newest first
    page.fill("#follow-up-form textarea[name=note]", "电话回访，企业下周来考察")  # tap one: the note
    _shot(page, "project")
    page.click("#follow-up-form .follow-up-kind[data-kind=call]")  # tap two: the kind saves it
    page.wait_for_selector(".alert-success")
    assert page.locator(".follow-up-item").count() == 3
    first = page.locator(".follow-up-item").first.inner_text()
    assert "电话回访，企业下周来考察" in first and "电话" in first and "测试干事" in first
    _shot(page, "project-added")
    with app.app_context():
        record = db.session.scalars(select(FollowUp).where(FollowUp.project_id == pid)
                                    .order_by(FollowUp.id.desc())).first()
        assert record.kind is FollowUpKind.call and record.note == "电话回访，企业下周来考察"
    # without a note: the error beside the field, nothing written
    page.click("#follow-up-form .follow-up-kind[data-kind=visit]")
    assert "请填写跟进内容。" in page.inner_text("#follow-up-form")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(FollowUp).where(FollowUp.project_id == pid)) == 3
