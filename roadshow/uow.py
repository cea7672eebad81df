"""The unit of work: one transaction per request, CLI command or job, owned here.

A unit of work declares before its first statement whether it writes. It begins the transaction
(a writer takes SQLite's write lock first, so it never has to upgrade a read and fail with
"database is locked"), commits once at the end, and rolls back on any error. Services flush and
raise domain errors; they never commit or roll back (`roadshow/services/locks.py` holds the few
primitives they use: row locks, `start_writing`, `dry_run`).

Requests: `init_app` runs every request in one. Its kind comes from the method — GET, HEAD and
OPTIONS read, the others write — unless the view says otherwise with a decorator:

- `@writes`: a GET that writes (opening a personal link marks the invitation opened);
- `@reads`: a POST that writes nothing (sign-in);
- `@reads_then_writes`: reads without the write lock, then writes from `locks.start_writing()` on
  (the check-in scan and the token issue: the lock is not held over a password hash or a ticket read).

A reading unit of work ends when the request's app context does (after a streamed body). An answer of
400 or more is rolled back, whatever the view did; so is an exception, and the error page
is rendered in a fresh transaction. A view that catches a domain error and still answers below 400
(a flash and a redirect) runs the service call in `atomic()`, so what the failed call wrote is undone.
Mail queued in the outbox is handed to the deliverer after the commit (services/mail.py). A unit of work
whose transaction let its commit release the locks before the disk had it (a registration on PostgreSQL,
`locks.durable_after_commit`) waits for the disk after the commit, before it answers (`locks.wait_durable`).

CLI commands and jobs use `with unit_of_work(write=True): ...`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, Response, request
from sqlalchemy import event as sa_event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import ORMExecuteState, Session

from .extensions import db
from .services.locks import (
    DURABLE_AFTER,
    MODE,
    READ,
    READ_THEN_WRITE,
    WRITE,
    begin_writing,
    start_writing,
    wait_durable,
)

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _declare(mode: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view.uow_mode = mode  # type: ignore[attr-defined]
        return view

    return decorator


writes = _declare(WRITE)
reads = _declare(READ)
reads_then_writes = _declare(READ_THEN_WRITE)


def _begin(session: Session, mode: str) -> None:
    if session.in_transaction():
        # Something ran before the unit of work: end it (it may only have read, see the guard below).
        session.rollback()
    if mode == WRITE:
        begin_writing(session)
    else:
        session.info[MODE] = mode


@contextmanager
def unit_of_work(write: bool = True) -> Iterator[Session]:
    """One transaction for a CLI command or a job: committed at the end, rolled back on error."""
    session = db.session()
    _begin(session, WRITE if write else READ)
    try:
        yield session
        session.commit()
        wait_durable(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(MODE, None)
        session.info.pop(DURABLE_AFTER, None)


@contextmanager
def atomic() -> Iterator[None]:
    """A step that is undone on its own when it raises (a savepoint): for a view that turns a domain
    error into a message and still answers below 400."""
    start_writing()  # a reads-then-writes unit of work writes from here (a savepoint is a write)
    with db.session.begin_nested():
        yield


def _request_mode(app: Flask) -> str:
    view = app.view_functions.get(request.endpoint or "")
    declared = getattr(view, "uow_mode", None)
    if declared is not None:
        return declared
    return READ if request.method in SAFE_METHODS else WRITE


def run_request(app: Flask, dispatch: Callable[[], Response]) -> Response:
    """Dispatch the request inside its unit of work (called by the app's `full_dispatch_request`)."""
    session = db.session()
    try:
        _begin(session, _request_mode(app))
        response = dispatch()
        if session.info.get(MODE) == READ:
            # Nothing to commit; the transaction ends when the app context does (Flask-SQLAlchemy closes
            # the session), so a streamed answer (a CSV export) still reads what the view loaded.
            return response
        if response.status_code < 400:
            session.commit()
            wait_durable(session)  # a commit that released its locks before the disk had it (locks.py)
        else:
            session.rollback()
        return response
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(MODE, None)
        session.info.pop(DURABLE_AFTER, None)


def end_failed() -> None:
    """An exception ends the unit of work's changes before its error page is rendered (a failed
    PostgreSQL transaction accepts no query, not even the signed-in user's)."""
    session = db.session()
    if session.in_transaction():
        try:
            session.rollback()
        except (OperationalError, InterfaceError):  # the connection is gone: nothing to undo on it
            session.close()


class RoadshowFlask(Flask):
    """Flask with one unit of work around each request's dispatch, error handlers and after-request
    hooks included, so every statement of the request is inside it."""

    def full_dispatch_request(self) -> Response:  # type: ignore[override]
        try:
            return run_request(self, super().full_dispatch_request)
        except (OperationalError, InterfaceError) as exc:
            # The database failed outside the view (taking SQLite's write lock, the commit): the same
            # answer as inside it, the app's 503 handler.
            return self.finalize_request(self.handle_user_exception(exc))

    def handle_user_exception(self, e: Exception):  # type: ignore[override]
        end_failed()
        return super().handle_user_exception(e)


# --- the read-only guard -------------------------------------------------------------------------
# A unit of work declared as reading that writes would work alone and fail under load on SQLite
# ("database is locked"): refuse it at once, in every test, on both databases.

class UndeclaredWrite(RuntimeError):
    pass


def _reading(session: Session) -> bool:
    return session.info.get(MODE) in (READ, READ_THEN_WRITE)


@sa_event.listens_for(Session, "before_flush")
def _no_flush_while_reading(session: Session, flush_context, instances) -> None:
    if _reading(session) and (session.new or session.deleted
                              or any(session.is_modified(obj) for obj in session.dirty)):
        raise UndeclaredWrite("a unit of work declared as reading writes: declare it with @writes "
                              "or call locks.start_writing() first")


@sa_event.listens_for(Session, "do_orm_execute")
def _no_dml_while_reading(state: ORMExecuteState) -> None:
    if _reading(state.session) and (state.is_insert or state.is_update or state.is_delete):
        raise UndeclaredWrite("a unit of work declared as reading writes: declare it with @writes "
                              "or call locks.start_writing() first")
