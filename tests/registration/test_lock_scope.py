"""The event lock covers only counting the seats, deciding and inserting (issue 19): a registration is
checked, its organisation looked up and its mails rendered before it asks for the lock, so a bad request
never takes the lock nor waits for it. Real SQLite file and PostgreSQL; the lock statements are counted
on the wire (``before_cursor_execute``)."""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager

from sqlalchemy import event as sa_event
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Event, Organisation, OutboxMessage, Registration, RegistrationMode, RegistrationStatus
from tests import factories
from tests.conftest import IS_POSTGRES

URL = "/api/v1/public/registrations"


def _lock_statement(sql: str) -> bool:
    sql = sql.upper()
    if IS_POSTGRES:
        return "FOR UPDATE" in sql or "PG_ADVISORY" in sql
    return sql.startswith("BEGIN IMMEDIATE")  # SQLite's write lock: the writer's turn


@contextmanager
def wire(app):
    """Every statement this thread sends (and COMMIT), in order: the test client's request runs here,
    the outbox thread's own statements are not counted."""
    sent: list[str] = []
    me = threading.get_ident()

    def statement(conn, cursor, sql, params, context, executemany):
        if threading.get_ident() == me:
            sent.append(sql)

    def commit(conn):
        if threading.get_ident() == me:
            sent.append("COMMIT")

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", statement)
    sa_event.listen(engine, "commit", commit)
    try:
        yield sent
    finally:
        sa_event.remove(engine, "before_cursor_execute", statement)
        sa_event.remove(engine, "commit", commit)


def _open_event(capacity=10):
    ev = factories.event(capacity=capacity, registration_mode=RegistrationMode.open)
    return ev.id


def _body(event_id, i=1, phone=None, **extra):
    return {"event_id": event_id, "consent": True,
            "organisation": {"name": f"锁范围测试企业{i}有限公司", "kind": "enterprise"},
            "attendees": [{"name": f"嘉宾{i}", "phone": phone or f"139{i:08d}", "email": f"guest{i}@example.com"}],
            **extra}


def test_a_refused_registration_never_takes_the_lock(app, app_ctx, client):
    event_id = _open_event()
    db.session.rollback()
    bad = [_body(event_id, phone="12345"),  # not a mobile number
           {**_body(event_id), "consent": False},
           {**_body(event_id), "attendees": []}]
    with wire(app) as sent:
        for body in bad:
            r = client.post(URL, json=body)
            assert r.status_code == 422, r.get_data(as_text=True)
            assert r.headers["Content-Type"].startswith("application/problem+json")
    assert [s for s in sent if _lock_statement(s)] == []

    with wire(app) as sent:
        r = client.post(URL, json=_body(event_id))
    assert r.status_code == 201 and r.get_json()["status"] == "confirmed"
    assert len([s for s in sent if _lock_statement(s)]) >= 1  # the counting above does see a lock


def _event_lock(sent: list[str]) -> int:
    """Where the event lock is taken: its row FOR UPDATE (PostgreSQL); on SQLite the event read in the
    writer's turn (the turn itself begins a little earlier, with the writes: a new organisation)."""
    if IS_POSTGRES:
        return next(n for n, s in enumerate(sent) if "FOR UPDATE" in s.upper() and "FROM EVENTS" in s.upper())
    turn = next(n for n, s in enumerate(sent) if _lock_statement(s))
    return next(n for n, s in enumerate(sent) if n > turn and "FROM EVENTS" in s.upper())


def test_a_known_organisation_is_looked_up_outside_the_lock(app, app_ctx, client):
    event_id = _open_event()
    factories.organisation("锁范围测试企业1有限公司")
    db.session.rollback()
    with wire(app) as sent:
        r = client.post(URL, json=_body(event_id, 1))
    assert r.status_code == 201
    turn = next(n for n, s in enumerate(sent) if _lock_statement(s))  # SQLite: the writer's whole turn
    held = [s.upper() for s in sent[turn:sent.index("COMMIT", turn)]]
    assert not [s for s in held if "ORGANISATIONS" in s.split(" WHERE")[0]], held
    assert any("ORGANISATIONS" in s.upper() for s in sent[:turn])  # looked up before
    db.session.rollback()
    assert db.session.scalar(select(Registration.organisation_id)) == db.session.scalar(
        select(Organisation.id).where(Organisation.name == "锁范围测试企业1有限公司"))


