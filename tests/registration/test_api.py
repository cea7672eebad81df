"""Public registration through the API of API.md, end to end with real mail."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    AuditEntry,
    EventStatus,
    Invitation,
    InvitationStatus,
    OutboxMessage,
    Registration,
    RegistrationMode,
)
from tests import factories
from tests.mailbox import html_of, ics_of, text_of

URL = "/api/v1/public/registrations"


def settle():
    """The test client shares this test's session; end its read transaction before writing directly
    (a SQLite snapshot older than the mail thread's last write cannot be upgraded to a write)."""
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


def signed_in(auth, role):
    headers = auth(role)
    settle()
    return headers


def person(name="王小明", phone="138 0013-8000", **extra):
    return {"name": name, "phone": phone, **extra}


@pytest.fixture
def invite(app_ctx):
    def make(seats=2, capacity=None, **event_fields):
        ev = factories.event(capacity=capacity, venue="田家庵区招商服务中心", **event_fields)
        org = factories.organisation("老乡鸡集团有限公司")
        return factories.invitation(ev, org, seats=seats, email="boss@laoxiangji.example")
    return make


def test_invitation_to_confirmed_with_mail_and_ics(client, invite, smtp, app):
    inv = invite(seats=2)
    r = client.post(URL, json={"invitation": inv.token, "consent": True,
                               "attendees": [person(email="a@laoxiangji.example", title="总经理"),
                                             person("李四", "+44 20 7946 0958")]})
    assert r.status_code == 201, r.json
    body = r.json
    assert body["status"] == "confirmed"
    assert body["manage_url"].endswith("/m/" + db.session.get(Registration, body["id"]).manage_token)
    assert [a["name"] for a in body["attendees"]] == ["王小明", "李四"]
    for a in body["attendees"]:
        assert len(a["ticket_code"]) == 26
        assert a["qr_png_url"].endswith(f"/tickets/{a['ticket_code']}.png")
        assert a["qr_svg_url"].endswith(f"/tickets/{a['ticket_code']}.svg")

    reg = db.session.get(Registration, body["id"])
    assert [a.phone for a in reg.attendees] == ["13800138000", "+442079460958"]
    assert reg.consent_version == app.config["PRIVACY_POLICY_VERSION"] and reg.consent_at is not None
    assert db.session.get(Invitation, inv.id).status is InvitationStatus.registered
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.create"))

    # the same registration behind its manage token
    token = reg.manage_token
    got = client.get(f"{URL}/{token}")
    assert got.status_code == 200 and got.json["attendees"][0]["ticket_code"] == body["attendees"][0]["ticket_code"]
    assert "phone" not in got.json["attendees"][0]

    messages = smtp.wait_for(2)
    main = smtp.to("boss@laoxiangji.example")[0]
    assert "报名成功" in main["Subject"] or "已确认" in main["Subject"]
    text = text_of(main)
    assert text.index("您好") < text.index("Hello")  # Chinese first, English below
    assert body["manage_url"] in text
    for a in body["attendees"]:
        assert f"/tickets/{a['ticket_code']}.png" in text
        assert a["ticket_code"] in html_of(main)
    cal = ics_of(main)
    vevent = cal.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == reg.event.title
    assert body["manage_url"] in str(vevent["DESCRIPTION"])
    # the attendee with an own address gets her own ticket, without the manage link
    own = smtp.to("a@laoxiangji.example")[0]
    assert body["attendees"][0]["ticket_code"] in text_of(own) and body["manage_url"] not in text_of(own)
    assert body["attendees"][1]["ticket_code"] not in text_of(own)
    assert ics_of(own) is not None
    assert len(messages) == 2


@pytest.mark.parametrize("payload,field", [
    ({"attendees": [person(), person("乙"), person("丙")]}, "attendees"),
    ({"consent": False}, "consent"),
    ({"attendees": [person(phone="12345")]}, "attendees.0.phone"),
    ({"attendees": [person(phone="+12")]}, "attendees.0.phone"),
    ({"attendees": [person(name="  ")]}, "attendees.0.name"),
    ({"attendees": [person(email="not-an-email")]}, "attendees.0.email"),
    ({"attendees": []}, "attendees"),
])
def test_invalid_input_is_422_and_writes_nothing(client, invite, payload, field):
    inv = invite(seats=2)
    body = {"invitation": inv.token, "consent": True, "attendees": [person()], **payload}
    r = client.post(URL, json=body)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json"
    assert field in r.json["errors"]
    assert db.session.scalar(select(Registration)) is None
    assert db.session.get(Invitation, inv.id).status is InvitationStatus.pending


def test_missing_consent_field_is_422(client, invite):
    inv = invite()
    r = client.post(URL, json={"invitation": inv.token, "attendees": [person()]})
    assert r.status_code == 422 and "consent" in r.json["errors"]


def test_second_registration_for_an_invitation_is_409(client, invite):
    inv = invite()
    first = client.post(URL, json={"invitation": inv.token, "consent": True, "attendees": [person()]})
    assert first.status_code == 201
    second = client.post(URL, json={"invitation": inv.token, "consent": True, "attendees": [person("赵六")]})
    assert second.status_code == 409
    assert second.json["existing_id"] == first.json["id"]
    # after cancelling, the invitation can be used again
    token = first.json["manage_url"].rsplit("/", 1)[1]
    assert client.delete(f"{URL}/{token}").json == {"status": "cancelled"}
    assert client.post(URL, json={"invitation": inv.token, "consent": True,
                                  "attendees": [person()]}).status_code == 201


@pytest.mark.parametrize("status", [EventStatus.cancelled, EventStatus.draft])
def test_cancelled_or_draft_event_is_410(client, invite, status):
    inv = invite(status=status)
    r = client.post(URL, json={"invitation": inv.token, "consent": True, "attendees": [person()]})
    assert r.status_code == 410 and r.mimetype == "application/problem+json"


def test_unknown_tokens_are_404(client, app_ctx):
    r = client.post(URL, json={"invitation": "no-such-token", "consent": True, "attendees": [person()]})
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert client.get(f"{URL}/no-such-token").status_code == 404
    assert client.delete(f"{URL}/no-such-token").status_code == 404
    assert client.post(URL, json={"event_id": 999999, "consent": True, "attendees": [person()]}).status_code == 404


def test_open_event_by_id_and_invite_only_refuses_it(client, app_ctx, smtp):
    open_event = factories.event(registration_mode=RegistrationMode.open, capacity=10)
    r = client.post(URL, json={"event_id": open_event.id, "consent": True,
                               "organisation": {"name": "杭州味道优选电子商务有限公司", "kind": "ecommerce"},
                               "attendees": [person(email="guest@example.com")]})
    assert r.status_code == 201 and r.json["status"] == "confirmed"
    assert r.json["organisation"]["name"] == "杭州味道优选电子商务有限公司"
    assert r.json["organisation"]["kind"] == "ecommerce"
    smtp.wait_for(1)
    assert ics_of(smtp.to("guest@example.com")[0]) is not None

    no_org = client.post(URL, json={"event_id": open_event.id, "consent": True, "attendees": [person()]})
    assert no_org.status_code == 422 and "organisation.name" in no_org.json["errors"]

    invite_only = factories.event(capacity=10)
    r = client.post(URL, json={"event_id": invite_only.id, "consent": True, "organisation": {"name": "某公司"},
                               "attendees": [person()]})
    assert r.status_code == 422 and "event_id" in r.json["errors"]


def test_edited_organisation_name_is_matched_or_created_never_renamed(client, invite):
    inv = invite()
    original = inv.organisation.name
    r = client.post(URL, json={"invitation": inv.token, "consent": True,
                               "organisation": {"name": "老乡鸡（合肥）餐饮有限公司"}, "attendees": [person()]})
    assert r.status_code == 201
    assert r.json["organisation"]["name"] == "老乡鸡（合肥）餐饮有限公司"
    assert r.json["organisation"]["kind"] == "enterprise"
    db.session.expire_all()
    assert db.session.get(Invitation, inv.id).organisation.name == original


def test_capacity_waitlist_whole_and_promotion_in_arrival_order(client, app_ctx, smtp):
    ev = factories.event(capacity=3)
    invs = [factories.invitation(ev, seats=3, email=f"c{i}@example.com") for i in range(4)]

    def reg(inv, n):
        r = client.post(URL, json={"invitation": inv.token, "consent": True,
                                   "attendees": [person(f"嘉宾{i}", f"1390{invs.index(inv):03d}{i:04d}")
                                                 for i in range(n)]})
        assert r.status_code == 201, r.json
        return r.json

    a = reg(invs[0], 2)  # 2 of 3 seats
    b = reg(invs[1], 2)  # does not fit whole → waitlisted whole, never split
    c = reg(invs[2], 1)  # would fit, but b is waiting: no overtaking
    assert (a["status"], b["status"], c["status"]) == ("confirmed", "waitlisted", "waitlisted")
    assert all("ticket_code" not in x for x in b["attendees"] + c["attendees"])
    smtp.wait_for(3)
    assert "候补" in smtp.to("c1@example.com")[0]["Subject"]
    assert ics_of(smtp.to("c1@example.com")[0]) is None

    token = a["manage_url"].rsplit("/", 1)[1]
    assert client.delete(f"{URL}/{token}").status_code == 200
    # 3 seats free: b (2) then c (1) promoted, in arrival order
    statuses = {r.id: r.status.value for r in db.session.scalars(select(Registration))}
    assert statuses == {a["id"]: "cancelled", b["id"]: "confirmed", c["id"]: "confirmed"}
    smtp.wait_for(6)
    promoted = smtp.to("c1@example.com")[-1]
    assert promoted.get("X-Roadshow-Kind") is None  # plain mail, kind lives in the outbox
    mine = client.get(f"{URL}/{b['manage_url'].rsplit('/', 1)[1]}").json
    assert mine["status"] == "confirmed"
    assert all(x["ticket_code"] in text_of(promoted) for x in mine["attendees"])
    assert ics_of(promoted) is not None
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "promotion",
                                                         OutboxMessage.registration_id == c["id"]))
    # cancelled again: idempotent
    assert client.delete(f"{URL}/{token}").json == {"status": "cancelled"}


