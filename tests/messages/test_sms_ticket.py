"""The ticket link by SMS on confirmation (issue 18): an event's `sms_ticket` setting through the API and the
console's event form; a confirmed registrant with a mobile number gets one SMS of one segment at the loopback
gateway, whose short link opens their ticket and manage page; nothing when the setting is off or without a
mobile number; a waitlisted registrant gets it once, when promoted."""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import requests
from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Event, InvitationStatus, Registration, RegistrationStatus, SmsMessage, SmsStatus
from roadshow.services import sms
from tests import factories
from tests.conftest import free_port, sign_in_page, start_gunicorn, stop
from tests.sms_gateway import Gateway

TITLE = "淮南牛肉汤产业项目路演会"
EVENT = {"title": TITLE, "starts_at": "2031-04-18T09:00:00+08:00", "ends_at": "2031-04-18T12:00:00+08:00",
         "registration_mode": "open", "status": "published"}


def _register(client, event_id: int, phone: str, name: str = "束从轩", email: str | None = None):
    response = client.post("/api/v1/public/registrations", json={
        "event_id": event_id, "organisation": {"name": "老乡鸡集团有限公司", "kind": "enterprise"},
        "attendees": [{"name": name, "phone": phone, **({"email": email} if email else {})}], "consent": True})
    assert response.status_code == 201, response.json
    return response.json


def _link(text: str) -> str:
    match = re.search(r"https?://\S+/s/[\w-]+$", text)
    assert match, text
    return match.group(0)


def _path(url: str) -> str:
    return urlsplit(url).path


def _follow(client, link: str):
    """Open the short link as the registrant's phone does: the redirect, then the page it leads to."""
    answer = client.get(_path(link))
    assert answer.status_code == 302, answer.status_code
    return answer.headers["Location"], client.get(_path(answer.headers["Location"]))


