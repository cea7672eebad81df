"""The investment pipeline: leads met at events become projects, followed stage by stage.

Every stage change is a StageChange row {from, to, at, user, note}. Forward moves may skip
stages: each skipped stage is recorded as reached at the same moment, so a report that asks
"which projects were signed this year" sees a project that jumped from 在谈 to 已开工. Moving
backwards is a correction and needs a note; `dropped` may follow any stage.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    STAGE_ORDER,
    Attendee,
    CheckIn,
    CheckInStatus,
    Event,
    Organisation,
    Origin,
    Project,
    Registration,
    RegistrationStatus,
    Stage,
    StageChange,
    Team,
    User,
)
from ..models.types import utcnow
from . import audit, teams
from .errors import Invalid, NotFound
from .locks import lock_project
from .values import ID_MAX, clean_id

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 10^10 万元 is a hundred trillion yuan: anything at or above it is a typing error.
AMOUNT_LIMIT = Decimal(10) ** 10
# Phones' clocks drift; a change stamped a little ahead of the server is still "now".
CLOCK_SKEW = timedelta(minutes=2)
TEXT_LIMITS = {"name": 200, "notes": 5000, "stage_note": 2000}

EDITABLE = ("name", "organisation_id", "attendee_id", "source_event_id", "industry", "amount_wan",
            "out_of_province", "team_id", "officer_id", "next_follow_up", "notes", "origin", "industrial")


def now() -> datetime:
    """The pipeline's clock (one place, so tests can travel in time)."""
    return utcnow()


def today() -> date:
    """Today in the district's calendar (Beijing time)."""
    return now().astimezone(SHANGHAI).date()


# --- input rules -------------------------------------------------------------------------------