def test_head_that_does_not_fit_blocks_the_queue(client, app_ctx):
    ev = factories.event(capacity=2)
    first = factories.registration(ev, attendees=2)
    big_inv, small_inv = factories.invitation(ev, seats=2), factories.invitation(ev, seats=1)
    big = client.post(URL, json={"invitation": big_inv.token, "consent": True,
                                 "attendees": [person("甲"), person("乙")]}).json
    small = client.post(URL, json={"invitation": small_inv.token, "consent": True,
                                   "attendees": [person("丙", "13700137000")]}).json
    settle()
    assert big["status"] == small["status"] == "waitlisted"
    # one seat frees: the head (2) does not fit, so the 1-person registration behind it waits as well
    from roadshow.services import registration as service

    service.update_attendees(first, [{"id": first.attendees[0].id, "name": "甲", "phone": "13900000000"}],
                             consent=True)
    assert db.session.get(Registration, small["id"]).status.value == "waitlisted"
    service.cancel_registration(first)
    db.session.expire_all()
    assert db.session.get(Registration, big["id"]).status.value == "confirmed"
    assert db.session.get(Registration, small["id"]).status.value == "waitlisted"


def test_approval_flow(client, app_ctx, auth, smtp):
    organiser, door, viewer = (signed_in(auth, role) for role in ("organiser", "door", "viewer"))
    ev = factories.event(capacity=2, approval_required=True)
    inv1 = factories.invitation(ev, seats=2, email="one@example.com")
    inv2 = factories.invitation(ev, seats=2, email="two@example.com")
    inv3 = factories.invitation(ev, seats=1, email="three@example.com")
    r1 = client.post(URL, json={"invitation": inv1.token, "consent": True,
                                "attendees": [person("甲"), person("乙")]}).json
    r2 = client.post(URL, json={"invitation": inv2.token, "consent": True,
                                "attendees": [person("丙", "13700137000")]}).json
    r3 = client.post(URL, json={"invitation": inv3.token, "consent": True,
                                "attendees": [person("丁", "13600136000")]}).json
    assert r1["status"] == r2["status"] == r3["status"] == "pending"
    smtp.wait_for(3)
    assert "审核" in smtp.to("one@example.com")[0]["Subject"]

    listed = client.get(f"/api/v1/events/{ev.id}/registrations?status=pending", headers=organiser)
    assert listed.status_code == 200 and listed.json["total"] == 3
    assert listed.json["items"][0]["attendees"][0]["phone"] == "13800138000"
    for headers in (door, viewer):
        assert client.get(f"/api/v1/events/{ev.id}/registrations", headers=headers).status_code == 403
        assert client.post(f"/api/v1/registrations/{r1['id']}/approve", headers=headers).status_code == 403
    assert client.get("/api/v1/events/999999/registrations", headers=organiser).status_code == 404

    ok = client.post(f"/api/v1/registrations/{r1['id']}/approve", headers=organiser)
    assert ok.status_code == 200 and ok.json["status"] == "confirmed"
    assert all(a["ticket_code"] for a in ok.json["attendees"])
    full = client.post(f"/api/v1/registrations/{r2['id']}/approve", headers=organiser)
    assert full.json["status"] == "waitlisted"
    assert client.post(f"/api/v1/registrations/{r1['id']}/approve", headers=organiser).status_code == 409
    assert client.post("/api/v1/registrations/999999/approve", headers=organiser).status_code == 404

    rejected = client.post(f"/api/v1/registrations/{r1['id']}/reject", json={"reason": "名额已满，敬请谅解"},
                           headers=organiser)
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["decision_reason"] == "名额已满，敬请谅解"
    # r2 (waitlisted) takes the freed seats; r3 is still pending
    db.session.expire_all()
    assert db.session.get(Registration, r2["id"]).status.value == "confirmed"
    assert db.session.get(Registration, r3["id"]).status.value == "pending"
    smtp.wait_for(6)
    assert "名额已满，敬请谅解" in text_of(smtp.to("one@example.com")[-1])
    assert ics_of(smtp.to("two@example.com")[-1]) is not None
    assert client.post(f"/api/v1/registrations/{r1['id']}/reject", json={}, headers=organiser).status_code == 409
    only_confirmed = client.get(f"/api/v1/events/{ev.id}/registrations?status=confirmed&kind=enterprise",
                                headers=organiser).json
    assert [i["id"] for i in only_confirmed["items"]] == [r2["id"]]
    assert client.get(f"/api/v1/events/{ev.id}/registrations?kind=bank", headers=organiser).json["total"] == 0


