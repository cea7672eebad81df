"""Taking an event's capacity under a lock, on SQLite and PostgreSQL alike.

PostgreSQL: ``SELECT … FOR UPDATE`` on the event row; concurrent registrations for the same
event queue on that row, other events are not blocked.
SQLite: the database has one writer at a time; a transaction that first reads and then writes
can fail when another writer commits in between, so the transaction starts with
``BEGIN IMMEDIATE`` — it takes the write lock before reading the counts (waiting up to the
busy timeout), which makes read-count-then-insert atomic.
"""
from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..extensions import db
from ..models import Event
from .errors import NotFound

IMMEDIATE = "roadshow_sqlite_immediate"


@sa_event.listens_for(Engine, "connect")
def _sqlite_manual_transactions(dbapi_connection, connection_record):
    # pysqlite's own transaction handling would BEGIN lazily and never IMMEDIATE; take it over.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None


@sa_event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")


def begin_write() -> None:
    """Start a fresh transaction that holds the write lock from its first statement (SQLite),
    ending whatever the session had open. Call at the start of a unit of work that must not
    interleave with another writer; on PostgreSQL it only starts a normal transaction."""
    session = db.session()  # the Session itself: scoped_session has no in_transaction()
    if session.in_transaction():
        session.commit()
    if db.engine.dialect.name == "sqlite":
        session.connection(execution_options={IMMEDIATE: True})


def lock_event(event_id: int) -> Event:
    """Begin a write transaction and return the event locked against concurrent capacity changes."""
    begin_write()
    stmt = select(Event).where(Event.id == event_id)
    if db.engine.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    event = db.session.scalar(stmt.execution_options(populate_existing=True))
    if event is None:
        raise NotFound()
    return event
