"""A registration under the event lock (issue 19): on PostgreSQL the lock, one deciding statement and the
commit, which releases the lock before the disk has it — the answer waits for the disk after it; on both
databases the answers are checked again when the questions changed since they were checked."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from roadshow.extensions import db
from roadshow.models import (
    Answer,
    AuditEntry,
    Organisation,
    OrgKind,
    Question,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)
from roadshow.services import register_in_one, registration
from tests import factories
from tests.registration.test_lock_scope import URL, _body, _event_lock, wire


@pytest.mark.postgres("the deciding statement and the commit that does not wait for the disk are PostgreSQL's")
def test_under_the_lock_one_statement_then_a_commit_and_the_answer_waits_for_the_disk(app, app_ctx, client):
    event_id = factories.event(capacity=1, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    for i, expected in ((1, "confirmed"), (2, "waitlisted")):
        with wire(app) as sent:
            r = client.post(URL, json=_body(event_id, i))
        assert r.status_code == 201 and r.get_json()["status"] == expected
        lock = _event_lock(sent)
        commit = sent.index("COMMIT", lock)
        held = [s.strip().upper() for s in sent[lock + 1:commit]]
        # the decision and every row it writes in one statement; the mail rendered before the lock is flushed
        # with the commit
        assert [s.split()[0] for s in held] == ["WITH", "INSERT"], held
        assert "SET_CONFIG('SYNCHRONOUS_COMMIT', 'OFF', TRUE)" in held[0] and "OUTBOX" in held[1]
        # then, before the answer, a transaction of its own that commits synchronously after ours
        assert any("PG_CURRENT_XACT_ID()" in s.upper() for s in sent[commit:]), sent[commit:]
    db.session.rollback()
    regs = db.session.scalars(select(Registration).where(Registration.event_id == event_id)
                              .order_by(Registration.id)).all()
    assert [r.status for r in regs] == [RegistrationStatus.confirmed, RegistrationStatus.waitlisted]
    assert regs[0].attendees[0].ticket_code and regs[1].attendees[0].ticket_code is None
    assert regs[0].confirmed_at is not None and regs[1].confirmed_at is None
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.create")
                                 .order_by(AuditEntry.entity_id)).all()
    assert [(e.entity_id, e.changes["status"], e.changes["organisation_id"]) for e in created] == [
        (regs[0].id, "confirmed", regs[0].organisation_id), (regs[1].id, "waitlisted", regs[1].organisation_id)]
    assert created[0].changes["attendees"] == ["嘉宾1"] and created[0].changes["seats"] == 1


@pytest.mark.postgres("the commit that does not wait for the disk is PostgreSQL's")
def test_a_refused_registration_leaves_the_next_unit_of_work_waiting_for_the_disk_as_usual(app, app_ctx, client):
    event_id = factories.event(capacity=5, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    assert client.post(URL, json=_body(event_id, 1, phone="13900000001")).status_code == 201
    r = client.post(URL, json=_body(event_id, 2, phone="13900000001"))  # the phone is taken: 409, nothing kept
    assert r.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.current_setting("synchronous_commit"))) == "on"
        assert db.session.scalar(select(func.count(Registration.id))) == 1


def _changed_meanwhile(app, monkeypatch, change):
    """Run `change` (another request's edit, committed) after the registration has checked its answers and
    before it takes the event lock."""
    checked = registration._known_organisation

    def then_change(*args, **kwargs):
        found = checked(*args, **kwargs)
        thread = threading.Thread(target=change)
        thread.start()
        thread.join(timeout=30)
        return found

    monkeypatch.setattr(registration, "_known_organisation", then_change)


def _ask(app, headers, event_id, **body):
    def run():
        r = app.test_client().post(f"/api/v1/events/{event_id}/questions", json=body, headers=headers)
        assert r.status_code == 201, r.get_json()
    return run


def test_a_question_made_required_meanwhile_is_asked_again_under_the_lock(app, app_ctx, client, auth, monkeypatch):
    headers = auth("organiser")
    event = factories.event(capacity=10, registration_mode=RegistrationMode.open)
    event_id = event.id
    db.session.rollback()
    _changed_meanwhile(app, monkeypatch, _ask(app, headers, event_id, label="投资意向", kind="choice",
                                                        options=["有明确意向", "暂无"], required=True))
    r = client.post(URL, json=_body(event_id, 1))
    assert r.status_code == 422, r.get_json()
    db.session.rollback()
    asked = db.session.scalar(select(Question.id).where(Question.event_id == event_id))
    assert list(r.get_json()["errors"]) == [f"answers.{asked}"]  # the question made meanwhile
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "registration.create")) == 0


def test_answers_checked_against_questions_that_changed_meanwhile_are_stored_once(app, app_ctx, client, auth,
                                                                                 monkeypatch):
    headers = auth("organiser")
    event = factories.event(capacity=10, registration_mode=RegistrationMode.open)
    event_id = event.id
    r = client.post(f"/api/v1/events/{event_id}/questions", json={"label": "备注", "kind": "text"}, headers=headers)
    note = r.get_json()["id"]
    db.session.rollback()
    _changed_meanwhile(app, monkeypatch, _ask(app, headers, event_id, label="融资需求（万元）", kind="number"))
    r = client.post(URL, json={**_body(event_id, 1), "answers": {str(note): "想了解园区政策"}})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["answers"] == {str(note): "想了解园区政策"}
    db.session.rollback()
    assert db.session.execute(select(Answer.question_id, Answer.value)).all() == [(note, "想了解园区政策")]
    logged = db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "registration.answers")).all()
    assert logged == [{"answers": {str(note): "想了解园区政策"}}]


# --- before the lock: the questions with their fingerprint, a new organisation in one statement -----------

def _before_lock(sent: list[str]) -> list[str]:
    return [s.strip().upper() for s in sent[:_event_lock(sent)]]


def _without_email(event_id, i, **organisation):
    body = _body(event_id, i)
    body["attendees"][0].pop("email")
    body["organisation"].update(organisation)
    return body


@pytest.mark.postgres("the one-statement organisation and the questions' fingerprint are PostgreSQL's")
def test_a_new_organisation_is_made_with_its_audit_row_in_one_statement_after_its_name_lock(app, app_ctx, client):
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    with wire(app) as sent:
        r = client.post(URL, json=_body(event_id, 1))
    assert r.status_code == 201, r.get_json()
    before = _before_lock(sent)
    name_lock = next(n for n, s in enumerate(before) if "PG_ADVISORY_XACT_LOCK" in s)
    # after the name's lock: one statement inserts the organisation and its audit row, nothing else
    assert len(before) == name_lock + 2, before[name_lock:]
    made = before[name_lock + 1]
    assert made.startswith("WITH") and "INSERT INTO ORGANISATIONS" in made and "INSERT INTO AUDIT_LOG" in made
    db.session.rollback()
    org = db.session.scalars(select(Organisation).where(Organisation.name == "锁范围测试企业1有限公司")).one()
    assert db.session.scalar(select(Registration.organisation_id)) == org.id
    assert org.kind is OrgKind.enterprise and org.created_at is not None
    assert db.session.execute(select(AuditEntry.entity_id, AuditEntry.changes, AuditEntry.actor)
                              .where(AuditEntry.action == "organisation.create")).all() == [
        (org.id, {"name": "锁范围测试企业1有限公司", "kind": "enterprise", "credit_code": None}, "system")]


@pytest.mark.parametrize("by_code", [False, True], ids=["same name", "same credit code"])
def test_an_organisation_made_meanwhile_is_taken_not_made_twice(app, app_ctx, client, monkeypatch, by_code):
    """Another request creates the organisation after this one looked it up (and found nothing) and
    before it takes the name's lock: the registration takes that one."""
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    code = "91440300708461136T"
    typed = {"credit_code": code} if by_code else {}
    other_name = "另一个名字的同一企业" if by_code else "锁范围测试企业1有限公司"
    looked_up = registration._known_organisation

    def then_made_elsewhere(checked):
        found = looked_up(checked)
        assert found is None

        def make():
            with app.app_context():
                factories.organisation(other_name, **typed)
        thread = threading.Thread(target=make)
        thread.start()
        thread.join(timeout=30)
        return found

    monkeypatch.setattr(registration, "_known_organisation", then_made_elsewhere)
    r = client.post(URL, json=_without_email(event_id, 1, **typed))
    assert r.status_code == 201, r.get_json()
    db.session.rollback()
    orgs = db.session.scalars(select(Organisation)).all()
    assert [(o.name, o.credit_code) for o in orgs] == [(other_name, code if by_code else None)]
    assert db.session.scalar(select(Registration.organisation_id)) == orgs[0].id
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "organisation.create")) == 0