def test_update_attendees_keeps_tickets_and_respects_seats_and_capacity(client, app_ctx):
    from roadshow.services import registration as service
    from roadshow.services.errors import Invalid

    ev = factories.event(capacity=3)
    inv = factories.invitation(ev, seats=3)
    r = client.post(URL, json={"invitation": inv.token, "consent": True,
                               "attendees": [person("甲"), person("乙")]}).json
    settle()
    factories.registration(ev, attendees=1)  # the last free seat
    reg = db.session.get(Registration, r["id"])
    keep = reg.attendees[0]
    code = keep.ticket_code
    with pytest.raises(Invalid) as exc:
        service.update_attendees(reg, [{"id": keep.id, "name": "甲", "phone": "13800138000"},
                                       {"name": "乙", "phone": "13800138001"}, {"name": "丙", "phone": "13800138002"}])
    assert "attendees" in exc.value.errors
    with pytest.raises(Invalid):
        service.update_attendees(reg, [{"name": str(i), "phone": "13800138000"} for i in range(4)])
    reg = service.update_attendees(reg, [{"id": keep.id, "name": "甲（改）", "phone": "13900000001"}], consent=True)
    assert [(a.name, a.ticket_code) for a in reg.attendees] == [("甲（改）", code)]
    assert reg.seats == 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.update_attendees"))
    reg = service.update_attendees(reg, [{"id": keep.id, "name": "甲", "phone": "13900000001"},
                                         {"name": "新人", "phone": "13900000002"}], consent=True)
    assert reg.seats == 2 and all(a.ticket_code for a in reg.attendees)