def test_under_the_lock_only_counting_deciding_and_inserting(app, app_ctx, client):
    """From the event lock to the commit: no organisation look-up or creation, no ticket update, and few
    statements (the seat count is one)."""
    event_id = _open_event(capacity=1)
    db.session.rollback()
    for i, expected in ((1, "confirmed"), (2, "waitlisted")):
        with wire(app) as sent:
            r = client.post(URL, json=_body(event_id, i))
        assert r.status_code == 201 and r.get_json()["status"] == expected
        lock = _event_lock(sent)
        held = [s.upper() for s in sent[lock:sent.index("COMMIT", lock)]]
        assert not [s for s in held if "ORGANISATIONS" in s.split(" WHERE")[0]], held
        assert not [s for s in held if s.startswith("UPDATE ATTENDEES")], held
        # the lock, the seats (one statement), the questions again, the answer's own read of the answers
        assert len([s for s in held if s.startswith("SELECT")]) <= 4, held
    db.session.rollback()
    regs = db.session.scalars(select(Registration).where(Registration.event_id == event_id)
                              .order_by(Registration.id)).all()
    assert [r.status for r in regs] == [RegistrationStatus.confirmed, RegistrationStatus.waitlisted]
    assert all(a.ticket_code for a in regs[0].attendees) and not any(a.ticket_code for a in regs[1].attendees)
    # the mail rendered before the lock is the one of the status decided inside it
    subjects = {m.registration_id: m.subject for m in db.session.scalars(select(OutboxMessage))}
    assert "报名成功" in subjects[regs[0].id] or "confirmed" in subjects[regs[0].id].lower()
    assert "候补" in subjects[regs[1].id] or "waiting list" in subjects[regs[1].id].lower()
    assert db.session.scalar(select(Organisation.id).where(Organisation.name == "锁范围测试企业1有限公司"))


@contextmanager
def event_locked_elsewhere(app, event_id):
    """Another connection holds the event's lock (PostgreSQL: its row FOR UPDATE; SQLite: the write lock)."""
    with app.app_context():
        if IS_POSTGRES:
            conn = db.engine.connect()
            try:
                trans = conn.begin()
                conn.execute(select(Event.id).where(Event.id == event_id).with_for_update())
                yield
                trans.rollback()
            finally:
                conn.close()
        else:
            raw = sqlite3.connect(db.engine.url.database, isolation_level=None)
            try:
                raw.execute("BEGIN IMMEDIATE")
                yield
                raw.execute("ROLLBACK")
            finally:
                raw.close()


def _post_in_thread(app, body):
    result: dict = {}

    def run():
        started = time.monotonic()
        r = app.test_client().post(URL, json=body)
        result.update(status=r.status_code, body=r.get_json(), seconds=time.monotonic() - started)
        r.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_bad_request_is_answered_while_another_holds_the_lock(app, app_ctx):
    event_id = _open_event()
    db.session.rollback()
    db.session.close()
    with event_locked_elsewhere(app, event_id):
        waiting, good = _post_in_thread(app, _body(event_id, 7))
        bad_thread, bad = _post_in_thread(app, _body(event_id, 8, phone="12345"))
        bad_thread.join(timeout=10)
        assert bad.get("status") == 422, bad  # answered while the lock is held, not after
        assert bad["body"]["errors"]["attendees.0.phone"]
        time.sleep(0.5)
        assert waiting.is_alive() and not good  # a good one does wait for the lock
    waiting.join(timeout=60)
    assert good["status"] == 201 and good["body"]["status"] == "confirmed"


def test_a_mail_the_lock_did_not_expect_is_rendered_under_it(app, app_ctx, client, monkeypatch):
    """Far from full only the confirmation is rendered before the lock; should the lock decide otherwise
    (the seats went meanwhile), the registrant still gets the mail of the status decided."""
    from roadshow.services import registration

    event_id = _open_event(capacity=100)
    db.session.rollback()
    monkeypatch.setattr(registration, "_likely_statuses", lambda *args: (RegistrationStatus.waitlisted,))
    r = client.post(URL, json=_body(event_id, 3))
    assert r.status_code == 201 and r.get_json()["status"] == "confirmed"
    db.session.rollback()
    message = db.session.scalar(select(OutboxMessage))
    assert message.kind == "confirmation" and "报名成功" in message.subject
    assert r.get_json()["attendees"][0]["ticket_code"] in message.body_text
    assert message.attachments and message.attachments[0]["filename"] == "event.ics"
