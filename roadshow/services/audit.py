"""One function records every change: who, what, when, before and after."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ..extensions import db
from ..models import AuditEntry, User

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


def _row(actor: User | None, action: str, entity_type: str, entity_id: int | None,
         changes: dict[str, Any] | None) -> dict[str, Any]:
    return {"user_id": actor.id if actor is not None else None,
            "actor": actor.email if actor is not None else "system",
            "action": action, "entity_type": entity_type, "entity_id": entity_id,
            "changes": _plain(changes) if changes else None}


def record(actor: User | None, action: str, entity_type: str, entity_id: int | None,
           changes: dict[str, Any] | None = None) -> AuditEntry:
    """Add an audit entry to the current session; it commits with the change it describes."""
    entry = AuditEntry(**_row(actor, action, entity_type, entity_id, changes))
    db.session.add(entry)
    return entry


def write(actor: User | None, action: str, entity_type: str, entity_id: int | None,
          changes: dict[str, Any] | None = None) -> None:
    """Like `record`, but one INSERT at once instead of a flush of the unit of work: for hot paths
    whose writes are single statements inside a held write lock (a check-in at the door)."""
    db.session.execute(AuditEntry.__table__.insert(), _row(actor, action, entity_type, entity_id, changes))


def diff(obj: Any, fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set `fields` on `obj` and return {field: {"from", "to"}} for those that changed."""
    changed = {}
    for name, new in fields.items():
        old = getattr(obj, name)
        if old != new:
            changed[name] = {"from": old, "to": new}
            setattr(obj, name, new)
    return changed