def clean_amount(value: Any, field: str = "amount_wan") -> Decimal | None:
    """万元, exact: a number ≥ 0 and < 10^10 with at most 2 decimals; '' or None → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Invalid({field: [_("Enter the amount as a number in 10k yuan.")]})
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise Invalid({field: [_("Enter the amount as a number in 10k yuan.")]}) from None
    if not amount.is_finite():
        raise Invalid({field: [_("Enter the amount as a number in 10k yuan.")]})
    if amount < 0:
        raise Invalid({field: [_("The amount cannot be negative.")]})
    if amount >= AMOUNT_LIMIT:
        raise Invalid({field: [_("The amount is too large; enter it in 10k yuan.")]})
    if amount != amount.quantize(Decimal("0.01")):
        raise Invalid({field: [_("Enter at most 2 decimals.")]})
    return amount.quantize(Decimal("0.01"))


def _clean_industry(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    from .organisations import industry_names  # (organisations builds on this module)

    value = value.strip()
    if value not in industry_names():
        raise Invalid({"industry": [_("Choose an industry from the district's list.")]})
    return value


def _clean_text(fields: dict[str, Any], name: str, required: bool = False) -> None:
    if name not in fields:
        return
    value = fields[name]
    value = value.strip() if isinstance(value, str) else value
    if not value:
        if required:
            raise Invalid({name: [_("This field is required.")]})
        fields[name] = None
        return
    if len(value) > TEXT_LIMITS[name]:
        raise Invalid({name: [_("At most %(n)d characters.", n=TEXT_LIMITS[name])]})
    fields[name] = value


def _get(model, ident: int | None, field: str):
    if ident is None:
        return None
    number = clean_id(ident)  # a number no id column holds names no row (and SQLite could not even bind it)
    obj = db.session.get(model, number) if number is not None else None
    if obj is None:
        raise Invalid({field: [_("No such record.")]})
    return obj


# Where a project came from besides an event (services/visits.py checks them); kept apart from the list
# above (a longer tuple: hence the ignore).
EDITABLE = (*EDITABLE, "source_trip_id", "source_reception_id", "referred_by_id")  # type: ignore[assignment]


def _clean(fields: dict[str, Any], project: Project | None = None) -> dict[str, Any]:
    """Validate the editable fields present in `fields`; returns the cleaned subset."""
    fields = {k: v for k, v in fields.items() if k in EDITABLE}
    _clean_text(fields, "name", required=True)
    _clean_text(fields, "notes")
    if "team_id" in fields:
        team = teams.clean_team_id(fields["team_id"])
        fields["team_id"] = team.id if team is not None else None
    if "officer_id" in fields:
        officer = teams.clean_user_id(fields["officer_id"], "officer_id")
        fields["officer_id"] = officer.id if officer is not None else None
    if "amount_wan" in fields:
        fields["amount_wan"] = clean_amount(fields["amount_wan"])
    if "industry" in fields:
        fields["industry"] = _clean_industry(fields["industry"])
    if "out_of_province" in fields or "origin" in fields:
        _clean_origin(fields, project)
    if "industrial" in fields:
        fields["industrial"] = bool(fields["industrial"])
    if "organisation_id" in fields:
        _get(Organisation, fields["organisation_id"], "organisation_id")
    if "source_event_id" in fields:
        _get(Event, fields["source_event_id"], "source_event_id")
    if "attendee_id" in fields and fields["attendee_id"] is not None:
        attendee = _get(Attendee, fields["attendee_id"], "attendee_id")
        event_id = fields.get("source_event_id", project.source_event_id if project else None)
        org_id = fields.get("organisation_id", project.organisation_id if project else None)
        if event_id is not None and attendee.registration.event_id != event_id:
            raise Invalid({"attendee_id": [_("This guest did not register for the event.")]})
        if org_id is not None and attendee.registration.organisation_id != org_id:
            raise Invalid({"attendee_id": [_("This guest belongs to another organisation.")]})
    from .visits import clean_sources  # (visits builds on this module)

    clean_sources(fields)
    if "next_follow_up" in fields and fields["next_follow_up"] is not None \
            and not isinstance(fields["next_follow_up"], date):
        raise Invalid({"next_follow_up": [_("Enter a date.")]})
    return fields


def _clean_origin(fields: dict[str, Any], project: Project | None) -> None:
    """`origin` and the older `out_of_province` flag say one thing: setting either sets both (a flag set
    to false forgets an out-of-province origin; the true origin is then unknown until given)."""
    if "origin" in fields:
        value = fields["origin"]
        try:
            origin = None if value in (None, "") else Origin(value)
        except ValueError:
            raise Invalid({"origin": [_("Choose where the investor comes from.")]}) from None
        if "out_of_province" in fields and bool(fields["out_of_province"]) != (origin is Origin.out_of_province):
            raise Invalid({"origin": [_("The origin and the out-of-province flag say different things.")]})
        fields["origin"] = origin
        fields["out_of_province"] = origin is Origin.out_of_province
        return
    flag = bool(fields["out_of_province"])
    fields["out_of_province"] = flag
    current = project.origin if project is not None else None
    if flag:
        fields["origin"] = Origin.out_of_province
    elif current is Origin.out_of_province:
        fields["origin"] = None


# The district's province: an investor from elsewhere in it is 省内, from any other province 省外.
DISTRICT_PROVINCE = "安徽"


def default_origin(organisation: Organisation | None) -> Origin | None:
    """Where an organisation's project most likely comes from, to prefill a lead: in the province or out of it,
    by the organisation's province ("安徽" or "安徽省" is in it); None when its province is not known. Only a
    suggestion for the forms: a lead is stored with the origin it is given."""
    province = (organisation.province or "").strip() if organisation is not None else ""
    if not province:
        return None
    return Origin.in_province if province.removesuffix("省") == DISTRICT_PROVINCE else Origin.out_of_province


def default_team(industry: str | None) -> int | None:
    """The id of the industry's team (产业专班), when there is one: a project of that industry belongs to it
    unless it is given a team."""
    return teams.industry_team_id(industry) if industry else None


# --- stages ------------------------------------------------------------------------------------

def _clean_moment(at: datetime | None, project: Project | None) -> datetime:
    moment = now() if at is None else at
    if moment.tzinfo is None:
        raise Invalid({"stage_changed_at": [_("Give the time with its time zone.")]})
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset: not an instant
        raise Invalid({"stage_changed_at": [_("Give the time with its time zone.")]}) from None
    if moment > now() + CLOCK_SKEW:
        raise Invalid({"stage_changed_at": [_("A stage change cannot be dated in the future.")]})
    if project is not None and project.history:
        last = project.history[-1].at
        if moment < last:
            raise Invalid({"stage_changed_at": [
                _("The previous stage change was on %(when)s; a later change cannot be dated before it.",
                  when=last.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"))]})
    return moment.astimezone(UTC)  # as stored: the answer is built before the commit


def moment_for_date(day: date, project: Project | None = None) -> datetime:
    """A date picked in a form → an instant: now for today, midday Beijing time for a past day
    (or the previous change's time when that was later the same day, so history keeps its order)."""
    if day == today():
        return now()
    moment = datetime.combine(day, time(12, 0), tzinfo=SHANGHAI)
    if project is not None and project.history:
        last = project.history[-1].at
        if last.astimezone(SHANGHAI).date() == day and last > moment:
            moment = last
    return moment


def _path(current: Stage | None, target: Stage, note: str | None) -> list[Stage]:
    """The stages a move goes through: forward moves list the skipped ones too."""
    if current is None:
        if target is Stage.dropped:
            return [Stage.lead, Stage.dropped]
        return STAGE_ORDER[:STAGE_ORDER.index(target) + 1]
    if target is Stage.dropped:
        return [Stage.dropped]
    if current is Stage.dropped:
        if not note:
            raise Invalid({"stage_note": [_("Reopening a dropped project needs a note saying why.")]})
        return [target]
    if STAGE_ORDER.index(target) > STAGE_ORDER.index(current):
        return STAGE_ORDER[STAGE_ORDER.index(current) + 1:STAGE_ORDER.index(target) + 1]
    if not note:
        raise Invalid({"stage_note": [_("Moving a project back is a correction: add a note saying why.")]})
    return [target]


def _move(project: Project, target: Stage, at: datetime, note: str | None, actor: User | None) -> list[StageChange]:
    current = project.stage if project.history else None
    if current is target:
        return []
    changes = []
    previous = current
    for stage in _path(current, target, note):
        change = StageChange(from_stage=previous, to_stage=stage, at=at, note=note,
                             user_id=actor.id if actor is not None else None)
        project.history.append(change)
        changes.append(change)
        previous = stage
    project.stage = target
    return changes


def _parse_stage(stage: Stage | str) -> Stage:
    if isinstance(stage, Stage):
        return stage
    try:
        return Stage(stage)
    except ValueError:
        raise Invalid({"stage": [_("Unknown stage.")]}) from None


def _clean_stage_note(note: str | None) -> str | None:
    fields = {"stage_note": note}
    _clean_text(fields, "stage_note")
    return fields["stage_note"]


def _change_log(changes: Iterable[StageChange]) -> list[dict]:
    return [{"from": c.from_stage, "to": c.to_stage, "at": c.at, "note": c.note} for c in changes]


# --- creating ----------------------------------------------------------------------------------

def create_project(fields: dict[str, Any], *, actor: User | None, stage: Stage | str | None = None,
                   stage_note: str | None = None, stage_changed_at: datetime | None = None) -> Project:
    """A project entered directly (not from an event): in `stage` (default lead) from `stage_changed_at`."""
    target = _parse_stage(stage or Stage.lead)
    stage_note = _clean_stage_note(stage_note)
    if "name" not in fields:
        raise Invalid({"name": [_("This field is required.")]})
    cleaned = _clean(fields)
    if not cleaned.get("team_id") and cleaned.get("industry"):
        cleaned["team_id"] = default_team(cleaned["industry"])
    project = Project(**cleaned)
    at = _clean_moment(stage_changed_at, None)
    changes = _move(project, target, at, stage_note, actor)
    db.session.add(project)
    db.session.flush()
    audit.record(actor, "project.create", "project", project.id,
                 {**cleaned, "stage": project.stage, "stage_changes": _change_log(changes)})
    return project


def capture_lead(event: Event, *, organisation_id: int, name: str, actor: User | None,
                 attendee_id: int | None = None, industry: str | None = None, amount_wan: Any = None,
                 out_of_province: bool | None = None, next_follow_up: date | None = None, notes: str | None = None,
                 team_id: int | None = None, officer_id: int | None = None,
                 captured_at: datetime | None = None, origin: Any = None, industrial: bool = False) -> Project:
    """A lead met at `event`: a project in stage `lead` with the event as its source."""
    if event is None:
        raise NotFound()
    fields = dict(name=name, organisation_id=organisation_id, attendee_id=attendee_id, source_event_id=event.id,
                  industry=industry, amount_wan=amount_wan, out_of_province=out_of_province,
                  next_follow_up=next_follow_up, notes=notes, team_id=team_id, officer_id=officer_id,
                  industrial=industrial)
    if origin is not None:
        fields["origin"] = origin
    if out_of_province is None:  # the origin, when given, decides it
        del fields["out_of_province"]
    if organisation_id is None:
        raise Invalid({"organisation_id": [_("Choose the organisation.")]})
    return create_project(fields, actor=actor, stage=Stage.lead, stage_changed_at=captured_at)


@dataclass
class LeadCandidate:
    """An organisation met at an event, with its guests, for lead capture."""

    organisation: Organisation
    attendees: list[Attendee]
    checked_in: list[Attendee]
    projects: int  # leads already captured from this organisation at this event


def lead_candidates(event: Event) -> list[LeadCandidate]:
    """Organisations with confirmed registrations at the event, checked-in ones first."""
    regs = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == RegistrationStatus.confirmed)
        .options(selectinload(Registration.attendees), selectinload(Registration.organisation))
        .order_by(Registration.id)).all()
    checked = set(db.session.scalars(
        select(CheckIn.attendee_id).where(CheckIn.event_id == event.id, CheckIn.status == CheckInStatus.active)))
    existing = dict(db.session.execute(
        select(Project.organisation_id, func.count(Project.id)).where(Project.source_event_id == event.id)
        .group_by(Project.organisation_id)).all())
    by_org: dict[int, LeadCandidate] = {}
    for reg in regs:
        candidate = by_org.setdefault(reg.organisation_id, LeadCandidate(
            reg.organisation, [], [], existing.get(reg.organisation_id, 0)))
        for attendee in reg.attendees:
            if attendee.erased_at is not None:
                continue
            candidate.attendees.append(attendee)
            if attendee.id in checked:
                candidate.checked_in.append(attendee)
    return sorted(by_org.values(), key=lambda c: (not c.checked_in, c.organisation.name))


