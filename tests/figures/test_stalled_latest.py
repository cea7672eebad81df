"""The monthly report's stalled list (monthly.stalled: each project's latest stage change and follow-up before
the reference moment, as "no later one") against the same list computed in Python over the rows: projects that
moved on after the moment, went back, were followed up before and after it, or never. In 2039, a year no other
test touches."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from roadshow.extensions import db
from roadshow.models import FollowUp, FollowUpKind, Project, Stage, StageChange
from roadshow.services import monthly
from roadshow.services.pipeline import SHANGHAI

MONTH = date(2039, 6, 1)
STAGES = [Stage.lead, Stage.negotiating, Stage.signed, Stage.started, Stage.producing]


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def _build(rng: random.Random, count: int) -> None:
    start = _moment(date(2037, 1, 1))
    for n in range(count):
        project = Project(name=f"停滞核对{n}", stage=Stage.lead)
        db.session.add(project)
        db.session.flush()
        at = start + timedelta(days=rng.randrange(0, 300))
        for _step in range(rng.randrange(1, 5)):  # forwards mostly, sometimes back, some after the moment
            stage = rng.choice(STAGES)
            db.session.add(StageChange(project_id=project.id, to_stage=stage, at=at))
            project.stage = stage
            at += timedelta(days=rng.randrange(1, 500))
        for _follow_up in range(rng.randrange(0, 4)):
            db.session.add(FollowUp(project_id=project.id, at=start + timedelta(days=rng.randrange(0, 1000)),
                                    kind=FollowUpKind.call, note=f"跟进{n}-{_follow_up}"))
    db.session.commit()


def _expected(day: date) -> list[tuple[int, str, date, str | None]]:
    ref = _moment(day + timedelta(days=1))
    changes: dict[int, StageChange] = {}
    for change in db.session.scalars(db.select(StageChange).where(StageChange.at < ref).order_by(StageChange.id)):
        changes[change.project_id] = change  # the latest (highest id) wins
    follow_ups: dict[int, FollowUp] = {}
    for item in db.session.scalars(db.select(FollowUp).where(FollowUp.at < ref).order_by(FollowUp.id)):
        follow_ups[item.project_id] = item
    out = []
    for project_id, change in changes.items():
        if change.to_stage not in (Stage.signed, Stage.started):
            continue
        yellow, _red = monthly.STALLED_DAYS[change.to_stage.value]
        since = change.at.astimezone(SHANGHAI).date()
        if (day - since).days >= yellow:
            note = follow_ups[project_id].note if project_id in follow_ups else None
            out.append((project_id, change.to_stage.value, since, note))
    return sorted(out)


def test_the_stalled_list_is_each_projects_latest_stage_and_follow_up_before_the_moment(app_ctx):
    _build(random.Random(23), 120)
    day = monthly.reference_day(MONTH)
    got = sorted((row["project_id"], row["stage"], row["since"],
                  row["last_follow_up"]["note"] if row["last_follow_up"] else None) for row in monthly.stalled(MONTH))
    expected = _expected(day)
    assert len(expected) > 10 and any(note is None for *_rest, note in expected)
    assert got == expected
