"""The public registration pages and the organisers' registration console, through real HTTP forms."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    EventStatus,
    Invitation,
    InvitationStatus,
    OrgKind,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)
from tests import factories
from tests.app.test_i18n import english_words
from tests.conftest import sign_in as _login


def csrf(html: str, prefix: str = "") -> str:
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


def settle():
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


def form_data(html: str, attendees: list[dict], consent: bool = True, **extra) -> dict:
    data = {"csrf_token": csrf(html), **extra}
    if consent:
        data["consent"] = "y"
    for i, a in enumerate(attendees):
        for key, value in a.items():
            data[f"attendees-{i}-{key}"] = value
    return data


@pytest.fixture
def invitation(app_ctx):
    ev = factories.event(capacity=10, venue="田家庵区招商服务中心一楼路演厅")
    org = factories.organisation("老乡鸡集团有限公司")
    return factories.invitation(ev, org, seats=3, contact_name="束从轩", email="shu@laoxiangji.example",
                                status=InvitationStatus.sent)


def test_invitation_page_is_chinese_prefilled_and_marks_opened(client, invitation):
    r = client.get(f"/r/{invitation.token}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert english_words(html) == set(), english_words(html)
    assert 'value="老乡鸡集团有限公司"' in html and 'value="束从轩"' in html
    assert 'href="/privacy"' in html and "个人信息" in html
    assert 'data-max="3"' in html and "js/registration.js" in html
    settle()
    inv = db.session.get(Invitation, invitation.id)
    assert inv.status is InvitationStatus.opened and inv.opened_at is not None


def test_register_from_the_form_then_manage_edit_and_cancel(client, invitation):
    html = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    r = client.post(f"/r/{invitation.token}", data=form_data(html, [
        {"name": "束从轩", "phone": "138-0013-8000", "email": "shu@laoxiangji.example", "title": "董事长"},
        {"name": "王二", "phone": "13900139000"}], organisation="老乡鸡集团有限公司"))
    assert r.status_code == 302 and "/m/" in r.headers["Location"]
    manage = r.headers["Location"]
    page = client.get(manage).get_data(as_text=True)
    settle()
    reg = db.session.scalar(select(Registration))
    codes = [a.ticket_code for a in reg.attendees]
    assert "已确认" in page
    assert english_words(re.sub("|".join(codes), "", page)) == set()
    for attendee in reg.attendees:
        assert f'src="/tickets/{attendee.ticket_code}.png"' in page
    # a second visit of the invitation link leads to the registration
    assert client.get(f"/r/{invitation.token}").headers["Location"].endswith(manage)

    # edit: drop the second attendee, rename the first; the kept ticket stays
    code = reg.attendees[0].ticket_code
    r = client.post(f"{manage}/attendees", data=form_data(page, [
        {"id": str(reg.attendees[0].id), "name": "束从轩（董事长）", "phone": "13800138000"}], consent=False))
    assert r.status_code == 302
    page = client.get(manage).get_data(as_text=True)
    assert "束从轩（董事长）" in page and "王二" not in page and code in page

    # a bad phone in the edit form is shown beside the field
    r = client.post(f"{manage}/attendees", data=form_data(page, [{"name": "甲", "phone": "12"}], consent=False))
    assert r.status_code == 422 and "is-invalid" in r.get_data(as_text=True) and "手机号" in r.get_data(as_text=True)

    # cancel asks once more
    confirm = client.get(f"{manage}/cancel").get_data(as_text=True)
    assert "确定要取消" in confirm
    r = client.post(f"{manage}/cancel", data={"cancel-csrf_token": csrf(confirm, "cancel")})
    assert r.status_code == 302
    page = client.get(manage).get_data(as_text=True)
    assert "已取消" in page and 'id="register-again"' in page


@pytest.mark.parametrize("attendees,consent,message", [
    ([{"name": "甲", "phone": "13800138000"}], False, "请同意个人信息处理授权"),
    ([{"name": "甲", "phone": "0551-1234"}], True, "中国大陆手机号"),
    ([{"name": "", "phone": "13800138000"}], True, "请填写参会人姓名"),
    ([{"name": str(i), "phone": "13800138000"} for i in range(4)], True, "最多可报名 3 位参会人"),
])
def test_form_errors_are_shown_in_chinese_and_nothing_is_written(client, invitation, attendees, consent, message):
    html = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    r = client.post(f"/r/{invitation.token}", data=form_data(html, attendees, consent=consent,
                                                             organisation="老乡鸡集团有限公司"))
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert message in page
    settle()
    assert db.session.scalar(select(Registration)) is None


def test_decline_and_unknown_tokens(client, invitation):
    html = client.get(f"/r/{invitation.token}").get_data(as_text=True)
    r = client.post(f"/r/{invitation.token}/decline", data={"decline-csrf_token": csrf(html, "decline")})
    assert r.status_code == 200 and "婉拒" in r.get_data(as_text=True)
    settle()
    assert db.session.get(Invitation, invitation.id).status is InvitationStatus.declined
    assert "您已婉拒本次邀请" in client.get(f"/r/{invitation.token}").get_data(as_text=True)
    for path in ("/r/no-such-token", "/m/no-such-token", "/m/no-such-token/cancel", "/e/999999"):
        r = client.get(path)
        assert r.status_code == 404 and "链接无效" in r.get_data(as_text=True) or "不存在" in r.get_data(as_text=True)


def test_closed_events(client, app_ctx):
    cancelled = factories.event(status=EventStatus.cancelled)
    inv = factories.invitation(cancelled)
    html = client.get(f"/r/{inv.token}").get_data(as_text=True)
    assert "本活动已取消" in html and 'id="registration-form"' not in html
    draft = factories.event(status=EventStatus.draft, registration_mode=RegistrationMode.open)
    assert client.get(f"/e/{draft.id}").status_code == 404


def test_open_event_page_registers(client, app_ctx):
    ev = factories.event(registration_mode=RegistrationMode.open, capacity=1)
    html = client.get(f"/e/{ev.id}").get_data(as_text=True)
    assert 'id="registration-form"' in html and english_words(html) == set(), english_words(html)
    r = client.post(f"/e/{ev.id}", data=form_data(html, [{"name": "刘一", "phone": "+86 139 0000 0001"}],
                                                  organisation="上海鲜到家网络科技有限公司", kind="ecommerce"))
    assert r.status_code == 302
    assert "已确认" in client.get(r.headers["Location"]).get_data(as_text=True)
    # full now: the page says so, the next one waits
    html = client.get(f"/e/{ev.id}").get_data(as_text=True)
    assert 'id="full-notice"' in html
    r = client.post(f"/e/{ev.id}", data=form_data(html, [{"name": "陈二", "phone": "13900000002"}],
                                                  organisation="桉树资本管理有限公司", kind="fund"))
    assert "候补中" in client.get(r.headers["Location"]).get_data(as_text=True)
    invite_only = factories.event()
    assert 'id="invite-only"' in client.get(f"/e/{invite_only.id}").get_data(as_text=True)


def test_privacy_notice_has_its_version(client, app):
    html = client.get("/privacy").get_data(as_text=True)
    assert app.config["PRIVACY_POLICY_VERSION"] in html and "个人信息保护法" in html
    assert english_words(html) == set()
    assert "Personal Information Protection Law" in client.get("/privacy?lang=en").get_data(as_text=True)


def test_console_list_detail_approve_reject(client, app, make_user):
    # No app context held across requests here: the requests must each get their own (session, CSRF).
    with app.app_context():
        ev = factories.event(capacity=5, approval_required=True)
        bank = factories.organisation("徽商银行股份有限公司淮南分行", kind=OrgKind.bank)
        pending = factories.registration(ev, attendees=2, status=RegistrationStatus.pending, org=bank,
                                         names=["钱行长", "孙经理"])
        other = factories.registration(ev, attendees=1)
        ev, phone, pending_id, other_id = ev.id, pending.attendees[0].phone, pending.id, other.id
    assert _login(client, make_user("organiser")).status_code == 302
    html = client.get(f"/events/{ev}/registrations/").get_data(as_text=True)
    assert "钱行长" in html and "徽商银行" in html and english_words(html) == set(), english_words(html)
    banks = client.get(f"/events/{ev}/registrations/?kind=bank").get_data(as_text=True)
    assert "徽商银行" in banks and f"/registrations/{other_id}" not in banks
    assert "徽商银行" not in client.get(f"/events/{ev}/registrations/?status=confirmed").get_data(as_text=True)

    detail = client.get(f"/events/{ev}/registrations/{pending_id}").get_data(as_text=True)
    assert phone in detail
    assert english_words(detail.replace("版本 test", "")) == set(), english_words(detail)  # factory's version
    r = client.post(f"/events/{ev}/registrations/{pending_id}/approve",
                    data={"approve-csrf_token": csrf(detail, "approve")})
    assert r.status_code == 302, r.get_data(as_text=True)
    detail = client.get(f"/events/{ev}/registrations/{pending_id}").get_data(as_text=True)
    assert "已确认" in detail
    r = client.post(f"/events/{ev}/registrations/{pending_id}/reject",
                    data={"reject-csrf_token": csrf(detail, "reject"), "reject-reason": "行程冲突"})
    detail = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "未通过" in detail and "行程冲突" in detail
    assert client.get(f"/events/{ev}/registrations/999999").status_code == 404


@pytest.mark.parametrize("role", ["door", "viewer"])
def test_door_and_viewer_never_see_phone_numbers(client, app, make_user, role):
    with app.app_context():
        ev = factories.event()
        reg = factories.registration(ev)
        ev, reg_id = ev.id, reg.id
    _login(client, make_user(role))
    assert client.get(f"/events/{ev}/registrations/").status_code == 403
    assert client.get(f"/events/{ev}/registrations/{reg_id}").status_code == 403
