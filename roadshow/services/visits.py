"""Receptions (客商接待) and trips (外出招商): the bureau's work between events, and the leads it brings.

A reception is one 接待批次: a delegation of one or more organisations received on a day by a team.
A trip is a team's journey to a city, with the companies it visited (each visit on a day of the trip).
Leads captured from either are projects whose source is that trip or reception; a project referred by a
fund or an agent (委托招商) has the referral as its source unless it came from an event, trip or reception.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Organisation, OrgKind, Project, Reception, Stage, Team, Trip, TripVisit, User
from . import audit, pipeline
from .errors import Conflict, Invalid, InvalidValue, NotFound
from .teams import clean_team_id
from .values import clean_id, clean_text

HOSTS_MAX = 300
PURPOSE_MAX = 2000
NOTES_MAX = 5000
DESTINATION_MAX = 50
LEADER_MAX = 100
MEMBERS_MAX = 500
VISIT_NOTE_MAX = 1000
VISITORS_MAX = 10_000
ORGANISATIONS_MAX = 50  # organisations in one reception
PROJECTS_MAX = 50  # projects discussed at one reception
VISITS_MAX = 200  # companies visited on one trip
YEAR_MIN, YEAR_MAX = 2000, 2100

RECEPTION_FIELDS = ("date", "organisation_ids", "visitors", "team_id", "hosts", "purpose", "project_ids", "notes")
TRIP_FIELDS = ("team_id", "destination", "starts_on", "ends_on", "leader", "members", "visits", "notes")
# Organisations that may refer a project (基金招商, 委托招商).
REFERRER_KINDS = (OrgKind.fund, OrgKind.agent)


# --- values ------------------------------------------------------------------------------------

def clean_date(value: Any, field: str, *, required: bool = False) -> date | None:
    """A calendar date: a `date` or 'YYYY-MM-DD'; '' or None → None (or InvalidValue when required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidValue(field, _("Enter the date."))
        return None
    if isinstance(value, datetime):
        raise InvalidValue(field, _("Enter a date (YYYY-MM-DD)."))
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidValue(field, _("Enter a date (YYYY-MM-DD).")) from None
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise InvalidValue(field, _("Enter a date between %(first)d and %(last)d.", first=YEAR_MIN, last=YEAR_MAX))
    return day


def clean_organisation_id(value: Any, field: str) -> Organisation:
    """An organisation chosen by id: it must exist."""
    if value is None or value == "":
        raise InvalidValue(field, _("Choose the organisation."))
    ident = clean_id(value)
    org = db.session.get(Organisation, ident) if ident is not None else None
    if org is None:
        raise InvalidValue(field, _("There is no organisation with this id."))
    return org


def _clean_organisations(value: Any) -> list[Organisation]:
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidValue("organisation_ids", _("Choose at least one visiting organisation."))
    if len(value) > ORGANISATIONS_MAX:
        raise InvalidValue("organisation_ids", _("At most %(n)d organisations.", n=ORGANISATIONS_MAX))
    found: dict[int, Organisation] = {}
    for item in value:
        org = clean_organisation_id(item, "organisation_ids")
        found[org.id] = org
    return list(found.values())


def _clean_projects(value: Any) -> list[Project]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > PROJECTS_MAX:
        raise InvalidValue("project_ids", _("At most %(n)d projects.", n=PROJECTS_MAX))
    found: dict[int, Project] = {}
    for item in value:
        ident = clean_id(item)
        project = db.session.get(Project, ident) if ident is not None else None
        if project is None:
            raise InvalidValue("project_ids", _("There is no project with this id."))
        found[project.id] = project
    return list(found.values())


def _clean_visitors(value: Any) -> int:
    if value is None or value == "":
        return 1
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise InvalidValue("visitors", _("Enter how many people came (a whole number, 1 or more)."))
    number = int(str(value).strip())
    if number < 1:
        raise InvalidValue("visitors", _("Enter how many people came (a whole number, 1 or more)."))
    if number > VISITORS_MAX:
        raise InvalidValue("visitors", _("At most %(n)d people.", n=VISITORS_MAX))
    return number


def _text(limit: int):
    return lambda field: (lambda value: clean_text(value, field, max_length=limit))


def _collect(data: Mapping[str, Any], partial: bool, cleaners: dict[str, Any]) -> tuple[dict[str, Any],
                                                                                        dict[str, list[str]]]:
    """Run each field's cleaner (only the fields present when `partial`); every error at once."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, cleaner in cleaners.items():
        if partial and field not in data:
            continue
        try:
            cleaned[field] = cleaner(data.get(field))
        except Invalid as exc:
            for key, messages in exc.errors.items():
                errors.setdefault(key, []).extend(messages)
    return cleaned, errors


# --- receptions --------------------------------------------------------------------------------

def get_reception(reception_id: int) -> Reception:
    reception = db.session.get(Reception, reception_id)
    if reception is None:
        raise NotFound(_("There is no reception with this id."))
    return reception


def _clean_reception(data: Mapping[str, Any], reception: Reception | None) -> dict[str, Any]:
    cleaned, errors = _collect(data, reception is not None, {
        "date": lambda v: clean_date(v, "date", required=True),
        "organisation_ids": _clean_organisations,
        "visitors": _clean_visitors,
        "team_id": lambda v: clean_team_id(v, "team_id"),
        "hosts": _text(HOSTS_MAX)("hosts"),
        "purpose": _text(PURPOSE_MAX)("purpose"),
        "project_ids": _clean_projects,
        "notes": _text(NOTES_MAX)("notes"),
    })
    if errors:
        raise Invalid(errors)
    return cleaned


def _apply_reception(reception: Reception, cleaned: dict[str, Any]) -> dict[str, Any]:
    orgs = cleaned.pop("organisation_ids", None)
    projects = cleaned.pop("project_ids", None)
    if "team_id" in cleaned:
        team = cleaned.pop("team_id")
        cleaned["team_id"] = team.id if team is not None else None
    changes = audit.diff(reception, cleaned)
    for name, items, current in (("organisation_ids", orgs, reception.organisations),
                                 ("project_ids", projects, reception.projects)):
        if items is None:
            continue
        before, after = sorted(o.id for o in current), sorted(o.id for o in items)
        if before != after:
            setattr(reception, name.replace("_ids", "s"), items)
            changes[name] = {"from": before, "to": after}
    return changes


def create_reception(data: Mapping[str, Any], *, actor: User | None) -> Reception:
    """One 接待批次 from `data` (RECEPTION_FIELDS); Invalid with every field's problem at once."""
    cleaned = _clean_reception(data, None)
    reception = Reception()
    db.session.add(reception)
    changes = _apply_reception(reception, cleaned)
    db.session.flush()
    audit.record(actor, "reception.create", "reception", reception.id, changes)
    return reception


def update_reception(reception: Reception, data: Mapping[str, Any], *, actor: User | None) -> Reception:
    """Change the fields present in `data`; lists given replace the old ones."""
    changes = _apply_reception(reception, _clean_reception(data, reception))
    if changes:
        db.session.flush()
        audit.record(actor, "reception.update", "reception", reception.id, changes)
    return reception


def delete_reception(reception: Reception, *, actor: User | None) -> None:
    """Remove a reception entered by mistake. One that brought leads stays: they keep it as their source."""
    leads = db.session.scalar(select(func.count(Project.id)).where(Project.source_reception_id == reception.id))
    if leads:
        raise Conflict(_("Leads were captured from this reception; it cannot be deleted."))
    audit.record(actor, "reception.delete", "reception", reception.id, {
        "date": reception.date, "organisation_ids": [o.id for o in reception.organisations],
        "visitors": reception.visitors, "team_id": reception.team_id})
    db.session.delete(reception)
    db.session.flush()


@dataclass(frozen=True)
class VisitFilters:
    year: int | None = None
    team_id: int | None = None


def parse_filters(args: Mapping[str, Any]) -> VisitFilters:
    """?year=&team_id= of the lists (pages and API): a malformed value is refused, never dropped."""
    errors: dict[str, list[str]] = {}
    year = team_id = None
    raw_year = args.get("year")
    if raw_year not in (None, ""):
        year = clean_id(raw_year)
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            errors["year"] = [_("Enter a year between %(first)d and %(last)d.", first=YEAR_MIN, last=YEAR_MAX)]
    raw_team = args.get("team_id")
    if raw_team not in (None, ""):
        team_id = clean_id(raw_team)
        if team_id is None:
            errors["team_id"] = [_("Choose a team.")]
    if errors:
        raise Invalid(errors, "; ".join(f"{field}: {' '.join(m)}" for field, m in errors.items()))
    return VisitFilters(year=year, team_id=team_id)


def _page(stmt: Select, key: Any, order: tuple, page: int, per_page: int) -> tuple[list[Any], int]:
    total = db.session.execute(select(func.count()).select_from(stmt.with_only_columns(key).subquery())).scalar_one()
    rows = db.session.scalars(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def list_receptions(filters: VisitFilters, page: int = 1, per_page: int = 50) -> tuple[list[Reception], int]:
    """Receptions of a year (a calendar date's year) and of a team, newest first."""
    stmt = select(Reception).options(selectinload(Reception.organisations), selectinload(Reception.projects),
                                     selectinload(Reception.team))
    if filters.year is not None:
        stmt = stmt.where(Reception.date >= date(filters.year, 1, 1), Reception.date <= date(filters.year, 12, 31))
    if filters.team_id is not None:
        stmt = stmt.where(Reception.team_id == filters.team_id)
    return _page(stmt, Reception.id, (Reception.date.desc(), Reception.id.desc()), page, per_page)


# --- trips -------------------------------------------------------------------------------------

def get_trip(trip_id: int) -> Trip:
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        raise NotFound(_("There is no trip with this id."))
    return trip


def _clean_visits(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidValue("visits", _("Send the visits as a list."))
    if len(value) > VISITS_MAX:
        raise InvalidValue("visits", _("At most %(n)d visits.", n=VISITS_MAX))
    errors: dict[str, list[str]] = {}
    rows = []
    for i, raw in enumerate(value):
        raw = raw if isinstance(raw, Mapping) else {}
        row: dict[str, Any] = {}
        for field, cleaner in (("organisation_id", lambda v, f: clean_organisation_id(v, f)),
                               ("date", lambda v, f: clean_date(v, f)),
                               ("note", lambda v, f: clean_text(v, f, max_length=VISIT_NOTE_MAX))):
            try:
                row[field] = cleaner(raw.get(field), f"visits.{i}.{field}")
            except Invalid as exc:
                errors.update(exc.errors)
        rows.append(row)
    if errors:
        raise Invalid(errors)
    return rows


def _clean_trip(data: Mapping[str, Any], trip: Trip | None) -> dict[str, Any]:
    cleaned, errors = _collect(data, trip is not None, {
        "team_id": lambda v: clean_team_id(v, "team_id", required=True),
        "destination": lambda v: _require(v, "destination", DESTINATION_MAX, _("Enter the city the team went to.")),
        "starts_on": lambda v: clean_date(v, "starts_on", required=True),
        "ends_on": lambda v: clean_date(v, "ends_on", required=True),
        "leader": _text(LEADER_MAX)("leader"),
        "members": _text(MEMBERS_MAX)("members"),
        "visits": _clean_visits,
        "notes": _text(NOTES_MAX)("notes"),
    })
    starts = cleaned.get("starts_on", trip.starts_on if trip is not None else None)
    ends = cleaned.get("ends_on", trip.ends_on if trip is not None else None)
    if starts is not None and ends is not None and "starts_on" not in errors and "ends_on" not in errors:
        if ends < starts:
            errors.setdefault("ends_on", []).append(_("The trip cannot end before it starts."))
        elif "visits" not in errors:
            if "visits" in cleaned:
                visits = [(f"visits.{i}.date", row.get("date")) for i, row in enumerate(cleaned["visits"])]
            else:  # the dates change: the visits already recorded must still fall within the trip
                visits = [(f"visits.{i}.date", v.date) for i, v in enumerate(trip.visits if trip else [])]
            for key, day in visits:
                if day is not None and not starts <= day <= ends:
                    errors.setdefault(key, []).append(
                        _("A visit is on a day of the trip (%(first)s to %(last)s).", first=starts.isoformat(),
                          last=ends.isoformat()))
    if errors:
        raise Invalid(errors)
    return cleaned


def _require(value: Any, field: str, limit: int, missing: str) -> str:
    text = clean_text(value, field, max_length=limit)
    if text is None:
        raise InvalidValue(field, missing)
    return text


def _visit_view(visit: TripVisit) -> dict[str, Any]:
    return {"organisation_id": visit.organisation_id, "date": visit.date, "note": visit.note}


def _apply_trip(trip: Trip, cleaned: dict[str, Any]) -> dict[str, Any]:
    visits = cleaned.pop("visits", None)
    if "team_id" in cleaned:
        cleaned["team_id"] = cleaned["team_id"].id
    changes = audit.diff(trip, cleaned)
    if visits is not None:
        before = [_visit_view(v) for v in trip.visits]
        after = [{"organisation_id": row["organisation_id"].id, "date": row.get("date"), "note": row.get("note")}
                 for row in visits]
        if before != after:
            trip.visits = [TripVisit(organisation=row["organisation_id"], date=row.get("date"), note=row.get("note"))
                           for row in visits]
            changes["visits"] = {"from": before, "to": after}
    return changes


def create_trip(data: Mapping[str, Any], *, actor: User | None) -> Trip:
    """A team's trip from `data` (TRIP_FIELDS), with the companies it visited."""
    cleaned = _clean_trip(data, None)
    trip = Trip()
    db.session.add(trip)
    changes = _apply_trip(trip, cleaned)
    db.session.flush()
    audit.record(actor, "trip.create", "trip", trip.id, changes)
    return trip


def update_trip(trip: Trip, data: Mapping[str, Any], *, actor: User | None) -> Trip:
    """Change the fields present in `data`; `visits`, when given, is the whole new list."""
    changes = _apply_trip(trip, _clean_trip(data, trip))
    if changes:
        db.session.flush()
        audit.record(actor, "trip.update", "trip", trip.id, changes)
    return trip


def delete_trip(trip: Trip, *, actor: User | None) -> None:
    """Remove a trip entered by mistake. One that brought leads stays: they keep it as their source."""
    leads = db.session.scalar(select(func.count(Project.id)).where(Project.source_trip_id == trip.id))
    if leads:
        raise Conflict(_("Leads were captured from this trip; it cannot be deleted."))
    audit.record(actor, "trip.delete", "trip", trip.id, {
        "team_id": trip.team_id, "destination": trip.destination, "starts_on": trip.starts_on,
        "ends_on": trip.ends_on, "visits": [_visit_view(v) for v in trip.visits]})
    db.session.delete(trip)
    db.session.flush()


def list_trips(filters: VisitFilters, page: int = 1, per_page: int = 50) -> tuple[list[Trip], int]:
    """Trips that started in a year, of a team; newest first."""
    stmt = select(Trip).options(selectinload(Trip.visits).selectinload(TripVisit.organisation),
                                selectinload(Trip.team))
    if filters.year is not None:
        stmt = stmt.where(Trip.starts_on >= date(filters.year, 1, 1), Trip.starts_on <= date(filters.year, 12, 31))
    if filters.team_id is not None:
        stmt = stmt.where(Trip.team_id == filters.team_id)
    return _page(stmt, Trip.id, (Trip.starts_on.desc(), Trip.id.desc()), page, per_page)


# --- leads and the source of a project ---------------------------------------------------------

LEAD_FIELDS = ("organisation_id", "name", "industry", "amount_wan", "out_of_province", "origin", "industrial",
               "next_follow_up", "notes", "team_id", "officer_id")


def _capture(fields: Mapping[str, Any], source: dict[str, Any], team: Team | None, *, actor: User | None,
             captured_at: datetime | None) -> Project:
    data = {k: fields.get(k) for k in LEAD_FIELDS if k in fields}
    for name in ("out_of_province", "origin"):  # one given decides the other (pipeline._clean_origin)
        if data.get(name) is None:
            data.pop(name, None)
    if data.get("organisation_id") is None:
        raise Invalid({"organisation_id": [_("Choose the organisation.")]})
    if data.get("team_id") is None and team is not None:
        data["team_id"] = team.id  # the lead is followed by the team that met it
    return pipeline.create_project({**data, **source}, actor=actor, stage=Stage.lead, stage_changed_at=captured_at)


def capture_trip_lead(trip: Trip, fields: Mapping[str, Any], *, actor: User | None,
                      captured_at: datetime | None = None) -> Project:
    """A lead met on `trip`: a project in stage `lead` whose source is the trip."""
    return _capture(fields, {"source_trip_id": trip.id}, trip.team, actor=actor, captured_at=captured_at)


def capture_reception_lead(reception: Reception, fields: Mapping[str, Any], *, actor: User | None,
                           captured_at: datetime | None = None) -> Project:
    """A lead met at `reception`: a project in stage `lead` whose source is the reception."""
    return _capture(fields, {"source_reception_id": reception.id}, reception.team, actor=actor,
                    captured_at=captured_at)


def clean_sources(fields: dict[str, Any]) -> None:
    """A project's trip, reception and referrer (pipeline._clean calls this): each must exist, and the
    referrer be a fund or an agent. Raises Invalid with every problem at once."""
    errors: dict[str, list[str]] = {}
    for field, model in (("source_trip_id", Trip), ("source_reception_id", Reception)):
        if fields.get(field) is not None:
            ident = clean_id(fields[field])
            if ident is None or db.session.get(model, ident) is None:
                errors[field] = [_("No such record.")]
    if fields.get("referred_by_id") is not None:
        ident = clean_id(fields["referred_by_id"])
        org = db.session.get(Organisation, ident) if ident is not None else None
        if org is None:
            errors["referred_by_id"] = [_("There is no organisation with this id.")]
        elif org.kind not in REFERRER_KINDS:
            errors["referred_by_id"] = [_("A project can be referred only by an investment fund or a commissioned "
                                          "investment-promotion agent.")]
    if errors:
        raise Invalid(errors)


SOURCE_TYPES = ("event", "trip", "reception", "referral", "direct")


def source_of(project: Project) -> tuple[str, int | None]:
    """Where a project came from: an event, a trip or a reception; else the fund or agent that referred
    it; else it was entered directly."""
    for kind, ident in (("event", project.source_event_id), ("trip", project.source_trip_id),
                        ("reception", project.source_reception_id), ("referral", project.referred_by_id)):
        if ident is not None:
            return kind, ident
    return "direct", None


def leads_of(*, trip: Trip | None = None, reception: Reception | None = None) -> list[Project]:
    stmt = select(Project).options(selectinload(Project.organisation)).order_by(Project.id)
    if trip is not None:
        stmt = stmt.where(Project.source_trip_id == trip.id)
    if reception is not None:
        stmt = stmt.where(Project.source_reception_id == reception.id)
    return list(db.session.scalars(stmt))


# --- an organisation's history -----------------------------------------------------------------

@dataclass
class OrganisationHistory:
    visits: list[TripVisit]
    receptions: list[Reception]
    referred: list[Project]


def organisation_history(org: Organisation) -> OrganisationHistory:
    """Every visit a team paid the organisation, every reception it came to, and the projects it referred;
    newest first."""
    visits = db.session.scalars(
        select(TripVisit).join(Trip).where(TripVisit.organisation_id == org.id)
        .options(selectinload(TripVisit.trip).selectinload(Trip.team))
        .order_by(Trip.starts_on.desc(), TripVisit.id.desc())).all()
    receptions = db.session.scalars(
        select(Reception).join(Reception.organisations).where(Organisation.id == org.id)
        .options(selectinload(Reception.team)).order_by(Reception.date.desc(), Reception.id.desc())).all()
    referred = db.session.scalars(
        select(Project).where(Project.referred_by_id == org.id).order_by(Project.id.desc())).all()
    return OrganisationHistory(list(visits), list(receptions), list(referred))
