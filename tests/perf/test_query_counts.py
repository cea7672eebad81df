"""The hot endpoints send as many SQL statements with a lot of data as with a little: a later change
that adds an N+1 query fails here (speed itself is measured in benchmarks/, not in tests)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, CheckIn, RegistrationMode
from tests import factories

TRANSACTION_CONTROL = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}


@contextmanager
def statements():
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper() not in TRANSACTION_CONTROL and not statement.startswith(("SAVEPOINT", "RELEASE")):
            seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listen)


def _event_with(registrations: int, attendees: int = 3, **fields) -> int:
    ev = factories.event(**fields)
    for _ in range(registrations):
        factories.registration(ev, attendees=attendees)
    event_id = ev.id
    db.session.commit()
    return event_id


def test_stats_do_not_grow_with_attendees(client, auth, app_ctx):
    headers = auth("door")
    counts = []
    for size in (1, 40):
        event_id = _event_with(size)
        client.get(f"/api/v1/events/{event_id}/stats", headers=headers)  # warm: token lookup etc.
        with statements() as seen:
            assert client.get(f"/api/v1/events/{event_id}/stats", headers=headers).status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_check_in_does_not_grow_with_attendees(client, auth, app_ctx):
    headers = auth("door")
    client.get("/api/v1/auth/me", headers=headers)  # warm: the tokens' revocation cache
    counts = []
    for size in (1, 40):
        ev = factories.event()
        regs = [factories.registration(ev, attendees=3) for _ in range(size)]
        event_id, code = ev.id, regs[-1].attendees[0].ticket_code
        db.session.commit()
        with statements() as seen:
            r = client.post(f"/api/v1/events/{event_id}/checkins", json={"code": code, "device": "门"}, headers=headers)
            assert r.status_code == 201
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


AUTH = ("api_tokens",)  # the bearer token's look-up: authentication, not the scan


@contextmanager
def scan_statements():
    """What a scan sends, authentication left out: its statements (transaction control apart) and
    its commits."""
    seen: list[str] = []
    commits: list[int] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if not any(table in statement for table in AUTH):
            seen.append(statement)

    def commit(conn):
        commits.append(1)

    sa_event.listen(db.engine, "before_cursor_execute", listen)
    sa_event.listen(db.engine, "commit", commit)
    try:
        yield seen, commits
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listen)
        sa_event.remove(db.engine, "commit", commit)


def _own(seen: list[str]) -> list[str]:
    return [s for s in seen
            if s.strip().upper() not in TRANSACTION_CONTROL and not s.startswith(("SAVEPOINT", "RELEASE"))]


@pytest.mark.postgres("the one-statement scan is PostgreSQL's (a data-modifying CTE)")
def test_a_scan_is_one_statement_and_its_commit_on_postgresql(client, auth, app_ctx):
    headers = auth("door")
    ev = factories.event()
    attendee = factories.registration(ev, attendees=1).attendees[0]
    event_id, attendee_id, code = ev.id, attendee.id, attendee.ticket_code
    db.session.commit()
    url = f"/api/v1/events/{event_id}/checkins"
    client.get("/api/v1/auth/me", headers=headers)  # warm: the tokens' revocation cache
    db.session.commit()  # the test's own read ends here, not inside the counted scan
    with scan_statements() as (seen, commits):
        first = client.post(url, json={"code": code, "device": "东门", "scanned_at": "2023-04-18T08:55:00+08:00"},
                            headers=headers)
    assert first.status_code == 201 and first.json["result"] == "ok"
    assert first.json["attendee"]["id"] == attendee_id and first.json["checkin"]["device"] == "东门"
    assert len(_own(seen)) == 1 and len(commits) == 1, seen
    with scan_statements() as (seen, commits):
        again = client.post(url, json={"code": code, "device": "西门"}, headers=headers)
    assert again.status_code == 409 and again.json["result"] == "already_checked_in"
    assert again.json["device"] == "东门" and again.json["checkin_id"] == first.json["checkin"]["id"]
    assert datetime.fromisoformat(again.json["first_checked_in_at"]) == datetime.fromisoformat(
        "2023-04-18T08:55:00+08:00")
    assert len(_own(seen)) == 1 and not commits, seen  # a 409 wrote nothing: rolled back
    # the one statement wrote the check-in and its audit row, as a scan always did
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(CheckIn.id))) == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.create")).one()
    assert entry.entity_type == "checkin" and entry.entity_id == first.json["checkin"]["id"] and entry.actor != "system"
    assert entry.changes == {"attendee_id": attendee_id, "event_id": event_id,
                             "scanned_at": "2023-04-18T08:55:00+08:00", "device": "东门", "method": "scan"}


def test_a_repeat_scan_on_sqlite_reads_once_and_never_queues_for_the_writer(client, auth, app_ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writer queue")
    headers = auth("door")
    ev = factories.event()
    code = factories.registration(ev, attendees=1).attendees[0].ticket_code
    event_id = ev.id
    db.session.commit()
    url = f"/api/v1/events/{event_id}/checkins"
    client.get("/api/v1/auth/me", headers=headers)  # warm: the tokens' revocation cache
    db.session.commit()  # the test's own read ends here, not inside the counted scan
    with scan_statements() as (seen, commits):
        assert client.post(url, json={"code": code}, headers=headers).status_code == 201
    assert len(_own(seen)) == 3 and "BEGIN IMMEDIATE" in seen, seen  # the read; in the turn: insert, audit
    with scan_statements() as (seen, commits):
        again = client.post(url, json={"code": code}, headers=headers)
    assert again.status_code == 409 and again.json["result"] == "already_checked_in"
    assert len(_own(seen)) == 1 and "BEGIN IMMEDIATE" not in seen, seen


def test_registration_does_not_grow_with_registrations(client, app_ctx):
    counts = []
    for size in (1, 40):
        event_id = _event_with(size, capacity=10_000, registration_mode=RegistrationMode.open)
        body = {"event_id": event_id, "organisation": {"name": f"计数企业{size}", "kind": "enterprise"},
                "attendees": [{"name": "张三", "phone": "13800138000"}, {"name": "李四", "phone": "13900139000"}],
                "consent": True}
        with statements() as seen:
            assert client.post("/api/v1/public/registrations", json=body).status_code == 201
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_feed_does_not_grow_with_events(client, app_ctx):
    counts = []
    for size in (2, 30):
        for _ in range(size):
            factories.event(description="说明")
        db.session.commit()
        with statements() as seen:
            assert client.get("/calendar.ics").status_code == 200
        counts.append(len(seen))
        from roadshow.models import Event

        db.session.query(Event).delete()
        db.session.commit()
    assert counts[0] == counts[1], counts


def test_registration_list_does_not_grow_with_its_page(client, auth, app_ctx):
    headers = auth("organiser")
    counts = []
    for size in (1, 40):
        event_id = _event_with(size)
        client.get(f"/api/v1/events/{event_id}/registrations?per_page=50", headers=headers)
        with statements() as seen:
            r = client.get(f"/api/v1/events/{event_id}/registrations?per_page=50", headers=headers)
            assert r.status_code == 200 and len(r.json["items"]) == size
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_console_registration_list_does_not_grow_with_its_page(client, make_user, app_ctx):
    from tests.conftest import sign_in

    sign_in(client, make_user("organiser"))
    counts = []
    for size in (1, 40):
        event_id = _event_with(size)
        client.get(f"/events/{event_id}/registrations/")
        with statements() as seen:
            r = client.get(f"/events/{event_id}/registrations/")
            rows = re.findall(rf'href="/events/{event_id}/registrations/\d+"', r.get_data(as_text=True))
            assert r.status_code == 200 and len(rows) == size
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def _about_tokens(seen: list[str]) -> list[str]:
    return [s for s in seen if re.search(r"\b(api_tokens|users)\b", s)]


def test_authenticated_requests_send_no_token_query(client, auth, app_ctx):
    """A signed bearer token is checked without the database (services/tokens.py): once this process's
    revocation cache is loaded, neither the token nor its user is looked up; `/auth/me` sends nothing."""
    headers = auth("door")
    ev = factories.event()
    reg = factories.registration(ev, attendees=2)
    event_id, codes = ev.id, [a.ticket_code for a in reg.attendees]
    db.session.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200  # loads the cache
    with statements() as seen:
        me = client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200 and me.json["role"] == "door"
    assert seen == []
    with statements() as seen:
        r = client.post(f"/api/v1/events/{event_id}/checkins", json={"code": codes[0], "device": "门"}, headers=headers)
        assert r.status_code == 201
        assert client.get(f"/api/v1/events/{event_id}/stats", headers=headers).status_code == 200
    assert seen and _about_tokens(seen) == []
