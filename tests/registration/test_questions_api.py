"""Registration questions and the registration window through the API (API.md, second part)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Answer, Attendee, AuditEntry, EventStatus, Question, Registration, RegistrationMode
from roadshow.models.types import utcnow
from tests import factories

URL = "/api/v1/public/registrations"


def settle():
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


def person(name="王小明", phone="13800138000"):
    return {"name": name, "phone": phone}


@pytest.fixture
def organiser(app_ctx, auth):
    headers = auth("organiser")
    settle()
    return headers


@pytest.fixture
def open_event(app_ctx):
    return factories.event("淮南牛肉汤产业项目路演会", registration_mode=RegistrationMode.open)


def ask(client, headers, event_id, **body):
    r = client.post(f"/api/v1/events/{event_id}/questions", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def questions(client, organiser, open_event):
    """The demo roadshow's three questions, plus a yes/no and a text one."""
    industry = ask(client, organiser, open_event.id, label="关注产业", kind="multi",
                   options=["绿色食品", "新一代信息技术", "新能源"], required=True)
    intent = ask(client, organiser, open_event.id, label="投资意向", kind="choice",
                 options=["有明确意向", "了解中", "暂无"], required=True)
    amount = ask(client, organiser, open_event.id, label="融资需求（万元）", kind="number")
    visit = ask(client, organiser, open_event.id, label="是否参加项目考察", kind="yes_no")
    note = ask(client, organiser, open_event.id, label="备注", kind="text")
    settle()
    return {"industry": industry, "intent": intent, "amount": amount, "visit": visit, "note": note}


def register(client, event_id, answers, phone="13800138000"):
    return client.post(URL, json={"event_id": event_id, "consent": True, "attendees": [person(phone=phone)],
                                  "organisation": {"name": "老乡鸡集团有限公司", "kind": "enterprise"},
                                  "answers": answers})


def nothing_written():
    settle()
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    assert db.session.scalar(select(func.count(Attendee.id))) == 0
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_questions_are_listed_in_order_anonymously_and_answers_are_stored(client, organiser, open_event,
                                                                          questions):
    listed = client.get(f"/api/v1/events/{open_event.id}/questions")
    assert listed.status_code == 200
    assert [q["label"] for q in listed.json["items"]] == ["关注产业", "投资意向", "融资需求（万元）",
                                                          "是否参加项目考察", "备注"]
    assert listed.json["items"][0]["options"] == ["绿色食品", "新一代信息技术", "新能源"]
    assert listed.json["items"][0]["required"] is True and listed.json["items"][2]["required"] is False

    q = {k: str(v["id"]) for k, v in questions.items()}
    r = register(client, open_event.id, {q["industry"]: ["新能源", "绿色食品"], q["intent"]: "有明确意向",
                                         q["amount"]: 5000.5, q["visit"]: True, q["note"]: "=HYPERLINK(1)"})
    assert r.status_code == 201, r.json
    # multi keeps the options' order; the number comes back as a number
    assert r.json["answers"] == {q["industry"]: ["绿色食品", "新能源"], q["intent"]: "有明确意向",
                                 q["amount"]: 5000.5, q["visit"]: True, q["note"]: "=HYPERLINK(1)"}
    settle()
    stored = db.session.scalar(select(Answer).where(Answer.question_id == questions["amount"]["id"]))
    assert stored.value == "5000.5"  # exact, as a decimal string

    listed = client.get(f"/api/v1/events/{open_event.id}/registrations", headers=organiser)
    assert listed.json["items"][0]["answers"][q["intent"]] == "有明确意向"
    token = db.session.get(Registration, r.json["id"]).manage_token
    assert client.get(f"{URL}/{token}").json["answers"][q["visit"]] is True


def test_an_unanswered_optional_question_is_left_out(client, open_event, questions):
    q = {k: str(v["id"]) for k, v in questions.items()}
    r = register(client, open_event.id, {q["industry"]: ["绿色食品"], q["intent"]: "暂无", q["amount"]: ""})
    assert r.status_code == 201, r.json
    assert set(r.json["answers"]) == {q["industry"], q["intent"]}


