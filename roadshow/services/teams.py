"""Teams: the bureau's 招商工作队, 产业专班 and 驻点招商组, with a leader and members who are users.

Projects, trips and receptions belong to a team (`team_id`). A station (驻点招商组) is stationed in a city.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import CompoundSelect, func, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Project, Reception, Team, TeamKind, Trip, User
from ..models.bureau import team_members
from . import audit
from .errors import Invalid, InvalidValue, NotFound
from .values import clean_id, clean_text, require_text

NAME_MAX = 100
CITY_MAX = 50
INDUSTRY_MAX = 50
MEMBERS_MAX = 200

FIELDS = ("name", "kind", "city", "industry", "leader_id", "member_ids")


def get_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound(_("No such team."))
    return team


def list_teams(kind: TeamKind | str | None = None) -> list[Team]:
    stmt = select(Team).options(selectinload(Team.members), selectinload(Team.leader))
    if kind is not None:
        stmt = stmt.where(Team.kind == TeamKind(kind))
    return list(db.session.scalars(stmt.order_by(Team.kind, Team.id)))  # kind, then as created: 第一 … 第十三


def team_by_name(name: str) -> Team | None:
    return db.session.scalars(select(Team).where(Team.name == name)).first()


def clean_team_id(value: Any, field: str = "team_id", *, required: bool = False) -> Team | None:
    """A `team_id` given to a project, trip or reception: None, or an existing team (else InvalidValue)."""
    if value is None or value == "":
        if required:
            raise InvalidValue(field, _("Choose a team."))
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise InvalidValue(field, _("Choose a team."))
    ident = clean_id(value)
    team = db.session.get(Team, ident) if ident is not None else None
    if team is None:
        raise InvalidValue(field, _("No such team."))
    return team


def clean_user_id(value: Any, field: str) -> User | None:
    """A user chosen as a leader, member or officer: None, or an existing active user (else InvalidValue)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise InvalidValue(field, _("Choose a user."))
    ident = clean_id(value)
    user = db.session.get(User, ident) if ident is not None else None
    if user is None or not user.active:
        raise InvalidValue(field, _("No such user."))
    return user


