"""Follow-up records (跟进记录) on a project: what was done, what was said, what comes next.

A record's `next_follow_up`, when given, becomes the project's `next_follow_up`, so the overdue list
(pipeline.overdue_follow_ups) is driven by the latest records. `notes` stays the project's summary.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import FollowUp, FollowUpKind, Project, User
from . import audit, pipeline
from .errors import Invalid, InvalidValue
from .locks import lock_project
from .values import clean_text, require_text

NOTE_MAX = 5000
NEXT_STEP_MAX = 2000


def _clean_at(value: Any) -> datetime:
    if value is None or value == "":
        return pipeline.now()
    if not isinstance(value, datetime):
        raise InvalidValue("at", _("Enter the date and time."))
    if value.tzinfo is None:
        raise InvalidValue("at", _("Give the time with its time zone."))
    try:
        moment = value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: no instant the database can hold
        raise InvalidValue("at", _("Enter the date and time.")) from None
    if moment > pipeline.now() + pipeline.CLOCK_SKEW:
        raise InvalidValue("at", _("A follow-up cannot be dated in the future."))
    return moment


def _clean_kind(value: Any) -> FollowUpKind:
    try:
        return FollowUpKind(value)
    except ValueError:
        raise InvalidValue("kind", _("Choose what kind of follow-up it was.")) from None


def _clean_next(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidValue("next_follow_up", _("Enter a date."))
    return value


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """All the record's fields, every error at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    rules = {
        "at": _clean_at,
        "kind": _clean_kind,
        "note": lambda v: require_text(v, "note", max_length=NOTE_MAX, missing=_("Write what was said or done.")),
        "next_step": lambda v: clean_text(v, "next_step", max_length=NEXT_STEP_MAX),
        "next_follow_up": _clean_next,
    }
    for field, rule in rules.items():
        try:
            cleaned[field] = rule(data.get(field))
        except InvalidValue as exc:
            errors.setdefault(exc.field, []).append(exc.message)
    at, next_day = cleaned.get("at"), cleaned.get("next_follow_up")
    if at is not None and next_day is not None and next_day < at.astimezone(pipeline.SHANGHAI).date():
        errors.setdefault("next_follow_up", []).append(_("The next follow-up cannot be before this one."))
    if errors:
        raise Invalid(errors)
    return cleaned


def add_follow_up(project: Project, data: Mapping[str, Any], *, actor: User | None) -> FollowUp:
    """Record a follow-up on `project`; its next date becomes the project's next follow-up. The project is
    locked first, so two records added at once set the project's next date one after the other."""
    cleaned = _clean(data)
    project = lock_project(project.id)
    record = FollowUp(project_id=project.id, user_id=actor.id if actor is not None else None, **cleaned)
    db.session.add(record)
    changes: dict[str, Any] = {}
    if cleaned["next_follow_up"] is not None and cleaned["next_follow_up"] != project.next_follow_up:
        changes = audit.diff(project, {"next_follow_up": cleaned["next_follow_up"]})
        project.updated_at = pipeline.now()
    db.session.flush()
    audit.record(actor, "follow_up.create", "project", project.id,
                 {"follow_up_id": record.id, **cleaned, **({"project": changes} if changes else {})})
    return record


def list_follow_ups(project: Project) -> list[FollowUp]:
    """The project's follow-up records, newest first."""
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.project_id == project.id).options(selectinload(FollowUp.user))
        .order_by(FollowUp.at.desc(), FollowUp.id.desc())))
