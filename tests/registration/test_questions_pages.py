"""Registration questions and the registration window on the pages: the phone form (an answer refused
beside its question, nothing written), the closed and not-yet-open pages, the organisers' console."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import (
    Answer,
    InvitationStatus,
    Question,
    QuestionKind,
    Registration,
    RegistrationMode,
)
from roadshow.models.types import utcnow
from tests import factories
from tests.conftest import TEST_TMP
from tests.conftest import sign_in as _login

SHOTS = TEST_TMP / "screenshots"


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"questions-{name}.png"), full_page=True)


def settle():
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


def csrf(html: str, prefix: str = "") -> str:
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


def _ask(ev) -> dict[str, Question]:
    asked = {
        "industry": Question(event_id=ev.id, position=1, label="关注产业", kind=QuestionKind.multi,
                             options=["牛肉汤预制菜", "冷链物流", "电商直播"], required=True),
        "intent": Question(event_id=ev.id, position=2, label="投资意向", kind=QuestionKind.choice,
                           options=["有明确投资意向", "有合作意向，待洽谈", "了解情况"], required=True),
        "amount": Question(event_id=ev.id, position=3, label="融资需求（万元）", kind=QuestionKind.number),
        "visit": Question(event_id=ev.id, position=4, label="是否参加项目考察", kind=QuestionKind.yes_no),
    }
    db.session.add_all(asked.values())
    db.session.commit()
    return asked


@pytest.fixture
def asked_invitation(app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会", capacity=120)
    org = factories.organisation("老乡鸡集团有限公司")
    inv = factories.invitation(ev, org, seats=2, contact_name="束从轩", email="shu@laoxiangji.example",
                               status=InvitationStatus.sent)
    asked = _ask(ev)
    ids = {k: q.id for k, q in asked.items()}
    token = inv.token
    db.session.commit()
    return token, ids


def _count(model) -> int:
    settle()
    return db.session.scalar(select(func.count(model.id)))


def test_the_form_asks_the_questions_and_puts_the_services_message_beside_the_field(client, asked_invitation):
    token, q = asked_invitation
    html = client.get(f"/r/{token}").get_data(as_text=True)
    for label in ("关注产业", "投资意向", "融资需求（万元）", "是否参加项目考察"):
        assert label in html
    data = {"csrf_token": csrf(html), "consent": "y", "organisation": "老乡鸡集团有限公司",
            "attendees-0-name": "束从轩", "attendees-0-phone": "13805540001",
            f"q_{q['intent']}": "有明确投资意向", f"q_{q['amount']}": "三千"}
    r = client.post(f"/r/{token}", data=data)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    # each message inside its question's block, and the answers typed are kept
    industry = re.search(rf'id="question-{q["industry"]}".*?</fieldset>\s*(.*?)</div>', page, re.S).group(1)
    assert "请回答此问题" in industry
    amount = re.search(rf'id="question-{q["amount"]}"(.*?)id="question-{q["visit"]}"', page, re.S).group(1)
    assert "请输入数字" in amount and 'value="三千"' in amount
    assert re.search(r'<input checked[^>]*value="有明确投资意向"|value="有明确投资意向"[^>]*checked', page)
    assert _count(Registration) == 0 and _count(Answer) == 0

    html = page
    data.update({"csrf_token": csrf(html), f"q_{q['industry']}": ["牛肉汤预制菜", "冷链物流"],
                 f"q_{q['amount']}": "3000", f"q_{q['visit']}": "yes"})
    r = client.post(f"/r/{token}", data=data)
    assert r.status_code == 302 and "/m/" in r.headers["Location"]
    settle()
    answers = {a.question_id: a.value for a in db.session.scalars(select(Answer))}
    assert answers == {q["industry"]: ["牛肉汤预制菜", "冷链物流"], q["intent"]: "有明确投资意向",
                       q["amount"]: "3000", q["visit"]: True}


def test_organisers_see_the_answers_in_the_list_and_the_detail(client, make_user, asked_invitation):
    token, q = asked_invitation
    html = client.get(f"/r/{token}").get_data(as_text=True)
    client.post(f"/r/{token}", data={"csrf_token": csrf(html), "consent": "y", "organisation": "老乡鸡集团有限公司",
                                     "attendees-0-name": "束从轩", "attendees-0-phone": "13805540001",
                                     f"q_{q['industry']}": "电商直播", f"q_{q['intent']}": "了解情况",
                                     f"q_{q['visit']}": "no"})
    settle()
    reg = db.session.scalar(select(Registration))
    assert reg is not None
    event_id, reg_id = reg.event_id, reg.id
    db.session.rollback()
    _login(client, make_user("organiser"))
    listed = client.get(f"/events/{event_id}/registrations/").get_data(as_text=True)
    assert "投资意向：</span>了解情况" in listed and "电商直播" in listed
    detail = client.get(f"/events/{event_id}/registrations/{reg_id}").get_data(as_text=True)
    answers = re.search(r'<dl class="row small" id="answers">(.*?)</dl>', detail, re.S).group(1)
    assert "关注产业" in answers and "电商直播" in answers and "否" in answers and "—" in answers


@pytest.mark.parametrize("when", ["not_yet", "closed"])
def test_outside_the_window_the_page_says_so_and_a_sent_form_is_refused_with_410(client, app_ctx, when):
    now = utcnow()
    window = dict(registration_opens_at=now + timedelta(days=3)) if when == "not_yet" else \
        dict(registration_opens_at=now - timedelta(days=10), registration_closes_at=now - timedelta(hours=1))
    ev = factories.event("淮南牛肉汤产业项目路演会", registration_mode=RegistrationMode.open, **window)
    inv = factories.invitation(ev, status=InvitationStatus.sent)
    event_id, token = ev.id, inv.token
    # a form loaded while registration was open, sent after the window: its CSRF token is good
    still_open = factories.event(registration_mode=RegistrationMode.open)
    token_of_form = csrf(client.get(f"/e/{still_open.id}").get_data(as_text=True))
    expected = "报名将于" if when == "not_yet" else "本活动报名已截止"
    for url in (f"/e/{event_id}", f"/r/{token}"):
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and expected in html and 'id="registration-form"' not in html
        r = client.post(url, data={"csrf_token": token_of_form, "attendees-0-name": "束从轩",
                                   "attendees-0-phone": "13805540001", "organisation": "老乡鸡集团有限公司",
                                   "consent": "y"})
        assert r.status_code == 410 and expected in r.get_data(as_text=True)
    assert _count(Registration) == 0


def test_organisers_add_edit_and_delete_questions_on_the_console(client, make_user, app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会")
    event_id = ev.id
    db.session.commit()
    _login(client, make_user("organiser"))
    page = client.get(f"/events/{event_id}/questions/").get_data(as_text=True)
    assert "报名表尚未设置问题" in page
    r = client.post(f"/events/{event_id}/questions/", data={
        "new-csrf_token": csrf(page, "new"), "new-label": "投资意向", "new-kind": "choice", "new-options": "是"})
    assert r.status_code == 422 and "请至少填写两个选项" in r.get_data(as_text=True)
    r = client.post(f"/events/{event_id}/questions/", data={
        "new-csrf_token": csrf(page, "new"), "new-label": "投资意向", "new-kind": "choice",
        "new-options": "有明确投资意向\n了解情况\n", "new-required": "y"})
    assert r.status_code == 302
    settle()
    question = db.session.scalar(select(Question))
    assert question.options == ["有明确投资意向", "了解情况"] and question.required
    qid = question.id
    db.session.rollback()
    page = client.get(f"/events/{event_id}/questions/").get_data(as_text=True)
    assert "有明确投资意向、了解情况" in page

    # once answered, a kind change is refused beside the options; the question cannot be deleted
    reg = factories.registration(db.session.get(type(ev), event_id))
    db.session.add(Answer(registration_id=reg.id, question_id=qid, value="了解情况"))
    db.session.commit()
    edit = client.get(f"/events/{event_id}/questions/{qid}/edit").get_data(as_text=True)
    r = client.post(f"/events/{event_id}/questions/{qid}/edit", data={
        "edit-csrf_token": csrf(edit, "edit"), "edit-label": "投资意向", "edit-kind": "multi",
        "edit-options": "有明确投资意向\n了解情况"})
    assert r.status_code == 409 and "题型不能再更改" in r.get_data(as_text=True)
    r = client.post(f"/events/{event_id}/questions/{qid}/delete", data={"csrf_token": csrf(page)})
    assert r.status_code == 302
    assert "不能再删除" in client.get(f"/events/{event_id}/questions/").get_data(as_text=True)
    settle()
    assert db.session.get(Question, qid) is not None


def test_the_event_form_takes_the_window_in_the_events_zone(client, make_user, industries, app_ctx):
    _login(client, make_user("organiser"))
    page = client.get("/events/new").get_data(as_text=True)
    base = {"csrf_token": csrf(page), "title": "淮南牛肉汤产业项目路演会", "starts_at": "2027-04-18T09:00",
            "ends_at": "2027-04-18T12:00", "timezone": "Asia/Shanghai", "registration_mode": "open",
            "registration_opens_at": "2027-04-10T09:00", "registration_closes_at": "2027-04-01T09:00",
            "save": "y"}
    r = client.post("/events/new", data=base)
    assert r.status_code == 200 and "报名截止时间必须晚于开始时间" in r.get_data(as_text=True)
    r = client.post("/events/new", data={**base, "registration_closes_at": "2027-04-17T18:00"})
    assert r.status_code == 302
    settle()
    from roadshow.models import Event

    ev = db.session.scalar(select(Event))
    assert ev.registration_opens_at.isoformat() == "2027-04-10T01:00:00+00:00"
    assert ev.registration_closes_at.isoformat() == "2027-04-17T10:00:00+00:00"
    event_id = ev.id
    db.session.rollback()
    detail = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "报名时间：" in detail and "2027-04-10 09:00 开始，2027-04-17 18:00 截止" in detail
    edit = client.get(f"/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="2027-04-10T09:00"' in edit  # shown back in the event's zone


# --- in the browser, on a phone -------------------------------------------------------------------

def test_answering_on_a_phone_with_an_error_beside_the_question(live_server, phone, app):
    with app.app_context():
        ev = factories.event("淮南牛肉汤产业项目路演会", capacity=120, venue="田家庵区招商服务中心一楼路演厅")
        inv = factories.invitation(ev, factories.organisation("老乡鸡集团有限公司"), seats=2,
                                   contact_name="束从轩", email="shu@laoxiangji.example", status=InvitationStatus.sent)
        q = {k: v.id for k, v in _ask(ev).items()}
        token = inv.token

    page = phone("zh-CN")
    page.goto(f"{live_server}/r/{token}")
    assert page.locator("#questions").is_visible()
    page.fill("#attendees-0-phone", "13805540001")
    page.get_by_label("有明确投资意向").check()
    page.fill(f"#q_{q['amount']}", "三千万")
    page.check("#consent")
    page.click("#submit-registration")
    industry = page.locator(f"#question-{q['industry']}")
    assert "请回答此问题" in industry.locator(".invalid-feedback").inner_text()
    assert "请输入数字" in page.locator(f"#question-{q['amount']} .invalid-feedback").inner_text()
    assert page.get_by_label("有明确投资意向").is_checked()  # what was answered stays
    # the message is on screen beside its question, within the phone's width
    box, message = industry.bounding_box(), industry.locator(".invalid-feedback").bounding_box()
    assert message["y"] >= box["y"] and message["x"] + message["width"] <= 390
    _shot(page, "1-error-beside-question")
    with app.app_context():
        assert db.session.scalar(select(func.count(Registration.id))) == 0

    page.get_by_label("牛肉汤预制菜").check()
    page.get_by_label("冷链物流").check()
    page.fill(f"#q_{q['amount']}", "3000")
    page.locator(f"#question-{q['visit']}").get_by_label("是").check()
    page.click("#submit-registration")
    page.wait_for_url(re.compile(r"/m/[\w-]+$"))
    assert page.locator("#status").inner_text() == "已确认"
    _shot(page, "2-registered")
    assert page.csp_errors == []
    with app.app_context():
        answers = {a.question_id: a.value for a in db.session.scalars(select(Answer))}
        assert answers == {q["industry"]: ["牛肉汤预制菜", "冷链物流"], q["intent"]: "有明确投资意向",
                           q["amount"]: "3000", q["visit"]: True}


def test_the_closed_window_page_on_a_phone(live_server, phone, app):
    with app.app_context():
        now = utcnow()
        closed = factories.event("淮南牛肉汤产业项目路演会", registration_mode=RegistrationMode.open,
                                 registration_opens_at=now - timedelta(days=10),
                                 registration_closes_at=now - timedelta(hours=1))
        later = factories.event("田家庵区长三角招商推介会", registration_mode=RegistrationMode.open,
                                registration_opens_at=factories.aware(2099, 3, 1, 9))
        closed_id, later_id = closed.id, later.id

    page = phone("zh-CN")
    page.goto(f"{live_server}/e/{closed_id}")
    assert page.locator("#registration-window-notice").inner_text() == "本活动报名已截止。"
    assert page.locator("#registration-form").count() == 0
    _shot(page, "3-closed")
    page.goto(f"{live_server}/e/{later_id}")
    assert page.locator("#registration-window-notice").inner_text() == \
        "报名将于 2099-03-01 09:00（北京时间）开始。"
    _shot(page, "4-not-yet-open")