@pytest.mark.parametrize("case, value, message", [
    ("industry", None, "请回答"),  # required multi, missing
    ("industry", [], "请回答"),
    ("industry", ["房地产"], "选项"),  # not an option
    ("intent", "非常有意向", "选项"),  # choice: not an option
    ("intent", ["有明确意向"], "选项"),
    ("amount", "五千万", "数字"),  # number: not a number
    ("amount", "NaN", "数字"),
    ("amount", True, "数字"),
    ("visit", "也许", "是或否"),  # yes_no
    ("note", {"a": 1}, "文字"),  # text: an object is not text
])
def test_a_bad_answer_is_refused_beside_its_question_writing_nothing(client, open_event, questions, case, value,
                                                                   message):
    q = {k: str(v["id"]) for k, v in questions.items()}
    answers = {q["industry"]: ["绿色食品"], q["intent"]: "了解中"}
    if value is None:
        answers.pop(q[case])
    else:
        answers[q[case]] = value
    r = register(client, open_event.id, answers)
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"].startswith("application/problem+json")
    key = f"answers.{q[case]}"
    assert key in r.json["errors"], r.json["errors"]
    if message:
        assert message in r.json["errors"][key][0]
    nothing_written()


def test_an_answer_to_another_events_question_is_refused(client, organiser, open_event, questions):
    other = factories.event(registration_mode=RegistrationMode.open)
    stranger = ask(client, organiser, other.id, label="其他", kind="text")
    q = {k: str(v["id"]) for k, v in questions.items()}
    r = register(client, open_event.id, {q["industry"]: ["绿色食品"], q["intent"]: "暂无",
                                         str(stranger["id"]): "x"})
    assert r.status_code == 422 and f"answers.{stranger['id']}" in r.json["errors"]
    nothing_written()


def test_choice_needs_options_and_the_question_a_label(client, organiser, open_event):
    r = client.post(f"/api/v1/events/{open_event.id}/questions", json={"label": "投资意向", "kind": "choice",
                                                                        "options": ["是"]}, headers=organiser)
    assert r.status_code == 422 and "options" in r.json["errors"]
    r = client.post(f"/api/v1/events/{open_event.id}/questions", json={"label": " ", "kind": "text"},
                    headers=organiser)
    assert r.status_code == 422 and "label" in r.json["errors"]
    r = client.post(f"/api/v1/events/{open_event.id}/questions", json={"label": "x", "kind": "date"},
                    headers=organiser)
    assert r.status_code == 422
    settle()
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_roles(client, auth, open_event, questions):
    viewer, door = auth("viewer"), auth("door")
    settle()
    body = {"label": "x", "kind": "text"}
    assert client.post(f"/api/v1/events/{open_event.id}/questions", json=body, headers=viewer).status_code == 403
    assert client.post(f"/api/v1/events/{open_event.id}/questions", json=body).status_code == 401
    qid = questions["note"]["id"]
    assert client.delete(f"/api/v1/questions/{qid}", headers=door).status_code == 403
    assert client.patch(f"/api/v1/questions/{qid}", json={"label": "y"}, headers=viewer).status_code == 403


def test_a_drafts_questions_are_for_organisers_only(client, organiser, app_ctx):
    draft = factories.event(status=EventStatus.draft)
    ask(client, organiser, draft.id, label="关注产业", kind="text")
    assert client.get(f"/api/v1/events/{draft.id}/questions").status_code == 404
    r = client.get(f"/api/v1/events/{draft.id}/questions", headers=organiser)
    assert r.status_code == 200 and r.json["total"] == 1


def test_once_answered_delete_and_kind_or_option_changes_answer_409(client, organiser, open_event, questions):
    q = {k: str(v["id"]) for k, v in questions.items()}
    intent = questions["intent"]["id"]
    # before any answer anything may change, and a question may go
    r = client.patch(f"/api/v1/questions/{questions['note']['id']}", json={"kind": "number"}, headers=organiser)
    assert r.status_code == 200 and r.json["kind"] == "number"
    assert client.delete(f"/api/v1/questions/{questions['note']['id']}", headers=organiser).status_code == 200

    assert register(client, open_event.id, {q["industry"]: ["绿色食品"], q["intent"]: "暂无"}).status_code == 201
    settle()
    assert client.delete(f"/api/v1/questions/{intent}", headers=organiser).status_code == 409
    assert client.patch(f"/api/v1/questions/{intent}", json={"kind": "multi"}, headers=organiser).status_code == 409
    r = client.patch(f"/api/v1/questions/{intent}", json={"options": ["有明确意向", "了解中"]}, headers=organiser)
    assert r.status_code == 409  # "暂无" was an option someone may have chosen
    r = client.patch(f"/api/v1/questions/{intent}", json={"options": ["有明确意向", "了解中", "暂無"]},
                     headers=organiser)
    assert r.status_code == 409  # renaming is removing
    settle()
    question = db.session.get(Question, intent)
    assert question.kind.value == "choice" and question.options == ["有明确意向", "了解中", "暂无"]

    # label and required may change; an option may be added
    r = client.patch(f"/api/v1/questions/{intent}", json={"label": "投资意向（单选）", "required": False,
                                                          "options": ["有明确意向", "了解中", "暂无", "已投资"]},
                     headers=organiser)
    assert r.status_code == 200, r.json
    assert r.json["label"] == "投资意向（单选）" and r.json["options"][-1] == "已投资" and r.json["answered"] is True
    settle()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "question.update",
                                                      AuditEntry.entity_id == intent))