def capture_checked_in_leads(event: Event, organisation_ids: list[int], *, actor: User | None,
                             industry: str | None = None, next_follow_up: date | None = None,
                             team_id: int | None = None, officer_id: int | None = None) -> list[Project]:
    """Bulk capture: one lead per chosen checked-in organisation, named after the organisation,
    with its first checked-in guest as the contact. All or nothing."""
    if not organisation_ids:
        raise Invalid({"organisation_ids": [_("Choose at least one organisation.")]})
    candidates = {c.organisation.id: c for c in lead_candidates(event)}
    projects = []
    for org_id in dict.fromkeys(organisation_ids):
        candidate = candidates.get(org_id)
        if candidate is None or not candidate.checked_in:
            raise Invalid({"organisation_ids": [_("Only organisations whose guests checked in can be chosen.")]})
        # Named after the organisation until the organiser knows the project's own name.
        name = candidate.organisation.name[:TEXT_LIMITS["name"]]
        projects.append(capture_lead(
            event, organisation_id=org_id, attendee_id=candidate.checked_in[0].id, name=name,
            industry=industry or _known_industry(candidate.organisation.industry), next_follow_up=next_follow_up,
            team_id=team_id, officer_id=officer_id, actor=actor))
    return projects


def _known_industry(value: str | None) -> str | None:
    from .organisations import industry_names

    return value if value and value in industry_names() else None


