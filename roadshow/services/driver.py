"""A compiled statement sent on the session's own connection straight through psycopg (PostgreSQL only).

For the two hottest statements — the registration's lock and decision (`register_in_one`) and the door
scan (`checkin`) — SQLAlchemy's execution layer (its compiled cache look-up, execution context and result
set-up) is CPU a request spends for nothing (the scan's service and commit: 0.65 → 0.53 ms in-process,
benchmarks/README.md). Here a statement is compiled once per dialect, its parameters are bound with the
types' own processors, listeners of `before_cursor_execute` (the tests' statement counters) see it as they
see any other, and a psycopg error is raised as SQLAlchemy raises it (`IntegrityError`, `OperationalError`
→ the 503 …). Everything else stays on the ORM.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler


def bound(compiled: SQLCompiler, params: Mapping[str, Any]) -> dict[str, Any]:
    """The compiled statement's parameters as psycopg receives them from SQLAlchemy."""
    values = dict(compiled.construct_params(dict(params)))
    processors: Mapping[str, Any] = compiled._bind_processors
    for name, process in processors.items():
        values[name] = process(values[name])
    return values


def announce(connection: Connection, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Tell what listens for statements on this connection (as SQLAlchemy's own execution would)."""
    if connection._has_events or connection.engine._has_events:
        for sql, parameters in statements:
            connection.dispatch.before_cursor_execute(connection, None, sql, parameters, None, False)


def psycopg_connection(connection: Connection) -> psycopg.Connection:
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)  # (a connection checked out of the pool)
    return driver


@contextmanager
def as_sqlalchemy_raises(sql: str, values: Mapping[str, Any]) -> Iterator[None]:
    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, values, exc, psycopg.Error) from exc


def result_processors(compiled: SQLCompiler) -> list[Callable[[Any], Any] | None]:
    """Per column of the compiled select, its type's result processor (an enum's, a time zone's), or None."""
    dialect = compiled.dialect
    return [column.type._cached_result_processor(dialect, None) for column in compiled._result_columns]


def fetch_one(connection: Connection, compiled: SQLCompiler, processors: list[Callable[[Any], Any] | None],
              params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """Run a compiled select on the session's connection: its one row, processed as SQLAlchemy would, or None."""
    values = bound(compiled, params)
    announce(connection, [(compiled.string, values)])
    with as_sqlalchemy_raises(compiled.string, values):
        row = psycopg_connection(connection).execute(compiled.string, values).fetchone()
    if row is None:
        return None
    return tuple(value if process is None or value is None else process(value)
                 for process, value in zip(processors, row, strict=True))
