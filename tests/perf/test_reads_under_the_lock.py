"""What a registration reads under its event's lock does not grow with the event's registrations
(issue 19): the phone check starts from the attendees with those numbers (an index on attendees.phone),
and an event's registrations are read by (event_id, status). Before, the check read every registration of
the event and its attendees while the lock was held: 1 ms at 1,200 registrations, growing with them."""
from __future__ import annotations

import pytest
from sqlalchemy import event as sa_event

from roadshow.extensions import db
from roadshow.models import RegistrationMode
from roadshow.services import registration
from tests.conftest import IS_POSTGRES
from tests.perf.test_query_counts import _event_with
from tests.registration.test_lock_scope import URL, _body


def _open_event_with(registrations: int) -> int:
    return _event_with(registrations, attendees=1, capacity=100_000, registration_mode=RegistrationMode.open)


def _deciding_statement(client, event_id: int, i: int) -> tuple[str, dict]:
    seen: list[tuple[str, dict]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if "state AS MATERIALIZED" in statement:
            seen.append((statement, parameters))

    sa_event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert client.post(URL, json=_body(event_id, i)).status_code == 201
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listen)
    [found] = seen
    return found


def _buffers(statement: str, parameters: dict) -> int:
    """The pages the statement touches (PostgreSQL's EXPLAIN ANALYZE, in a transaction rolled back)."""
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]["Plan"]
        raw.rollback()
    return plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]


@pytest.mark.postgres("the deciding statement is PostgreSQL's")
def test_the_deciding_statement_reads_about_as_much_at_300_registrations_as_at_10(app, app_ctx, client):
    touched = []
    for i, size in enumerate((10, 300)):
        event_id = _open_event_with(size)
        _deciding_statement(client, event_id, 2 * i)  # warm: the plan
        touched.append(_buffers(*_deciding_statement(client, event_id, 2 * i + 1)))
    # the confirmed seats are still summed (a few pages more); reading every registration and its
    # attendees was three pages a registration
    assert touched[1] - touched[0] < 60, touched


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's planner; on PostgreSQL the deciding statement decides (above)")
def test_the_phone_check_starts_from_the_attendees_with_those_numbers(app, app_ctx):
    seen: list[tuple[str, tuple]] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if "attendees.phone" in statement:
            seen.append((statement, parameters))

    event_id = _open_event_with(3)
    sa_event.listen(db.engine, "before_cursor_execute", listen)
    try:
        registration._seat_state(event_id, {"13900000001"})
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listen)
    [(statement, parameters)] = seen
    sqlite = db.session.connection().connection.driver_connection
    plan = " | ".join(row[-1] for row in sqlite.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall())
    assert "ix_attendees_phone" in plan and "ix_registrations_event_status" in plan, plan
