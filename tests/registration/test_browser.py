"""A registrant on a phone, in Chinese: invitation link → two attendees → consent → tickets → cancel."""
from __future__ import annotations

import re

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Invitation, InvitationStatus, Registration, RegistrationStatus
from tests import factories
from tests.conftest import TEST_TMP

SHOTS = TEST_TMP / "screenshots"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"registration-{name}.png"), full_page=True)


def test_register_two_attendees_on_a_phone_then_cancel(live_server, phone, app):
    with app.app_context():
        ev = factories.event(title="淮南牛肉汤产业项目路演会", capacity=120, venue="田家庵区招商服务中心一楼路演厅")
        org = factories.organisation("老乡鸡集团有限公司")
        inv = factories.invitation(ev, org, seats=3, contact_name="束从轩", email="shu@laoxiangji.example",
                                   status=InvitationStatus.sent)
        token, inv_id = inv.token, inv.id

    page = phone("zh-CN")
    page.goto(f"{live_server}/r/{token}")
    assert page.locator("h1").inner_text() == "淮南牛肉汤产业项目路演会"
    assert page.locator("#organisation").input_value() == "老乡鸡集团有限公司"
    assert page.locator("#attendees-0-name").input_value() == "束从轩"
    _shot(page, "1-invitation")

    page.fill("#attendees-0-phone", "138 0013 8000")
    page.fill("#attendees-0-title", "董事长")
    page.click("#add-attendee")
    assert page.locator(".attendee-row").count() == 2
    page.fill("#attendees-1-name", "王晓明")
    page.fill("#attendees-1-phone", "139-0013-9000")
    page.fill("#attendees-1-title", "副总经理")
    # submitting without consent keeps everything and says why, beside the checkbox
    page.click("#submit-registration")
    assert "请同意个人信息处理授权" in page.locator("#registration-form").inner_text()
    assert page.locator("#attendees-1-name").input_value() == "王晓明"
    _shot(page, "2-consent-missing")

    page.check("#consent")
    page.click("#submit-registration")
    page.wait_for_url(re.compile(r"/m/[\w-]+$"))
    assert page.locator("#status").inner_text() == "已确认"
    assert page.locator("#tickets .ticket").count() == 2
    srcs = [page.locator(".ticket-qr").nth(i).get_attribute("src") for i in range(2)]
    assert all(re.fullmatch(r"/tickets/[A-Z2-7]{26}\.png", s) for s in srcs)
    _shot(page, "3-manage")
    manage_url = page.url

    with app.app_context():
        reg = db.session.scalar(select(Registration).where(Registration.invitation_id == inv_id))
        assert [a.name for a in reg.attendees] == ["束从轩", "王晓明"]
        assert [a.phone for a in reg.attendees] == ["13800138000", "13900139000"]
        assert {f"/tickets/{a.ticket_code}.png" for a in reg.attendees} == set(srcs)
        assert db.session.get(Invitation, inv_id).status is InvitationStatus.registered

    page.click("#cancel-link")
    assert "确定要取消" in page.locator("#cancel-question").inner_text()
    _shot(page, "4-cancel")
    page.click("#confirm-cancel")
    page.wait_for_url(manage_url)
    assert page.locator("#status").inner_text() == "已取消"
    _shot(page, "5-cancelled")
    assert page.csp_errors == []

    with app.app_context():
        reg = db.session.scalar(select(Registration).where(Registration.invitation_id == inv_id))
        assert reg.status is RegistrationStatus.cancelled
