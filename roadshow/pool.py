"""PostgreSQL's pooled connections are pinged on checkout only when they may have died, not every time.

`pool_pre_ping` sent a `SELECT 1` before every request's first statement (a sixth of a check-in scan's time,
benchmarks/README.md). Instead, on checkout:

- a connection whose socket has something to read while it sat in the pool is pinged: the server said
  something unasked, which for an idle connection is its goodbye (a restart, `pg_terminate_backend`, an idle
  timeout): one `poll`, no round trip;
- a connection idle for more than `DB_PING_IDLE_SECONDS` (10 s) is pinged anyway: a peer that vanished
  without a word (a firewall dropping idle connections, a host gone) leaves nothing to read.

A failed ping raises `DisconnectionError`, on which the pool throws the connection away and takes a fresh one
(SQLAlchemy's pessimistic disconnect handling), so a database restart costs no failed request; while the
database stays away, requests answer 503 (roadshow/__init__.py). SQLite is not pinged (a file, nothing to lose).
"""
from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

IDLE_SINCE = "roadshow_idle_since"  # connection_record.info: time.monotonic() when it went back to the pool
PINGS = "roadshow_pings"  # connection_record.info: how many times it was pinged (the tests read it)


def _has_something_to_read(dbapi_connection: Any) -> bool:
    try:
        readable, _w, _x = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # closed: no descriptor
        return True
    return bool(readable)


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Install the checkout check on a PostgreSQL engine (instead of `pool_pre_ping`)."""

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_connection, connection_record) -> None:
        connection_record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _back(dbapi_connection, connection_record) -> None:
        if connection_record is not None:
            connection_record.info[IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, connection_record, connection_proxy) -> None:
        since = connection_record.info.get(IDLE_SINCE, float("-inf"))
        if time.monotonic() - since <= idle_seconds and not _has_something_to_read(dbapi_connection):
            return
        connection_record.info[PINGS] = connection_record.info.get(PINGS, 0) + 1
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises on a dead connection
            raise DisconnectionError("pooled connection is gone") from exc
