"""Transaction primitives for services: the write lock, row locks, dry runs.

The unit of work (`roadshow/uow.py`) owns every transaction: it begins it, commits it once and rolls
it back on error. Services never commit or roll back; what they use is here:

- `lock_event` / `lock_project`: the row a change must not race on, locked for the rest of the unit of
  work (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the writing unit of work holds the database's
  write lock from its first statement, which already serialises writers).
- `lock_name`: a name that no row holds yet (a new organisation's), locked the same way.
- `start_writing`: for the one unit of work declared *reads then writes* (the check-in scan), the point
  where its writes begin. On SQLite the read transaction ends there (it wrote nothing) and the writer's
  turn starts with ``BEGIN IMMEDIATE``; what was read must be re-checked by the writing statements.
- `dry_run`: run steps and undo them (a savepoint that is always rolled back): the import preview.
- `RELEASE_BEFORE_FLUSH` / `durable_after_commit`: PostgreSQL, for a hot lock (a registration burst on
  one event): the commit releases the locks without waiting for the disk, and the unit of work waits for
  the disk after it, before it answers (see `durable_after_commit`).

SQLite has one writer at a time, and a transaction that reads and then writes fails at once with
"database is locked" when another writer committed in between (SQLite cannot upgrade a stale
snapshot). So a writing unit of work starts with ``BEGIN IMMEDIATE``: it takes the write lock before
it reads. SQLite's own wait for that lock is a busy handler that polls, sleeping up to 100 ms between
tries, so under load a writer sleeps long after the lock came free (the check-in profile in
benchmarks/README.md showed 88 % of request time there). Writers therefore queue first in
`WriterQueue`: a thread lock in the process, then ``flock`` on a file beside the database across
processes; the kernel wakes the next writer as soon as the last one's connection is back in the pool.
SQLite's lock stays the rule; the queue only orders who asks for it.
"""
from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from ..extensions import db
from ..models import Event, Interest, Project
from .errors import NotFound

IMMEDIATE = "roadshow_sqlite_immediate"
T = TypeVar("T", Event, Project, Interest)  # the rows that are locked
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
            # Opened in this process (first use, or after the fork): gunicorn workers must not share it.
            if self._fd is None or self._pid != os.getpid():
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
            if self._fd is not None:  # None: never acquired, and the lock's own release below says so
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


MODE = "roadshow_uow_mode"  # session.info: how the open unit of work was declared (see roadshow/uow.py)
READ, WRITE, READ_THEN_WRITE = "read", "write", "read_then_write"


def begin_writing(session: Session) -> None:
    """Start the session's transaction as a writer (the unit of work does this before its first
    statement): on SQLite ``BEGIN IMMEDIATE`` in the writer queue; on PostgreSQL a normal transaction."""
    if session.in_transaction():
        raise RuntimeError("a writing unit of work must declare itself before its first statement")
    session.info[MODE] = WRITE
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={IMMEDIATE: True})


def start_writing() -> None:
    """A unit of work declared *reads then writes* starts its writes here; in a writing unit of work
    it does nothing. SQLite: end the read transaction without expiring what it loaded (it wrote
    nothing) and take the writer's turn; PostgreSQL: the transaction goes on (row locks and unique
    indexes decide there)."""
    session = db.session()
    mode = session.info.get(MODE)
    if mode == READ:
        raise RuntimeError("start_writing() in a unit of work declared read-only")
    if mode != READ_THEN_WRITE:
        return  # writing already, or no unit of work declared (a test or a shell)
    session.info[MODE] = WRITE
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("start_writing() after a write")
        keep, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()  # ends a transaction that only read (documented in DEVELOPERS.md)
        finally:
            session.expire_on_commit = keep
    session.connection(execution_options={IMMEDIATE: True})


def _require_writing() -> None:
    mode = db.session().info.get(MODE)
    if mode == READ:
        raise RuntimeError("a row lock needs a unit of work declared as writing")
    if mode == READ_THEN_WRITE:
        start_writing()  # a lock is where the writes of a reads-then-writes unit of work begin


def _locked(model: type[T], row_id: int) -> T:
    _require_writing()
    stmt = select(model).where(model.id == row_id)
    if db.engine.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    row = db.session.scalar(stmt.execution_options(populate_existing=True))
    if row is None:
        raise NotFound()
    return row


def lock_event(event_id: int) -> Event:
    """The event, locked for the rest of the unit of work against concurrent capacity changes."""
    return _locked(Event, event_id)


def lock_project(project_id: int) -> Project:
    """The project, locked for the rest of the unit of work: two stage changes made at once are
    applied one after the other (each sees the stage the other left), never both from the same stage."""
    return _locked(Project, project_id)


def lock_interest(interest_id: int) -> Interest:
    """A guest's interest (programme), locked for the rest of the unit of work: two clicks on "turn into
    a lead" at once make one lead, the second click finds it."""
    return _locked(Interest, interest_id)


def lock_name(namespace: str, name: str) -> None:
    """A name (a new organisation's) locked for the rest of the unit of work, without any row to lock:
    two requests that would create the same thing at once run one after the other, and the second
    finds what the first made. PostgreSQL: a transaction-level advisory lock on a hash of the name
    (a collision only makes two unrelated names wait for each other); SQLite: the writer's turn,
    which already serialises writers."""
    _require_writing()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                           {"key": f"{namespace}:{name}"})


DURABLE_AFTER = "roadshow_durable_after_commit"  # session.info: wait for the disk after the commit (uow.py)

# PostgreSQL, in a statement of the transaction: its commit releases the row locks as soon as its commit
# record is written, not after the disk has it (``synchronous_commit = off`` for this transaction alone).
# Whoever runs it calls `durable_after_commit()`.
RELEASE_BEFORE_FLUSH = "set_config('synchronous_commit', 'off', true)"


def durable_after_commit() -> None:
    """The transaction runs `RELEASE_BEFORE_FLUSH`: the unit of work waits for the disk after the commit
    and before it answers (`wait_durable`).

    Why: a registration holds its event's lock until its commit, and a commit waits for fsync (10–15 ms
    here), so a burst on one event was paced by the disk, one flush per registration. Why it stays as
    durable: WAL is flushed in order, so once a later commit record is on disk so is this one; the answer
    (and so the ticket, the manage link) is given only then, and a transaction that decided after this
    one and saw its rows has its commit record later still — a crash loses both or neither. Mail and SMS
    are sent by a deliverer whose claim is a synchronous commit, later than this one."""
    db.session().info[DURABLE_AFTER] = True


def wait_durable(session: Session) -> None:
    """After a commit that released its locks before the disk had it: wait until the disk has it. One
    statement in its own transaction that takes a transaction id: its synchronous commit writes a commit
    record after ours and waits for WAL to be flushed up to it (concurrent waiters share one flush)."""
    if not session.info.pop(DURABLE_AFTER, False):
        return
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("SELECT pg_current_xact_id()"))


@contextmanager
def dry_run() -> Iterator[None]:
    """Run the block's changes and undo them (a savepoint, always rolled back): what a change would
    do, written nowhere. The rest of the unit of work is untouched."""
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