def _stored_sms() -> list[SmsMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def test_the_setting_is_off_by_default_and_set_through_the_api(client, auth, app_ctx):
    headers = auth("organiser")
    created = client.post("/api/v1/events", headers=headers, json=EVENT)
    assert created.status_code == 201 and created.json["sms_ticket"] is False
    event_id = created.json["id"]
    changed = client.patch(f"/api/v1/events/{event_id}", headers=headers, json={"sms_ticket": True})
    assert changed.status_code == 200 and changed.json["sms_ticket"] is True
    assert client.get(f"/api/v1/events/{event_id}", headers=headers).json["sms_ticket"] is True
    refused = client.patch(f"/api/v1/events/{event_id}", headers=headers, json={"sms_ticket": None})
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert "sms_ticket" in refused.json["errors"]
    wrong = client.patch(f"/api/v1/events/{event_id}", headers=headers, json={"sms_ticket": "yes please"})
    assert wrong.status_code == 422 and "sms_ticket" in wrong.json["errors"]
    on = client.post("/api/v1/events", headers=headers, json={**EVENT, "sms_ticket": True})
    assert on.status_code == 201 and on.json["sms_ticket"] is True
    assert db.session.get(Event, event_id).sms_ticket is True
    spec = client.get("/api/v1/openapi.json").json
    assert "sms_ticket" in str(spec["components"])


def test_a_confirmed_registrant_gets_the_ticket_link_by_sms_and_it_opens_the_manage_page(
        client, auth, app_ctx, gateway, smtp):
    event_id = client.post("/api/v1/events", headers=auth("organiser"),
                           json={**EVENT, "sms_ticket": True}).json["id"]
    registration = _register(client, event_id, "138 0013 8000", email="shu@laoxiangji.example")
    assert registration["status"] == "confirmed"
    [received] = gateway.wait_for(1)
    sms.deliverer.wait()
    assert received["json"]["phone"] == "13800138000" and received["auth"] == "Bearer secret-token"
    text = received["json"]["text"]
    assert text.startswith(f"「{TITLE}」电子票：") and sms.segments(text) == 1 and len(text) <= 70
    location, page = _follow(client, _link(text))
    assert location == registration["manage_url"]
    shown = page.get_data(as_text=True)
    assert page.status_code == 200 and "束从轩" in shown and TITLE in shown
    [stored] = _stored_sms()
    assert stored.status is SmsStatus.sent and stored.kind == "ticket" and stored.attempts == 1
    smtp.wait_for(1)  # the confirmation mail still goes as before
    assert sms.deliver_pending() == (0, 0)  # sent once
    assert len(gateway.requests) == 1


def test_no_sms_when_the_setting_is_off_or_without_a_mobile_number(client, auth, app_ctx, gateway):
    headers = auth("organiser")
    off = client.post("/api/v1/events", headers=headers, json=EVENT).json["id"]
    on = client.post("/api/v1/events", headers=headers, json={**EVENT, "sms_ticket": True}).json["id"]
    assert _register(client, off, "13800138000")["status"] == "confirmed"
    # A landline can register, but cannot receive an SMS: no error, no SMS.
    assert _register(client, on, "0554-6661234", name="王晓明")["status"] == "confirmed"
    sms.deliverer.wait()
    time.sleep(0.3)
    assert _stored_sms() == [] and gateway.requests == []
    # Pending approval is not confirmed: nothing yet either.
    client.patch(f"/api/v1/events/{on}", headers=headers, json={"approval_required": True})
    assert _register(client, on, "13900139000", name="李经理")["status"] == "pending"
    sms.deliverer.wait()
    assert _stored_sms() == []


def test_the_invitation_contacts_mobile_gets_it_and_an_approval_sends_it(client, auth, app_ctx, gateway):
    headers = auth("organiser")
    ev = factories.event(TITLE, approval_required=True, sms_ticket=True)
    inv = factories.invitation(ev, phone="13700137000", status=InvitationStatus.sent)
    answer = client.post("/api/v1/public/registrations", json={
        "invitation": inv.token, "attendees": [{"name": "张经理", "phone": "13600136000"}], "consent": True})
    assert answer.status_code == 201 and answer.json["status"] == "pending"
    assert client.post(f"/api/v1/registrations/{answer.json['id']}/approve",
                       headers=headers).json["status"] == "confirmed"
    [received] = gateway.wait_for(1)
    sms.deliverer.wait()
    assert received["json"]["phone"] == "13700137000"  # the contact, as the confirmation mail
    location, _page = _follow(client, _link(received["json"]["text"]))
    assert location == answer.json["manage_url"]


def test_a_waitlisted_registrant_gets_it_once_when_promoted(client, auth, app_ctx, gateway):
    event_id = client.post("/api/v1/events", headers=auth("organiser"),
                           json={**EVENT, "capacity": 1, "sms_ticket": True}).json["id"]
    first = _register(client, event_id, "13800138000", name="束从轩")
    second = _register(client, event_id, "13900139000", name="王晓明")
    assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
    gateway.wait_for(1)
    sms.deliverer.wait()
    assert [r["json"]["phone"] for r in gateway.requests] == ["13800138000"]  # none while waiting

    token = first["manage_url"].rsplit("/", 1)[1]
    assert client.delete(f"/api/v1/public/registrations/{token}").json["status"] == "cancelled"
    received = gateway.wait_for(2)
    sms.deliverer.wait()
    assert [r["json"]["phone"] for r in received] == ["13800138000", "13900139000"]
    text = received[1]["json"]["text"]
    assert sms.segments(text) == 1
    location, page = _follow(client, _link(text))
    assert location == second["manage_url"] and "王晓明" in page.get_data(as_text=True)
    promoted = client.get(f"/api/v1/public/registrations/{second['manage_url'].rsplit('/', 1)[1]}")
    assert promoted.json["status"] == "confirmed"
    # Once: more changes to the event and another delivery run send nothing more.
    client.patch(f"/api/v1/events/{event_id}", headers=auth("organiser"), json={"capacity": 5})
    assert sms.deliver_pending() == (0, 0)
    sms.deliverer.wait()
    assert len(gateway.requests) == 2
    assert [m.phone for m in _stored_sms()] == ["13800138000", "13900139000"]


def test_the_longest_title_still_fits_one_segment(client, auth, app_ctx, app, gateway, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://roadshow.huainan.gov.cn")
    title = ("淮南牛肉汤产业项目路演会暨绿色食品招商推介" * 10)[:200]  # the longest title an event takes
    assert len(title) == 200
    event_id = client.post("/api/v1/events", headers=auth("organiser"),
                           json={**EVENT, "title": title, "sms_ticket": True}).json["id"]
    registration = _register(client, event_id, "13800138000")
    [received] = gateway.wait_for(1)
    sms.deliverer.wait()
    text = received["json"]["text"]
    assert sms.segments(text) == 1 and len(text) <= 70, (len(text), text)
    base = "https://roadshow.huainan.gov.cn"
    assert text.startswith("「淮南牛肉汤") and f"…」电子票：{base}/s/" in text
    location, page = _follow(client, _link(text))
    assert location == registration["manage_url"] == f"{base}{_path(location)}"
    assert page.status_code == 200 and "束从轩" in page.get_data(as_text=True)


def test_ticket_text_rules(app_ctx):
    link = "https://roadshow.huainan.gov.cn/s/" + "x" * 16
    assert sms.ticket_text("路演会", link) == f"「路演会」电子票：{link}"
    for title in ("汉" * 200, "😀" * 200, "a" * 200, "第一行\n第二行" * 30):
        text = sms.ticket_text(title, link)
        assert sms.segments(text) == 1 and text.endswith(link) and "…" in text and "\n" not in text
    # A base address so long that no title fits: the link alone, with the shortest words.
    long_link = "https://www.zhaoshang.tianjiaan.huainan.gov.cn/s/" + "x" * 16
    assert sms.ticket_text("路演会", long_link) == f"电子票：{long_link}" and sms.segments(f"电子票：{long_link}") == 1


def test_the_console_form_turns_it_on_and_a_registration_in_the_browser_gets_its_sms(app, phone, make_user):
    """A real server (gunicorn on the test database) whose SMS_GATEWAY_URL is the loopback gateway."""
    gateway = Gateway()
    port = free_port()
    server = start_gunicorn(port, SMS_GATEWAY_URL=gateway.url)
    base = f"http://127.0.0.1:{port}"
    try:
        with app.app_context():
            ev = factories.event(TITLE, venue="田家庵区招商服务中心一楼路演厅")
            inv = factories.invitation(ev, factories.organisation("老乡鸡集团有限公司"), contact_name="束从轩",
                                       phone=None, status=InvitationStatus.sent)
            event_id, token = ev.id, inv.token
        email = make_user("organiser")
        page = phone("zh-CN")
        sign_in_page(page, base, email)
        page.goto(f"{base}/events/{event_id}")
        expect(page.locator("#event-sms-ticket")).to_have_text("未发送")
        page.goto(f"{base}/events/{event_id}/edit")
        box = page.get_by_label("短信发送电子票链接给已确认的嘉宾")
        expect(box).not_to_be_checked()
        expect(page.get_by_text("发送至报名所留的手机号（如有）；候补嘉宾转为确认时也会发送。")).to_be_visible()
        box.check()
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_role("alert")).to_have_text("修改已保存。")
        expect(page.locator("#event-sms-ticket")).to_have_text("发送给留有手机号的已确认嘉宾")
        with app.app_context():
            assert db.session.get(Event, event_id).sms_ticket is True

        guest = phone("zh-CN")
        guest.goto(f"{base}/r/{token}")
        guest.fill("#attendees-0-phone", "138 0013 8000")
        guest.check("#consent")
        guest.click("#submit-registration")
        guest.wait_for_url(re.compile(r"/m/[\w-]+$"))
        manage = guest.url
        [received] = gateway.wait_for(1)
        assert received["json"]["phone"] == "13800138000"
        text = received["json"]["text"]
        assert text.startswith(f"「{TITLE}」电子票：{base}/s/") and sms.segments(text) == 1
        link = _link(text)
        assert requests.get(link, allow_redirects=False, timeout=10).headers["Location"] == manage

        guest.goto(link)  # the registrant taps the link in the SMS
        expect(guest).to_have_url(manage)
        expect(guest.locator("#status")).to_have_text("已确认")
        expect(guest.locator("#tickets .ticket")).to_have_count(1)
        expect(guest.locator("h1")).to_have_text(TITLE)

        # Off again from the form: the next registrant gets no SMS.
        page.goto(f"{base}/events/{event_id}/edit")
        page.get_by_label("短信发送电子票链接给已确认的嘉宾").uncheck()
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("#event-sms-ticket")).to_have_text("未发送")
        with app.app_context():
            other = factories.invitation(db.session.get(Event, event_id), phone=None, status=InvitationStatus.sent)
            other_token = other.token
        guest.goto(f"{base}/r/{other_token}")
        guest.fill("#attendees-0-phone", "13900139000")
        guest.check("#consent")
        guest.click("#submit-registration")
        guest.wait_for_url(re.compile(r"/m/[\w-]+$"))
        time.sleep(1)
        assert len(gateway.requests) == 1
        with app.app_context():
            stored = db.session.scalars(select(SmsMessage)).all()
            assert [(m.phone, m.status) for m in stored] == [("13800138000", SmsStatus.sent)]
            assert set(db.session.scalars(select(Registration.status).where(Registration.event_id == event_id))) \
                == {RegistrationStatus.confirmed}
    finally:
        stop(server)
        gateway.close()