def test_open_and_decline_invitation(client, app_ctx):
    from roadshow.services import registration as service
    from roadshow.services.errors import Conflict

    ev = factories.event()
    inv = factories.invitation(ev, status=InvitationStatus.sent)
    assert service.open_invitation(inv.token).status is InvitationStatus.opened
    assert service.open_invitation(inv.token).status is InvitationStatus.opened
    assert service.decline_invitation(inv.token).status is InvitationStatus.declined
    inv2 = factories.invitation(ev)
    client.post(URL, json={"invitation": inv2.token, "consent": True, "attendees": [person()]})
    with pytest.raises(Conflict):
        service.decline_invitation(inv2.token)


def test_raising_capacity_promotes_through_promote_waitlist(client, app_ctx):
    from roadshow.services import registration as service

    ev = factories.event(capacity=1)
    first = client.post(URL, json={"invitation": factories.invitation(ev).token, "consent": True,
                                   "attendees": [person("甲")]}).json
    settle()
    second = client.post(URL, json={"invitation": factories.invitation(ev).token, "consent": True,
                                    "attendees": [person("乙", "13700137000")]}).json
    assert (first["status"], second["status"]) == ("confirmed", "waitlisted")
    settle()
    event = db.session.get(type(ev), ev.id)
    event.capacity = 2
    db.session.commit()
    promoted = service.promote_waitlist(event)
    assert [r.id for r in promoted] == [second["id"]]
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "promotion",
                                                         OutboxMessage.registration_id == second["id"]))
    assert service.promote_waitlist(event) == []


def test_hostile_text_is_escaped_in_pages_and_html_mail(client, invite, smtp):
    inv = invite()
    r = client.post(URL, json={"invitation": inv.token, "consent": True,
                               "attendees": [person('<script>alert("x")</script>', title="<b>总</b>")]})
    assert r.status_code == 201
    page = client.get(r.json["manage_url"].replace("http://localhost", "")).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    smtp.wait_for(1)
    html = html_of(smtp.messages[0])
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert '<script>alert("x")</script>' in text_of(smtp.messages[0])  # plain text stays as typed
