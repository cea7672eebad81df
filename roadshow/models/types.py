"""Column types shared by the models."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

# The instant `utcnow()` answers inside `frozen_clock(...)`; None: the real clock.
_frozen_now: ContextVar[datetime | None] = ContextVar("roadshow_frozen_now", default=None)


def utcnow() -> datetime:
    """Now, in UTC: the one clock of every timestamp the models and services stamp themselves
    (created_at, registered and sent times, ...); inside `frozen_clock(at)` it is `at`."""
    frozen = _frozen_now.get()
    return frozen if frozen is not None else datetime.now(UTC)


@contextmanager
def frozen_clock(at: datetime) -> Iterator[datetime]:
    """Stop the clock at `at` (aware) for the block, in this context only (a thread or task of its
    own keeps the real clock): a scenario replaying the past stamps its records with the past."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("frozen_clock needs an aware datetime")
    token = _frozen_now.set(at.astimezone(UTC))
    try:
        yield at.astimezone(UTC)
    finally:
        _frozen_now.reset(token)


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant, stored in UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is stored
    as naive UTC and given its zone back on the way out. Naive input is refused: a time
    without an offset is ambiguous and the API rejects it before it gets here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