def test_nobody_to_mail_no_seat_count_before_the_lock(app, app_ctx, client):
    """The seats are counted before the lock only to render the likely mail; without an address there is
    none to render (with one, the count is made: the test sees the difference)."""
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()

    def seat_counts(body):
        with wire(app) as sent:
            r = client.post(URL, json=body)
        assert r.status_code == 201, r.get_json()
        return sum("SUM(REGISTRATIONS.SEATS)" in s for s in _before_lock(sent))

    assert seat_counts(_without_email(event_id, 1)) == 0
    assert seat_counts(_body(event_id, 2)) == 1
    db.session.rollback()
    assert db.session.scalars(select(Registration.status).order_by(Registration.id)).all() == [
        RegistrationStatus.confirmed, RegistrationStatus.confirmed]


@pytest.mark.postgres("the questions' fingerprint is compared in PostgreSQL's deciding statement")
def test_the_questions_are_read_once_with_the_fingerprint_the_statement_computes(app, app_ctx, client, auth):
    headers = auth("organiser")
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    for body in ({"label": "备注", "kind": "text"},
                 {"label": "投资意向", "kind": "choice", "options": ["有明确意向", "暂无"], "required": True}):
        assert client.post(f"/api/v1/events/{event_id}/questions", json=body, headers=headers).status_code == 201
    db.session.rollback()
    read, fingerprint = register_in_one.questions_and_fingerprint(event_id)
    assert [q.label for q in read] == ["备注", "投资意向"]
    assert fingerprint == db.session.scalar(text(f"SELECT {register_in_one._FINGERPRINT}"), {"event_id": event_id})
    assert len(fingerprint) == 32
    choice = read[1].id
    with wire(app) as sent:
        r = client.post(URL, json={**_body(event_id, 1), "answers": {str(choice): "暂无"}})
    assert r.status_code == 201, r.get_json()
    assert sum("FROM QUESTIONS" in s for s in _before_lock(sent)) == 1  # the questions and their fingerprint
    assert r.get_json()["answers"] == {str(choice): "暂无"}


