"""Taking an event's capacity under a lock, on SQLite and PostgreSQL alike.

PostgreSQL: ``SELECT … FOR UPDATE`` on the event row; concurrent registrations for the same
event queue on that row, other events are not blocked.
SQLite: the database has one writer at a time; a transaction that first reads and then writes
can fail when another writer commits in between, so the transaction starts with
``BEGIN IMMEDIATE`` — it takes the write lock before reading the counts (waiting up to the
busy timeout), which makes read-count-then-insert atomic.

SQLite's own wait for that lock is a busy handler that polls, sleeping up to 100 ms between tries,
so under load a writer sleeps long after the lock came free (the check-in profile in
benchmarks/README.md showed 88 % of request time there). Writers therefore queue first in
`WriterQueue`: a thread lock in the process, then ``flock`` on a file beside the database across
processes; the kernel wakes the next writer as soon as the last one's connection is back in the pool.
SQLite's lock stays the rule; the queue only orders who asks for it.
"""
from __future__ import annotations

import fcntl
import os
import threading

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from ..extensions import db
from ..models import Event
from .errors import NotFound

IMMEDIATE = "roadshow_sqlite_immediate"
QUEUE_TIMEOUT = 30.0  # as long as SQLite's busy timeout; past it, SQLite's own wait decides


class WriterQueue:
    """One writer at a time for one SQLite file: threads of this process, then processes."""

    def __init__(self, path: str):
        self.path = path + "-writer"
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._fd: int | None = None
        self._pid: int | None = None

    def acquire(self) -> bool:
        """Wait for the turn; False when this thread holds it already or the wait timed out."""
        if self._owner == threading.get_ident() or not self._lock.acquire(timeout=QUEUE_TIMEOUT):
            return False
        try:
            if self._pid != os.getpid():  # opened after the fork: gunicorn workers must not share it
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._lock.release()
            raise
        self._owner = threading.get_ident()
        return True

    def release(self) -> None:
        self._owner = None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def _queue_for(database: str | None) -> WriterQueue | None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = os.path.abspath(database)
    with _queues_lock:
        return _queues.setdefault(path, WriterQueue(path))


@sa_event.listens_for(Engine, "connect")
def _sqlite_manual_transactions(dbapi_connection, connection_record):
    # pysqlite's own transaction handling would BEGIN lazily and never IMMEDIATE; take it over.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None


@sa_event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    if not conn.get_execution_options().get(IMMEDIATE):
        conn.exec_driver_sql("BEGIN")
        return
    queue = _queue_for(conn.engine.url.database)
    if queue and queue.acquire():
        conn.connection.info["roadshow_writer"] = queue  # released when the connection is back in the pool
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@sa_event.listens_for(Pool, "checkin")
def _release_writer(dbapi_connection, connection_record):
    # after the commit or the rollback-on-return: the write lock is free, the next writer may go
    if connection_record is not None and (queue := connection_record.info.pop("roadshow_writer", None)):
        queue.release()


@sa_event.listens_for(Pool, "invalidate")
def _release_writer_of_invalidated(dbapi_connection, connection_record, exception):
    _release_writer(dbapi_connection, connection_record)


def begin_write() -> None:
    """Start a fresh transaction that holds the write lock from its first statement (SQLite),
    ending whatever the session had open. Call at the start of a unit of work that must not
    interleave with another writer; on PostgreSQL it only starts a normal transaction."""
    session = db.session()  # the Session itself: scoped_session does not proxy in_transaction()
    if session.in_transaction():
        session.commit()
    if db.engine.dialect.name == "sqlite":
        session.connection(execution_options={IMMEDIATE: True})


def write_after_read() -> None:
    """The unit of work has only read so far and now writes. SQLite: end the read transaction
    without expiring what it loaded (it wrote nothing) and take the writer's turn with
    ``BEGIN IMMEDIATE``; what was read must be re-checked by the writing statements. PostgreSQL:
    the transaction simply goes on — row locks and unique indexes decide there."""
    if db.engine.dialect.name != "sqlite":
        return
    session = db.session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_after_read() after a write; use begin_write() at the start instead")
        keep, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = keep
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