# --- the registration window ------------------------------------------------------------------------

def test_outside_the_window_public_registration_answers_410(client, organiser, app_ctx):
    soon = utcnow() + timedelta(days=2)
    ev = factories.event(registration_mode=RegistrationMode.open, registration_opens_at=soon)
    inv = factories.invitation(ev)
    r = client.post(URL, json={"event_id": ev.id, "consent": True, "attendees": [person()]})
    assert r.status_code == 410, r.json
    assert "报名将于" in r.json["detail"] and r.json["window"] == "not_yet"
    r = client.post(URL, json={"invitation": inv.token, "consent": True, "attendees": [person()]})
    assert r.status_code == 410

    closed = factories.event(registration_mode=RegistrationMode.open,
                             registration_opens_at=utcnow() - timedelta(days=9),
                             registration_closes_at=utcnow() - timedelta(minutes=1))
    r = client.post(URL, json={"event_id": closed.id, "consent": True, "attendees": [person()]})
    assert r.status_code == 410 and r.json["window"] == "closed" and "已截止" in r.json["detail"]
    nothing_written()

    # inside it: registered
    inside = factories.event(registration_mode=RegistrationMode.open,
                             registration_opens_at=utcnow() - timedelta(days=1),
                             registration_closes_at=utcnow() + timedelta(days=1))
    r = client.post(URL, json={"event_id": inside.id, "consent": True, "attendees": [person()],
                               "organisation": {"name": "老乡鸡集团有限公司", "kind": "enterprise"}})
    assert r.status_code == 201, r.json


def test_the_event_takes_a_window_that_closes_after_it_opens(client, organiser):
    body = {"title": "淮南牛肉汤产业项目路演会", "starts_at": "2027-04-18T09:00:00+08:00",
            "ends_at": "2027-04-18T12:00:00+08:00", "registration_opens_at": "2027-04-01T09:00:00+08:00",
            "registration_closes_at": "2027-04-01T09:00:00+08:00"}
    r = client.post("/api/v1/events", json=body, headers=organiser)
    assert r.status_code == 422 and "registration_closes_at" in r.json["errors"]
    r = client.post("/api/v1/events", json={**body, "registration_closes_at": "2027-04-17T18:00:00+08:00"},
                    headers=organiser)
    assert r.status_code == 201, r.json
    assert r.json["registration_opens_at"] == "2027-04-01T09:00:00+08:00"
    assert r.json["registration_window"] == "not_yet"
    event_id = r.json["id"]
    r = client.patch(f"/api/v1/events/{event_id}", json={"registration_opens_at": "2027-04-18T09:00:00+08:00"},
                     headers=organiser)
    assert r.status_code == 422 and "registration_closes_at" in r.json["errors"]
    r = client.patch(f"/api/v1/events/{event_id}", json={"registration_closes_at": "2027-04-10T09:00"},
                     headers=organiser)
    assert r.status_code == 422  # no offset
    r = client.patch(f"/api/v1/events/{event_id}", json={"registration_opens_at": None}, headers=organiser)
    assert r.status_code == 200 and r.json["registration_opens_at"] is None


def test_after_the_window_the_manage_page_still_cancels_and_changes_but_does_not_add(client, app_ctx):
    ev = factories.event(registration_mode=RegistrationMode.open)
    r = client.post(URL, json={"event_id": ev.id, "consent": True,
                               "organisation": {"name": "老乡鸡集团有限公司", "kind": "enterprise"},
                               "attendees": [person(), person("李四", "13900139000")]})
    assert r.status_code == 201
    settle()
    reg = db.session.get(Registration, r.json["id"])
    token = reg.manage_token
    ev.registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/m/{token}").status_code == 200
    from roadshow.services import registration as service
    from roadshow.services.errors import Invalid
    from roadshow.uow import unit_of_work

    with pytest.raises(Invalid) as refused, unit_of_work(write=True):
        service.update_attendees(db.session.get(Registration, reg.id), [
            {"id": a.id, "name": a.name, "phone": a.phone} for a in reg.attendees] + [person("赵六", "13700137000")])
    assert "attendees" in refused.value.errors
    with unit_of_work(write=True):
        service.update_attendees(db.session.get(Registration, reg.id),
                                 [{"id": reg.attendees[0].id, "name": "王小明", "phone": "13800138000"}])
    r = client.delete(f"{URL}/{token}")
    assert r.status_code == 200 and r.json["status"] == "cancelled"