def _clean(data: Mapping[str, Any], team: Team | None) -> dict[str, Any]:
    """The team's fields from `data` (only those given, when editing); all errors at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def attempt(field: str, clean: Any) -> None:
        if team is not None and field not in data:
            return
        try:
            cleaned[field] = clean(data.get(field))
        except InvalidValue as exc:
            errors.setdefault(exc.field, []).append(exc.message)

    attempt("name", lambda v: require_text(v, "name", max_length=NAME_MAX, missing=_("Enter the team's name.")))
    attempt("kind", _clean_kind)
    attempt("city", lambda v: clean_text(v, "city", max_length=CITY_MAX))
    attempt("industry", lambda v: clean_text(v, "industry", max_length=INDUSTRY_MAX))
    attempt("leader_id", lambda v: clean_user_id(v, "leader_id"))
    attempt("member_ids", _clean_members)

    name = cleaned.get("name")
    if name is not None and "name" not in errors:
        clash = team_by_name(name)
        if clash is not None and clash is not team:
            errors.setdefault("name", []).append(_("A team of this name exists already."))
    kind = cleaned.get("kind", team.kind if team is not None else None)
    city = cleaned["city"] if "city" in cleaned else (team.city if team is not None else None)
    if kind == TeamKind.station and not city and "city" not in errors:
        errors.setdefault("city", []).append(_("A stationed team needs its city."))
    if errors:
        raise Invalid(errors)
    return cleaned


def _clean_kind(value: Any) -> TeamKind:
    try:
        return TeamKind(value)
    except ValueError:
        raise InvalidValue("kind", _("Choose the kind of team.")) from None


def _clean_members(value: Any) -> list[User]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > MEMBERS_MAX:
        raise InvalidValue("member_ids", _("Choose the team's members among the users."))
    users: dict[int, User] = {}
    for item in value:
        user = clean_user_id(item, "member_ids")
        if user is None:
            raise InvalidValue("member_ids", _("Choose the team's members among the users."))
        users[user.id] = user
    return list(users.values())


def _apply(team: Team, cleaned: dict[str, Any]) -> dict[str, Any]:
    members = cleaned.pop("member_ids", None)
    if "leader_id" in cleaned:
        leader = cleaned.pop("leader_id")
        cleaned["leader_id"] = leader.id if leader is not None else None
    changes = audit.diff(team, cleaned)
    if members is not None:
        before = sorted(u.id for u in team.members)
        after = sorted(u.id for u in members)
        if before != after:
            team.members = members
            changes["member_ids"] = {"from": before, "to": after}
    return changes


def create_team(data: Mapping[str, Any], *, actor: User | None) -> Team:
    cleaned = _clean(data, None)
    team = Team()
    db.session.add(team)
    changes = _apply(team, cleaned)
    db.session.flush()
    audit.record(actor, "team.create", "team", team.id, changes)
    return team


def update_team(team: Team, data: Mapping[str, Any], *, actor: User | None) -> Team:
    changes = _apply(team, _clean(data, team))
    if changes:
        db.session.flush()
        audit.record(actor, "team.update", "team", team.id, changes)
    return team


def team_counts() -> dict[str, int]:
    """How many teams of each kind exist: {"team": 13, "industry": 9, "station": 3}."""
    rows = db.session.execute(select(Team.kind, func.count()).group_by(Team.kind)).all()
    counts = {kind.value: 0 for kind in TeamKind}
    counts.update({kind.value: n for kind, n in rows})
    return counts


def industry_team_id(industry: str) -> int | None:
    """The industry's 产业专班: the team of kind industry for it (by its industry, else by the district's
    naming, "<industry>产业专班"), or None."""
    return db.session.scalars(
        select(Team.id).where(Team.kind == TeamKind.industry,
                              or_(Team.industry == industry, Team.name == f"{industry}产业专班"))
        .order_by(Team.industry.is_(None), Team.id)).first()


def team_ids_of(user_id: int) -> CompoundSelect:
    """The teams a user leads or is a member of (a subquery, for "my projects")."""
    return select(Team.id).where(Team.leader_id == user_id).union(
        select(team_members.c.team_id).where(team_members.c.user_id == user_id))


def active_users() -> list[User]:
    """The users a leader, member or officer is chosen among."""
    return list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id)))


@dataclass
class TeamWork:
    """What a team holds: its projects, trips and receptions, counted."""

    projects: int = 0
    trips: int = 0
    receptions: int = 0


def work_counts() -> dict[int, TeamWork]:
    """Per team id, how many projects, trips and receptions belong to it (three grouped counts)."""
    counts: dict[int, TeamWork] = {}
    for model, attr in ((Project, "projects"), (Trip, "trips"), (Reception, "receptions")):
        column = model.team_id
        for team_id, n in db.session.execute(select(column, func.count()).where(column.is_not(None))
                                             .group_by(column)).all():
            if team_id is not None:
                setattr(counts.setdefault(team_id, TeamWork()), attr, n)
    return counts


def team_work(team: Team, limit: int = 200) -> tuple[list[Project], list[Trip], list[Reception]]:
    """A team's projects (latest change first), trips and receptions (latest first), read-only."""
    projects = db.session.scalars(select(Project).where(Project.team_id == team.id)
                                  .options(selectinload(Project.organisation))
                                  .order_by(Project.updated_at.desc(), Project.id.desc()).limit(limit)).all()
    trips = db.session.scalars(select(Trip).where(Trip.team_id == team.id)
                               .order_by(Trip.starts_on.desc(), Trip.id.desc()).limit(limit)).all()
    receptions = db.session.scalars(select(Reception).where(Reception.team_id == team.id)
                                    .options(selectinload(Reception.organisations))
                                    .order_by(Reception.date.desc(), Reception.id.desc()).limit(limit)).all()
    return list(projects), list(trips), list(receptions)