# --- changing ----------------------------------------------------------------------------------

def update_project(project: Project, fields: dict[str, Any], *, actor: User | None, stage: Stage | str | None = None,
                   stage_note: str | None = None, stage_changed_at: datetime | None = None) -> Project:
    """Change any field; a new `stage` records the change (back-dated by `stage_changed_at`). The
    project is locked first, so two changes made at once apply one after the other."""
    project = lock_project(project.id)
    stage = None if stage is None else _parse_stage(stage)
    stage_note = _clean_stage_note(stage_note)
    cleaned = _clean(fields, project)
    if "name" in fields and cleaned.get("name") is None:
        raise Invalid({"name": [_("This field is required.")]})
    changes = audit.diff(project, cleaned)
    moved = []
    if stage is not None and stage is not project.stage:
        at = _clean_moment(stage_changed_at, project)
        moved = _move(project, stage, at, stage_note, actor)
        changes["stage"] = {"from": moved[0].from_stage, "to": stage}
        changes["stage_changes"] = _change_log(moved)
    elif stage_changed_at is not None and stage is None:
        raise Invalid({"stage": [_("Give the new stage with its date.")]})
    if changes:
        project.updated_at = now()
        audit.record(actor, "project.stage" if moved and len(changes) == 2 else "project.update", "project",
                     project.id, changes)
    db.session.flush()
    return project


