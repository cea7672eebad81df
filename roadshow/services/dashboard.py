"""What the console home shows: the events ahead and the pipeline at a glance."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import Event, EventStatus, Project, Stage
from ..models.types import utcnow


@dataclass
class StageCount:
    stage: Stage
    count: int
    amount_wan: Decimal


def upcoming_and_recent_events(limit: int = 10) -> tuple[Sequence[Event], Sequence[Event]]:
    """Events not yet over (soonest first), and the latest ones that are over."""
    now = utcnow()
    upcoming = db.session.scalars(
        select(Event).where(Event.ends_at >= now).order_by(Event.starts_at).limit(limit)).all()
    past = db.session.scalars(
        select(Event).where(Event.ends_at < now, Event.status != EventStatus.cancelled)
        .order_by(Event.starts_at.desc()).limit(limit)).all()
    return upcoming, past


def pipeline_counts() -> list[StageCount]:
    """Projects and their amounts per stage, counted in the database."""
    rows = db.session.execute(
        select(Project.stage, func.count(Project.id), func.coalesce(func.sum(Project.amount_wan), 0))
        .group_by(Project.stage)).all()
    # coalesce(…, 0) is never NULL; its type is the column's, which may be.
    by_stage = {stage: (count, Decimal(amount if amount is not None else 0)) for stage, count, amount in rows}
    return [StageCount(stage, *by_stage.get(stage, (0, Decimal("0")))) for stage in Stage]
