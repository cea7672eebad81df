"""Every mail the app sends comes from services/messages.py: a one-line subject, Chinese first, English
below."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roadshow.models import RegistrationStatus
from roadshow.services import mail, messages
from tests import factories

TITLE = "淮南牛肉汤\n产业项目\r\n路演会\u2028\tRoadshow\x0b"
ONE_LINE = "淮南牛肉汤 产业项目 路演会 Roadshow"


def _assert_bilingual(message: messages.Message, zh: str, en: str) -> None:
    assert "\n" not in message.subject and "\r" not in message.subject
    zh_subject, en_subject = message.subject.split(" / ")
    assert zh in zh_subject and ONE_LINE in zh_subject
    assert en in en_subject and ONE_LINE in en_subject
    # Chinese first, the English below, in the text and in the HTML.
    chinese, english = message.text.split(messages.TEXT_SEPARATOR)
    assert ("您好" in chinese or "尊敬的" in chinese) and "Hello" not in chinese and "Dear" not in chinese
    assert ("Hello" in english or "Dear" in english) and "您好" not in english
    assert message.html.index('<div lang="zh-CN">') < message.html.index('<div lang="en">')
    assert message.html.startswith("<!doctype html>") and f"<title>{message.subject}</title>" in message.html


REGISTRATION_SUBJECTS = {
    "confirmation": ("报名成功", "Registration confirmed"),
    "promotion": ("已确认", "A seat is free"),
    "updated": ("更新", "Your tickets, updated"),
    "waitlisted": ("候补", "You are on the waiting list"),
    "pending": ("审核", "awaiting approval"),
    "rejected": ("未通过", "Registration declined"),
    "cancelled": ("取消", "Registration cancelled"),
}


def test_every_registration_kind_is_listed():
    assert set(REGISTRATION_SUBJECTS) == set(messages.REGISTRATION_KINDS)


@pytest.mark.parametrize("kind", messages.REGISTRATION_KINDS)
def test_registration_mails(app_ctx, kind):
    ev = factories.event(TITLE)
    reg = factories.registration(ev, attendees=2, status=RegistrationStatus.confirmed)
    message = messages.registration(kind, reg, list(reg.attendees), with_manage=True)
    zh, en = REGISTRATION_SUBJECTS[kind]
    _assert_bilingual(message, zh, en)
    assert message.kind == ("confirmation" if kind == "updated" else kind)
    manage = f"http://localhost/m/{reg.manage_token}"
    assert (manage in message.text) is (kind not in ("cancelled", "rejected"))
    if kind in ("confirmation", "promotion", "updated"):
        code = reg.attendees[0].ticket_code
        assert f"http://localhost/tickets/{code}.png" in message.text
        assert f'href="http://localhost/tickets/{code}.png"' in message.html
    copy = messages.registration(kind, reg, [reg.attendees[1]], with_manage=False)
    assert manage not in copy.text and reg.attendees[0].name not in copy.text


def test_cancellation_mail(app_ctx):
    message = messages.event_cancelled(factories.event(TITLE, venue="会场 & 大厅"))
    _assert_bilingual(message, "活动已取消", "Event cancelled")
    assert message.kind == "event_cancelled"
    assert "会场 & 大厅" in message.text and "会场 &amp; 大厅" in message.html


def test_invitation_mail(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://roadshow.example.gov.cn/")
    inv = factories.invitation(factories.event(TITLE), factories.organisation("老乡鸡集团有限公司"),
                               contact_name="束从轩", seats=3)
    message = messages.invitation(inv)
    _assert_bilingual(message, "邀请", "Invitation")
    link = f"https://roadshow.example.gov.cn/r/{inv.token}"
    assert message.kind == "invitation" and link in message.text and f'href="{link}"' in message.html
    assert message.text.index("束从轩") < message.text.index("Dear")


def test_meeting_mail(app_ctx):
    from datetime import UTC, datetime

    from roadshow.extensions import db
    from roadshow.models import Interest, Project

    event = factories.event("路演会", venue="会场")
    reg = factories.registration(event, names=["李投资"])
    project = Project(name=TITLE)
    db.session.add(project)
    db.session.flush()
    interest = Interest(event_id=event.id, attendee_id=reg.attendees[0].id, project_id=project.id,
                        meeting=True, meeting_at=datetime(2031, 4, 18, 3, tzinfo=UTC), meeting_place="洽谈室 & 茶歇区")
    db.session.add(interest)
    db.session.flush()
    message = messages.meeting(interest)
    _assert_bilingual(message, "对接洽谈", "Meeting scheduled")
    assert message.kind == "meeting" and "2031-04-18 11:00" in message.text
    assert "洽谈室 & 茶歇区" in message.text and "洽谈室 &amp; 茶歇区" in message.html
    assert f"/m/{reg.manage_token}" in message.text


def test_one_line():
    assert messages.one_line(" a\nb\r\nc\u2028d\x00e\x85f\t ") == "a b c d e f"


def test_the_outbox_refuses_a_subject_with_a_line_break(app_ctx):
    with pytest.raises(ValueError):
        mail.queue("x@example.com", "two\nlines", "text", kind="test")


def test_reminder_mail(app_ctx):
    ev = factories.event(TITLE, venue="田家庵区招商服务中心")
    reg = factories.registration(ev, attendees=2, status=RegistrationStatus.confirmed)
    message = messages.reminder(reg, list(reg.attendees), with_manage=True)
    _assert_bilingual(message, "活动提醒", "Reminder")
    assert message.kind == "reminder"
    manage = f"http://localhost/m/{reg.manage_token}"
    assert f"{manage}/ticket" in message.text and manage in message.text
    code = reg.attendees[1].ticket_code
    assert f"http://localhost/tickets/{code}.png" in message.text
    copy = messages.reminder(reg, [reg.attendees[1]], with_manage=False)
    assert manage not in copy.text and reg.attendees[0].name not in copy.text


def test_change_notice_mail(app_ctx):
    ev = factories.event(TITLE, venue="新会场")
    old_start = ev.starts_at - timedelta(days=1)
    message = messages.event_changed(ev, {"starts_at": {"from": old_start, "to": ev.starts_at},
                                          "venue": {"from": "旧会场", "to": "新会场"}}, manage_url="http://localhost/m/x")
    _assert_bilingual(message, "活动变更", "Event changed")
    assert message.kind == "event_changed"
    assert "会场: 旧会场 → 新会场" in message.text and "Venue: 旧会场 → 新会场" in message.text
    assert "http://localhost/m/x" in message.text and "<s>旧会场</s>" in message.html

def test_broadcast_is_one_line_the_organisers_text_once_and_escaped(app_ctx):
    ev = factories.event(TITLE)
    message = messages.broadcast(ev, messages.one_line("提醒\n明天"), "<b>请准时</b>\n带名片", name="张三",
                                 link="http://localhost/m/abc", invited=False)
    assert message.subject == "提醒 明天" and "\n" not in message.subject
    chinese, english = message.text.split(messages.TEXT_SEPARATOR)
    assert "<b>请准时</b>\n带名片" in chinese and "请准时" not in english
    assert "Dear 张三" in english and "their message is above" in english
    assert "http://localhost/m/abc" in chinese and "http://localhost/m/abc" in english
    assert "&lt;b&gt;请准时&lt;/b&gt;" in message.html and "<b>请准时" not in message.html
