"""One function records every change: who, what, when, before and after."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, select

from ..extensions import db
from ..models import AuditEntry

# Never written to the log, whatever a caller passes.
_SECRET_FIELDS = {"password", "password_hash", "token", "token_hash", "secret"}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in _SECRET_FIELDS}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Actor(Protocol):
    """Who acts: a `User`, or the `TokenUser` of a bearer token (services/tokens.py)."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


def entry_values(actor: Actor | None, action: str, entity_type: str, entity_id: int | None,
                 changes: dict[str, Any] | None) -> dict[str, Any]:
    """The columns of an audit entry (its payload made plain, secrets left out): what `record` and
    `write` insert, and what a statement that inserts its audit row itself binds (a check-in on PostgreSQL)."""
    return {"user_id": actor.id if actor is not None else None,
            "actor": actor.email if actor is not None else "system",
            "action": action, "entity_type": entity_type, "entity_id": entity_id,
            "changes": _plain(changes) if changes else None}


def record(actor: Actor | None, action: str, entity_type: str, entity_id: int | None,
           changes: dict[str, Any] | None = None) -> AuditEntry:
    """Add an audit entry to the current session; it commits with the change it describes."""
    entry = AuditEntry(**entry_values(actor, action, entity_type, entity_id, changes))
    db.session.add(entry)
    return entry


def write(actor: Actor | None, action: str, entity_type: str, entity_id: int | None,
          changes: dict[str, Any] | None = None) -> None:
    """Like `record`, but one INSERT at once instead of a flush of the unit of work: for hot paths
    whose writes are single statements inside a held write lock (a check-in at the door)."""
    # A Core INSERT (no autoflush). A declarative class's __table__ is annotated FromClause; here a Table.
    table = cast(Table, AuditEntry.__table__)
    db.session.execute(table.insert(), entry_values(actor, action, entity_type, entity_id, changes))


def diff(obj: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """Set `fields` on `obj` and return {field: {"from", "to"}} for those that changed (the changes of an
    audit entry, which callers may extend with other keys)."""
    changed: dict[str, Any] = {}
    for name, new in fields.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = {"from": old, "to": new}
            setattr(obj, name, new)
    return changed


FILTER_MAX = 50  # the longest filter text the log is searched with


@dataclass(frozen=True)
class AuditFilters:
    """What the log is narrowed to, the same on the console page and in the API."""

    actor: str | None = None  # a part of who did it (an e-mail, or "system")
    action: str | None = None  # an action or its beginning: "registration." finds every registration change
    entity_type: str | None = None
    entity_id: int | None = None


def entries(filters: AuditFilters, page: int = 1, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, and how many entries match."""
    stmt = select(AuditEntry)
    if filters.actor:
        stmt = stmt.where(AuditEntry.actor.contains(filters.actor, autoescape=True))
    if filters.action:
        stmt = stmt.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.entity_type:
        stmt = stmt.where(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        stmt = stmt.where(AuditEntry.entity_id == filters.entity_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(AuditEntry.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def entity_types() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)))
