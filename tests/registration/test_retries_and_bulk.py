"""Issue 14, item 2 "Retries and bulk bookings on open events": Idempotency-Key and the form's one-time
token, one active registration per phone and event, the per-registration maximum as an event setting,
and the public rate limit counted in attendees."""
from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Event, OutboxMessage, Registration, RegistrationMode, RegistrationStatus
from tests import factories
from tests.conftest import free_port, start_gunicorn, stop
from tests.registration.test_pages import csrf

URL = "/api/v1/public/registrations"


def settle():
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


def guest(name="王小明", phone="13800138000", email="wang@example.com"):
    return {"name": name, "phone": phone, "email": email}


def body(event_id, *people, **extra):
    return {"event_id": event_id, "consent": True, "organisation": {"name": "合肥测试科技有限公司"},
            "attendees": list(people) or [guest()], **extra}


@pytest.fixture
def open_event(app_ctx):
    def make(**fields):
        fields.setdefault("capacity", 100)
        return factories.event(registration_mode=RegistrationMode.open, **fields)
    return make


def registrations(event_id) -> list[Registration]:
    settle()
    return list(db.session.scalars(select(Registration).where(Registration.event_id == event_id)))


def mails_of(reg_ids) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.registration_id.in_(reg_ids))) or 0


# --- Idempotency-Key ---------------------------------------------------------------------------

