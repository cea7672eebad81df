"""Teams: the bureau's 招商工作队, 产业专班 and 驻点招商组, with a leader and members who are users.

Projects, trips and receptions belong to a team (`team_id`). A station (驻点招商组) is stationed in a city.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Team, TeamKind, User
from . import audit
from .errors import Invalid, InvalidValue, NotFound
from .values import clean_text, require_text

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
    return list(db.session.scalars(stmt.order_by(Team.kind, Team.name, Team.id)))


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
    team = db.session.get(Team, int(value)) if int(value) < 2**31 else None
    if team is None:
        raise InvalidValue(field, _("No such team."))
    return team


def clean_user_id(value: Any, field: str) -> User | None:
    """A user chosen as a leader, member or officer: None, or an existing active user (else InvalidValue)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise InvalidValue(field, _("Choose a user."))
    user = db.session.get(User, int(value)) if int(value) < 2**31 else None
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
