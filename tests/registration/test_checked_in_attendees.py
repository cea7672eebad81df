"""Issue 14, item 1 "One seat, two guests": a checked-in attendee stays; check-ins are never deleted."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from roadshow.extensions import db
from roadshow.models import Attendee, AuditEntry, CheckIn, CheckInStatus, RegistrationMode
from tests import factories
from tests.registration.test_pages import csrf

CHECKED_IN_ZH = "已在入口签到"


def settle():
    from roadshow.services import mail

    mail.deliverer.wait()
    db.session.rollback()


@pytest.fixture
def checked_in(app_ctx, client, auth):
    """A confirmed registration of two; the first attendee has been scanned at the door."""
    ev = factories.event(capacity=10, registration_mode=RegistrationMode.open)
    reg = factories.registration(ev, attendees=2, names=["束从轩", "王经理"])
    headers = auth("door")
    settle()
    r = client.post(f"/api/v1/events/{ev.id}/checkins", json={"code": reg.attendees[0].ticket_code},
                    headers=headers)
    assert r.status_code == 201, r.json
    settle()
    return ev, reg, headers


def rows(people: list[dict]) -> dict:
    return {f"attendees-{i}-{key}": value for i, person in enumerate(people) for key, value in person.items()}


def post_attendees(client, reg, people: list[dict], consent: bool = False):
    page = client.get(f"/m/{reg.manage_token}").get_data(as_text=True)
    return client.post(f"/m/{reg.manage_token}/attendees", data={"csrf_token": csrf(page), **rows(people),
                                                                **({"consent": "y"} if consent else {})})


def active_checkins(attendee_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(CheckIn).where(
        CheckIn.attendee_id == attendee_id, CheckIn.status == CheckInStatus.active))


def test_manage_page_says_why_a_checked_in_attendee_is_fixed(client, checked_in):
    _ev, reg, _headers = checked_in
    html = client.get(f"/m/{reg.manage_token}").get_data(as_text=True)
    assert CHECKED_IN_ZH in html
    english = client.get(f"/m/{reg.manage_token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "checked in at the entrance" in english.lower()


def test_a_checked_in_attendee_cannot_be_replaced(client, checked_in):
    _ev, reg, _headers = checked_in
    first, second = reg.attendees
    first_id, code = first.id, first.ticket_code
    r = post_attendees(client, reg, [
        {"id": str(first_id), "name": "冒名者", "phone": "13700137000"},
        {"id": str(second.id), "name": second.name, "phone": second.phone}])
    assert r.status_code == 422
    assert CHECKED_IN_ZH in r.get_data(as_text=True)
    settle()
    kept = db.session.get(Attendee, first_id)
    assert (kept.name, kept.ticket_code) == ("束从轩", code)
    assert active_checkins(first_id) == 1


def test_a_checked_in_attendee_cannot_be_removed_and_keeps_the_check_in(client, checked_in):
    ev, reg, headers = checked_in
    first, second = reg.attendees
    first_id = first.id
    # removed and a new person in the freed seat: the new one would get a ticket and walk in too
    r = post_attendees(client, reg, [
        {"id": str(second.id), "name": second.name, "phone": second.phone},
        {"name": "新来的", "phone": "13600136000"}])
    assert r.status_code == 422
    assert CHECKED_IN_ZH in r.get_data(as_text=True) and "束从轩" in r.get_data(as_text=True)
    settle()
    assert db.session.get(Attendee, first_id) is not None
    assert active_checkins(first_id) == 1
    assert db.session.scalar(select(func.count()).select_from(Attendee).where(Attendee.name == "新来的")) == 0
    stats = client.get(f"/api/v1/events/{ev.id}/stats", headers=headers)
    if stats.status_code == 200:
        assert stats.json["checked_in"] == 1


def test_an_undone_check_in_keeps_its_history(client, checked_in, auth):
    _ev, reg, headers = checked_in
    first, second = reg.attendees
    first_id = first.id
    checkin_id = db.session.scalar(select(CheckIn.id).where(CheckIn.attendee_id == first_id))
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=headers).status_code == 200
    settle()
    r = post_attendees(client, reg, [{"id": str(second.id), "name": second.name, "phone": second.phone}])
    assert r.status_code == 422
    settle()
    assert db.session.get(CheckIn, checkin_id).status is CheckInStatus.undone


def test_other_attendees_can_still_be_changed(client, checked_in):
    _ev, reg, _headers = checked_in
    first, second = reg.attendees
    r = post_attendees(client, reg, [
        {"id": str(first.id), "name": first.name, "phone": first.phone, "title": "董事长"},
        {"id": str(second.id), "name": "李四", "phone": "13500135000"}], consent=True)  # a newcomer consents
    assert r.status_code == 302
    settle()
    assert [a.name for a in db.session.get(type(reg), reg.id).attendees] == ["束从轩", "李四"]


def test_the_database_refuses_to_delete_a_check_in_by_cascade(app_ctx, checked_in):
    _ev, reg, _headers = checked_in
    attendee_id = reg.attendees[0].id
    with pytest.raises(IntegrityError):
        db.session.execute(text("DELETE FROM attendees WHERE id = :id"), {"id": attendee_id})
        db.session.flush()
    db.session.rollback()
    assert active_checkins(attendee_id) == 1


@pytest.mark.parametrize("table,model", [("checkins", CheckIn), ("audit_log", AuditEntry)])
def test_ids_are_never_reused(app_ctx, checked_in, table, model):
    highest = db.session.scalar(select(func.max(model.id)))
    if table == "checkins":
        db.session.execute(text("UPDATE checkins SET status = 'undone' WHERE id = :id"), {"id": highest})
    db.session.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": highest})
    db.session.commit()
    if table == "checkins":
        attendee = db.session.get(Attendee, _second_attendee(checked_in))
        row = CheckIn(event_id=attendee.registration.event_id, attendee_id=attendee.id,
                      scanned_at=attendee.created_at)
    else:
        row = AuditEntry(action="test.id", entity_type="test", entity_id=None)
    db.session.add(row)
    db.session.commit()
    assert row.id > highest


def _second_attendee(checked_in) -> int:
    return checked_in[1].attendees[1].id