@pytest.mark.postgres("psycopg's statement cache")
def test_the_deciding_statement_is_short_enough_for_psycopg_to_keep_its_parsing(app, app_ctx):
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    for statement in (register_in_one._statement(), register_in_one._statement(read_event=True),
                      register_in_one._questions_statement()):
        compiled = str(statement.compile(dialect=db.engine.dialect))
        assert len(compiled) <= MAX_CACHED_STATEMENT_LENGTH, len(compiled)


# --- the event changed between the checks and the lock (PostgreSQL: the lock and the decision sent at once) ---

def _meanwhile(app, sql: str, **params):
    """A change committed by another connection after the registration's checks, before its lock."""
    def change():
        with app.app_context():
            db.session.execute(text(sql), params)
            db.session.commit()
    return change


def test_a_capacity_lowered_meanwhile_is_the_one_decided_by(app, app_ctx, client, monkeypatch):
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    assert client.post(URL, json=_body(event_id, 1)).get_json()["status"] == "confirmed"
    _changed_meanwhile(app, monkeypatch, _meanwhile(app, "UPDATE events SET capacity = 1 WHERE id = :id",
                                                             id=event_id))
    r = client.post(URL, json=_body(event_id, 2))
    assert r.status_code == 201 and r.get_json()["status"] == "waitlisted", r.get_json()


def test_an_event_cancelled_meanwhile_takes_no_registration_and_keeps_nothing(app, app_ctx, client, monkeypatch):
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    _changed_meanwhile(app, monkeypatch, _meanwhile(
        app, "UPDATE events SET status = 'cancelled' WHERE id = :id", id=event_id))
    r = client.post(URL, json=_body(event_id, 1))
    assert r.status_code == 410, r.get_json()
    assert r.headers["Content-Type"].startswith("application/problem+json")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    made = select(func.count(Organisation.id)).where(Organisation.name == "锁范围测试企业1有限公司")
    assert db.session.scalar(made) == 0


def test_a_retry_that_arrived_first_is_the_answer(app, app_ctx, client, monkeypatch):
    """The same request (one Idempotency-Key) sent twice at once: the copy that takes the lock second answers
    with the registration the first made."""
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()
    headers = {"Idempotency-Key": "sent-twice-1"}
    first: list = []

    def the_other_copy():
        monkeypatch.undo()  # the other copy runs through unhindered
        first.append(app.test_client().post(URL, json=_body(event_id, 1), headers=headers))

    _changed_meanwhile(app, monkeypatch, the_other_copy)
    r = client.post(URL, json=_body(event_id, 1), headers=headers)
    assert first[0].status_code == 201, first[0].get_json()
    assert r.status_code in (200, 201) and r.get_json()["id"] == first[0].get_json()["id"], r.get_json()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 1


@pytest.mark.postgres("the key checked in the statement sent with the lock; SQLite's writer's turn is serial")
def test_a_form_sent_twice_at_once_makes_one_registration(app, app_ctx, monkeypatch):
    """The form's one-time token sent twice (a double click, the second copy edited meanwhile): the copy
    that takes the lock second gets the first's registration, not a second one nor an error."""
    event_id = factories.event(capacity=10, registration_mode=RegistrationMode.open).id
    db.session.rollback()

    def send(phone):
        return registration.register(event_id=event_id, organisation={"name": "表单企业", "kind": "enterprise"},
                                     attendees=[{"name": "嘉宾", "phone": phone}], consent=True,
                                     idempotency_key="form-token-1", same_content=False)

    first: list[int] = []

    def the_other_copy():
        monkeypatch.undo()
        with app.app_context():
            first.append(send("13900000001").id)
            db.session.commit()

    _changed_meanwhile(app, monkeypatch, the_other_copy)
    second = send("13900000002")
    db.session.commit()
    assert second.id == first[0]
    assert db.session.scalar(select(func.count(Registration.id))) == 1