def get_project(project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None:
        raise NotFound()
    return project


# --- finding -----------------------------------------------------------------------------------

@dataclass
class Filters:
    stage: Stage | None = None
    industry: str | None = None
    event_id: int | None = None
    team_id: int | None = None
    # "My projects": those the user is the officer of, or that belong to a team the user leads or is in.
    mine: int | None = None
    q: str | None = None
    overdue: bool = False


FILTER_TEXT_MAX = 50  # industry and team names
SEARCH_MAX = 200
_YES, _NO = frozenset({"1", "true", "on", "yes"}), frozenset({"", "0", "false", "off", "no"})


def parse_filters(args: Mapping[str, str], user: User | None = None) -> Filters:
    """The pipeline's filters from a query string (?stage=&industry=&event_id=&team_id=&mine=&q=&overdue=;
    `mine` means `user`'s projects): the
    board's, the exports' and the API's. A malformed value is refused (Invalid, 422) with the field named,
    never silently dropped: a filtered list must not show more than was asked for."""
    errors: dict[str, list[str]] = {}
    stage = args.get("stage") or None
    if stage is not None and stage not in Stage.__members__:
        errors["stage"] = [_("Unknown stage: %(value)s", value=stage[:50])]
    event_id: int | None = None
    if raw_event := args.get("event_id"):
        try:
            event_id = int(raw_event)
        except ValueError:
            event_id = -1
        if not 0 < event_id <= ID_MAX:
            errors["event_id"] = [_("Not a valid event number.")]
    team_id: int | None = None
    if raw_team := args.get("team_id"):
        team_id = int(raw_team) if raw_team.isdigit() and raw_team.isascii() and len(raw_team) < 11 else -1
        if not 0 < team_id <= ID_MAX:
            errors["team_id"] = [_("Not a valid team number.")]
    mine = (args.get("mine") or "").lower()
    if mine not in _YES | _NO:
        errors["mine"] = [_("Answer yes or no.")]
    for name, limit in (("industry", FILTER_TEXT_MAX), ("q", SEARCH_MAX)):
        if len(args.get(name) or "") > limit:
            errors[name] = [_("At most %(n)d characters.", n=limit)]
    overdue = (args.get("overdue") or "").lower()
    if overdue not in _YES | _NO:
        errors["overdue"] = [_("Answer yes or no.")]
    if errors:
        raise Invalid(errors, "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))
    return Filters(stage=Stage(stage) if stage else None, industry=args.get("industry") or None,
                   event_id=event_id, team_id=team_id,
                   mine=user.id if user is not None and mine in _YES else None, q=(args.get("q") or "").strip() or None,
                   overdue=overdue in _YES)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def project_query(filters: Filters) -> Select:
    stmt = select(Project).outerjoin(Organisation, Project.organisation_id == Organisation.id)
    if filters.stage is not None:
        stmt = stmt.where(Project.stage == filters.stage)
    if filters.industry:
        stmt = stmt.where(Project.industry == filters.industry)
    if filters.event_id is not None:
        stmt = stmt.where(Project.source_event_id == filters.event_id)
    if filters.team_id is not None:
        stmt = stmt.where(Project.team_id == filters.team_id)
    if filters.mine is not None:
        stmt = stmt.where(or_(Project.officer_id == filters.mine, Project.team_id.in_(teams.team_ids_of(filters.mine))))
    if filters.q and filters.q.strip():
        pattern = f"%{_escape_like(filters.q.strip().lower())}%"
        stmt = stmt.where(or_(func.lower(Project.name).like(pattern, escape="\\"),
                              func.lower(Organisation.name).like(pattern, escape="\\")))
    if filters.overdue:
        stmt = stmt.where(Project.next_follow_up < today(), Project.stage != Stage.dropped)
    return stmt


def list_projects(filters: Filters, page: int = 1, per_page: int = 50) -> tuple[list[Project], int]:
    stmt = project_query(filters)
    total = db.session.execute(
        select(func.count()).select_from(stmt.with_only_columns(Project.id).subquery())).scalar_one()
    order = (Project.next_follow_up.asc(), Project.id) if filters.overdue else (Project.updated_at.desc(),
                                                                               Project.id.desc())
    rows = db.session.scalars(stmt.options(selectinload(Project.organisation)).order_by(*order)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def board(filters: Filters) -> dict[Stage, list[Project]]:
    """Projects per stage for the board, soonest follow-up first."""
    columns: dict[Stage, list[Project]] = {stage: [] for stage in Stage}
    stmt = project_query(filters).options(selectinload(Project.organisation)).order_by(
        Project.next_follow_up.is_(None), Project.next_follow_up, Project.id)
    for project in db.session.scalars(stmt):
        columns[project.stage].append(project)
    return columns


def overdue_follow_ups() -> list[Project]:
    return list_projects(Filters(overdue=True), per_page=500)[0]


def team_choices() -> list[Team]:
    return teams.list_teams()


def users_by_id(ids: Iterable[int | None]) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