def test_three_retries_with_one_key_make_one_registration_and_one_mail(client, open_event):
    ev = open_event(capacity=2)
    answers = [client.post(URL, json=body(ev.id, guest(), guest("李四", "13900139000")),
                           headers={"Idempotency-Key": "retry-7f3a"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert answers[0].json == answers[1].json == answers[2].json
    assert answers[0].json["status"] == "confirmed"
    regs = registrations(ev.id)
    assert len(regs) == 1 and regs[0].status is RegistrationStatus.confirmed
    assert mails_of([regs[0].id]) == 1


def test_the_same_key_with_another_body_is_refused(client, open_event):
    ev = open_event()
    headers = {"Idempotency-Key": "k-1"}
    assert client.post(URL, json=body(ev.id), headers=headers).status_code == 201
    r = client.post(URL, json=body(ev.id, guest("赵六", "13700137000", None)), headers=headers)
    assert r.status_code == 422
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "Idempotency-Key" in r.json["errors"]
    assert len(registrations(ev.id)) == 1


def test_a_key_belongs_to_its_event(client, open_event):
    first, second = open_event(), open_event()
    headers = {"Idempotency-Key": "shared-key"}
    a = client.post(URL, json=body(first.id), headers=headers)
    b = client.post(URL, json=body(second.id), headers=headers)
    assert (a.status_code, b.status_code) == (201, 201) and a.json["id"] != b.json["id"]


@pytest.mark.parametrize("key", ["x" * 101, "含中文的键", "two words"])
def test_a_bad_key_is_a_clear_422(client, open_event, key):
    ev = open_event()
    r = client.post(URL, json=body(ev.id), headers={"Idempotency-Key": key.encode().decode("latin-1")})
    assert r.status_code == 422 and "Idempotency-Key" in r.json["errors"]
    assert registrations(ev.id) == []


# --- one phone, one active registration ---------------------------------------------------------

def test_a_phone_holds_one_active_registration_per_event(client, open_event):
    ev = open_event(capacity=100)
    first = client.post(URL, json=body(ev.id))
    assert first.status_code == 201
    # again, without a key, and with the number written another way beside a new colleague
    again = client.post(URL, json=body(ev.id, guest("钱七", "13600136000", "q@example.com"),
                                        guest("王小明", "+86 138-0013-8000", "other@example.com")))
    assert again.status_code == 409
    assert again.headers["Content-Type"].startswith("application/problem+json")
    detail = again.json["detail"]
    assert "138****8000" in detail and "确认邮件" in detail
    # the manage link is never handed to someone who only knows the number
    token = registrations(ev.id)[0].manage_token
    assert token not in again.get_data(as_text=True) and "/m/" not in again.get_data(as_text=True)
    assert len(registrations(ev.id)) == 1
    assert client.post(URL, json=body(open_event().id)).status_code == 201  # another event is another matter


def test_after_cancelling_the_phone_can_register_again(client, open_event):
    ev = open_event()
    first = client.post(URL, json=body(ev.id))
    token = registrations(ev.id)[0].manage_token
    assert client.delete(f"{URL}/{token}").status_code == 200
    again = client.post(URL, json=body(ev.id))
    assert (first.status_code, again.status_code) == (201, 201)


def test_the_manage_page_cannot_add_a_phone_registered_elsewhere(client, open_event):
    ev = open_event()
    client.post(URL, json=body(ev.id))
    other = client.post(URL, json=body(ev.id, guest("孙八", "13500135000", "s@example.com")))
    token = db.session.get(Registration, other.json["id"]).manage_token
    settle()
    page = client.get(f"/m/{token}").get_data(as_text=True)
    attendee_id = other.json["attendees"][0]["id"]
    r = client.post(f"/m/{token}/attendees", data={
        "csrf_token": csrf(page), "attendees-0-id": str(attendee_id), "attendees-0-name": "孙八",
        "attendees-0-phone": "13500135000", "attendees-1-name": "王小明", "attendees-1-phone": "13800138000"})
    assert r.status_code == 422
    assert "该手机号码已有本活动的另一份报名" in r.get_data(as_text=True)


# --- the HTML form's one-time token -------------------------------------------------------------

def test_a_double_submitted_form_makes_one_registration_and_one_mail(client, open_event):
    ev = open_event()
    page = client.get(f"/e/{ev.id}").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf(page), "submission_token": token, "organisation": "合肥测试科技有限公司",
            "kind": "enterprise", "consent": "y", "attendees-0-name": "王小明",
            "attendees-0-phone": "13800138000", "attendees-0-email": "wang@example.com"}
    first = client.post(f"/e/{ev.id}", data=data)
    second = client.post(f"/e/{ev.id}", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    regs = registrations(ev.id)
    assert len(regs) == 1 and mails_of([regs[0].id]) == 1
    # a new rendering of the form has a new token
    again = client.get(f"/e/{ev.id}").get_data(as_text=True)
    assert token not in again


# --- the per-registration maximum is an event setting ---------------------------------------------

def test_open_events_allow_five_attendees_by_default(client, open_event):
    ev = open_event()
    assert db.session.get(Event, ev.id).max_attendees_per_registration == 5
    six = [guest(f"嘉宾{i}", f"1380000000{i}", None) for i in range(6)]
    r = client.post(URL, json=body(ev.id, *six))
    assert r.status_code == 422 and "5" in r.json["errors"]["attendees"][0]
    assert client.post(URL, json=body(ev.id, *six[:5])).status_code == 201
    assert 'data-max="5"' in client.get(f"/e/{ev.id}").get_data(as_text=True)


def test_invitations_keep_their_own_seats(client, app_ctx):
    ev = factories.event(capacity=100, max_attendees_per_registration=2)
    inv = factories.invitation(ev, seats=4)
    people = [guest(f"嘉宾{i}", f"1380000000{i}", None) for i in range(4)]
    r = client.post(URL, json={"invitation": inv.token, "consent": True, "attendees": people})
    assert r.status_code == 201, r.json


def test_the_setting_in_the_events_api(client, auth, app_ctx):
    headers = auth("organiser")
    settle()
    new = {"title": "合肥新能源汽车产业对接会", "starts_at": "2027-03-01T09:00:00+08:00",
           "ends_at": "2027-03-01T12:00:00+08:00", "registration_mode": "open"}
    created = client.post("/api/v1/events", json=new, headers=headers)
    assert created.status_code == 201 and created.json["max_attendees_per_registration"] == 5
    event_id = created.json["id"]
    changed = client.patch(f"/api/v1/events/{event_id}", json={"max_attendees_per_registration": 2},
                           headers=headers)
    assert changed.status_code == 200 and changed.json["max_attendees_per_registration"] == 2
    for bad in (0, 51, None):
        r = client.patch(f"/api/v1/events/{event_id}", json={"max_attendees_per_registration": bad},
                         headers=headers)
        assert r.status_code == 422, (bad, r.json)
    got = client.get(f"/api/v1/events/{event_id}", headers=headers)
    assert got.json["max_attendees_per_registration"] == 2


def test_the_setting_in_the_event_form(client, make_user, app_ctx):
    from tests.conftest import sign_in

    ev = factories.event(registration_mode=RegistrationMode.open)
    email = make_user("organiser")
    settle()
    sign_in(client, email)
    page = client.get(f"/events/{ev.id}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="max_attendees_per_registration"' in html and "每份报名最多人数" in html
    form = {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)}
    form.update({"title": ev.title, "registration_mode": "open", "max_attendees_per_registration": "3",
                 "timezone": "Asia/Shanghai", "save": "1"})
    form["starts_at"] = re.search(r'name="starts_at"[^>]*value="([^"]+)"', html).group(1)
    form["ends_at"] = re.search(r'name="ends_at"[^>]*value="([^"]+)"', html).group(1)
    r = client.post(f"/events/{ev.id}/edit", data=form)
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:2000]
    settle()
    assert db.session.get(Event, ev.id).max_attendees_per_registration == 3


# --- the public rate limit counts attendees -----------------------------------------------------

@pytest.fixture(scope="module")
def attendee_limited_server(app):
    port = free_port()
    proc = start_gunicorn(port, workers=1, RATELIMIT_ENABLED="true", RATELIMIT_PUBLIC="6 per minute",
                          RATELIMIT_STORAGE_URI="memory://")
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def test_the_public_limit_counts_attendees_not_requests(attendee_limited_server, app):
    with app.app_context():
        ev = factories.event(capacity=100, registration_mode=RegistrationMode.open)
        event_id = ev.id

    def post(*people):
        return requests.post(f"{attendee_limited_server}{URL}", json=body(event_id, *people), timeout=30)

    four = [guest(f"嘉宾{i}", f"1370000000{i}", None) for i in range(4)]
    assert post(*four).status_code == 201  # 4 of 6
    two = [guest(f"来宾{i}", f"1360000000{i}", None) for i in range(2)]
    assert post(*two).status_code == 201  # 6 of 6
    refused = post(guest("第七位", "13500000000", None))
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("application/problem+json")
