"""The year summary (年度招商工作综述): the bureau's year in the figures and names its published summary gives — the
official figures, the teams and stations, the trips and where they went, the companies visited, the receptions,
the funds and agents, the events held and the projects signed, started and put into production — and that
summary written as prose in the user's language.

The counts and the official figures are the pipeline report's (`reports.stages_entered`, the rows of
`reports.pipeline_report`'s stages entered, and `figures.period_figures`, built on the monthly report's
`figures.investment_totals`), so the summary can never disagree with the year report or the monthly report. Every
other part is one grouped query whatever the number of projects, trips or receptions. The year is Beijing's:
stage changes and events by their moment in Beijing time, trips (by the day they began), receptions and monthly
figures by their Beijing calendar dates.

Definitions where API.md leaves a choice:
- teams, stations: the teams created before the year's end; stations are the cities of the station teams, in
  the order the teams were set up;
- funds and agents: organisations of kind `fund` / `agent` that referred a project which entered a stage
  (any stage change) during the year, or that were visited on the year's trips, or received in its receptions;
  funds largest first, then by name;
- projects: the names of the projects that entered each stage in the year (as the counts count them), largest
  agreed investment first (then in the order they were entered). The prose names each project once, at the
  furthest stage it reached in the year (a project signed and started in the year is told as started), and at
  most `PROSE_NAMES` of each stage.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from ..extensions import db
from ..labels import yi
from ..models import (
    Event,
    Organisation,
    OrgKind,
    Project,
    Reception,
    Stage,
    StageChange,
    Team,
    TeamKind,
    Trip,
    TripVisit,
)
from ..models.bureau import reception_organisations
from .errors import Invalid
from .figures import FIRST_YEAR, LAST_YEAR, period_figures
from .pipeline import SHANGHAI
from .reports import REACHED, Period, entered_in, held_in, period, stages_entered

PROSE_NAMES = 5  # projects named in the prose for each stage, largest first
PROSE_DESTINATIONS = 3  # cities named for the trips ("赴上海、杭州、深圳等地")
PROSE_EVENTS = 5


def parse_year(value: Any) -> int:
    """?year= of the page: digits of a year between FIRST_YEAR and LAST_YEAR, else Invalid under `year`."""
    text = value.strip() if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= LAST_YEAR):
        raise Invalid({"year": [_("Enter a year between %(first)d and %(last)d.", first=FIRST_YEAR,
                                  last=LAST_YEAR)]})
    return int(text)


def year_summary(year: int) -> dict[str, Any]:
    p = period(year)
    # The pipeline report's own figures and counts (the same functions), without the parts the summary does not
    # show (the pipeline at the year's end, by industry, by event).
    report = {**period_figures(p.first_day, p.last_day), **stages_entered(p)}
    teams = _teams(p)
    trips = _trips(p)
    funds, agents = _funds_and_agents(p)
    return {
        "year": year,
        "out_of_province_over_100m_funds_wan": report["out_of_province_over_100m_funds_wan"],
        "industrial_fixed_asset_wan": report["industrial_fixed_asset_wan"],
        "signed": report["signed"],
        "started": report["started"],
        "producing": report["producing"],
        "teams": teams["teams"],
        "stations": teams["stations"],
        "trips": trips["trips"],
        "companies_visited": trips["companies_visited"],
        "receptions": int(db.session.scalar(select(func.count(Reception.id)).where(
            Reception.date >= p.first_day, Reception.date <= p.last_day)) or 0),
        "funds": funds,
        "agents": agents,
        "events": [{"id": event_id, "title": title, "date": starts_at.astimezone(SHANGHAI).date()}
                   for event_id, title, starts_at in db.session.execute(
                       select(Event.id, Event.title, Event.starts_at).where(held_in(p))
                       .order_by(Event.starts_at, Event.id))],
        "projects": _projects(p),
    }


def _teams(p: Period) -> dict[str, Any]:
    existing = Team.created_at < p.end
    counts = {kind.value: 0 for kind in TeamKind}
    for kind, count in db.session.execute(
            select(Team.kind, func.count(Team.id)).where(existing).group_by(Team.kind)):
        counts[TeamKind(kind).value] = int(count)
    stations: list[str] = []
    for city in db.session.scalars(select(Team.city).where(existing, Team.kind == TeamKind.station,
                                                           Team.city.is_not(None)).order_by(Team.id)):
        if city and city not in stations:
            stations.append(city)
    return {"teams": counts, "stations": stations}


def _trip_window(p: Period):
    return (Trip.starts_on >= p.first_day) & (Trip.starts_on <= p.last_day)


def _trips(p: Period) -> dict[str, Any]:
    by_city = [(city, int(count)) for city, count in db.session.execute(
        select(Trip.destination, func.count(Trip.id)).where(_trip_window(p)).group_by(Trip.destination))]
    by_city.sort(key=lambda row: (-row[1], row[0]))  # most visited first, then by name (the same on every database)
    visited = db.session.scalar(select(func.count(func.distinct(TripVisit.organisation_id)))
                                .join(Trip, Trip.id == TripVisit.trip_id).where(_trip_window(p)))
    return {"trips": {"count": sum(count for _city, count in by_city), "destinations": [c for c, _n in by_city]},
            "companies_visited": int(visited or 0)}


def _funds_and_agents(p: Period) -> tuple[list[dict[str, Any]], list[str]]:
    referred = (select(Project.referred_by_id).join(StageChange, StageChange.project_id == Project.id)
                .where(Project.referred_by_id.is_not(None), StageChange.at >= p.start, StageChange.at < p.end))
    visited = select(TripVisit.organisation_id).join(Trip, Trip.id == TripVisit.trip_id).where(_trip_window(p))
    received = (select(reception_organisations.c.organisation_id)
                .join(Reception, Reception.id == reception_organisations.c.reception_id)
                .where(Reception.date >= p.first_day, Reception.date <= p.last_day))
    rows = db.session.execute(
        select(Organisation.kind, Organisation.name, Organisation.fund_size_wan)
        .where(Organisation.kind.in_([OrgKind.fund, OrgKind.agent]),
               or_(Organisation.id.in_(referred), Organisation.id.in_(visited), Organisation.id.in_(received)))).all()
    sized = sorted(((size, name) for kind, name, size in rows if kind == OrgKind.fund),
                   key=lambda f: (f[0] is None, -(f[0] or 0), f[1]))
    funds = [{"name": name, "fund_size_wan": size} for size, name in sized]
    agents = sorted(name for kind, name, _size in rows if kind == OrgKind.agent)
    return funds, agents


def _projects(p: Period) -> dict[str, list[str]]:
    entered = entered_in(p)
    names: dict[str, list[str]] = {stage.value: [] for stage in REACHED}
    for stage, name in db.session.execute(  # largest first, then by id: the same order on every database
            select(entered.c.to_stage, Project.name).join(Project, Project.id == entered.c.project_id)
            .order_by(Project.amount_wan.is_(None), Project.amount_wan.desc(), Project.id)):
        names[Stage(stage).value].append(name)
    return names


# --- the prose ---------------------------------------------------------------------------------------

def _list(items: Sequence[str]) -> str:
    """Items joined as the language lists them (A、B、C)."""
    out = ""
    for item in items:
        out = item if not out else _("%(list)s, %(item)s", list=out, item=item)
    return out


def _chain(clauses: Sequence[str], joiner: str) -> str:
    out = ""
    for clause in clauses:
        if clause:
            out = clause if not out else (_("%(clause)s; %(next)s", clause=out, next=clause) if joiner == ";"
                                          else _("%(clause)s, %(next)s", clause=out, next=clause))
    return out


def _has(amount: Decimal | None) -> bool:
    return amount is not None and amount > 0


def _figures(s: dict[str, Any]) -> str:
    year = s["year"]
    official = _chain([
        _("In %(year)d the district brought in %(amount)s hundred million yuan of funds from out-of-province "
          "projects of 100 million yuan or more", year=year, amount=yi(s["out_of_province_over_100m_funds_wan"])),
        _("industrial projects formed %(amount)s hundred million yuan of fixed-asset investment",
          amount=yi(s["industrial_fixed_asset_wan"])),
    ], ",")
    signed, started, producing = s["signed"], s["started"], s["producing"]
    if not signed["count"]:
        new_signed = _("no project was newly signed")
    elif _has(signed["amount_wan"]):
        new_signed = ngettext("%(num)d project was newly signed, with an agreed investment of %(amount)s hundred "
                              "million yuan", "%(num)d projects were newly signed, with an agreed investment of "
                              "%(amount)s hundred million yuan", signed["count"], amount=yi(signed["amount_wan"]))
    else:
        new_signed = ngettext("%(num)d project was newly signed", "%(num)d projects were newly signed",
                              signed["count"])
    counts = _chain([
        new_signed,
        ngettext("%(num)d project newly started construction", "%(num)d projects newly started construction",
                 started["count"]) if started["count"] else "",
        ngettext("%(num)d project went into production", "%(num)d projects went into production",
                 producing["count"]) if producing["count"] else "",
    ], ",")
    return _("%(sentence)s.", sentence=_chain([official, counts], ";"))


def _work(s: dict[str, Any]) -> str:
    teams, stations = s["teams"], s["stations"]
    kinds = []
    if teams["team"]:
        kinds.append(ngettext("%(num)d investment team", "%(num)d investment teams", teams["team"]))
    if teams["industry"]:
        kinds.append(ngettext("%(num)d industry team", "%(num)d industry teams", teams["industry"]))
    if teams["station"] and stations:
        kinds.append(ngettext("%(num)d stationed team (%(cities)s)", "%(num)d stationed teams (%(cities)s)",
                              teams["station"], cities=_list(stations)))
    elif teams["station"]:
        kinds.append(ngettext("%(num)d stationed team", "%(num)d stationed teams", teams["station"]))
    trips = s["trips"]
    trip_parts = []
    if trips["count"]:
        trip_parts.append(ngettext("made %(num)d investment trip", "made %(num)d investment trips", trips["count"]))
        shown = trips["destinations"][:PROSE_DESTINATIONS]
        if len(trips["destinations"]) > len(shown):
            trip_parts.append(_("to %(cities)s and elsewhere", cities=_list(shown)))
        elif shown:
            trip_parts.append(_("to %(cities)s", cities=_list(shown)))
        if s["companies_visited"]:
            trip_parts.append(ngettext("visiting %(num)d company", "visiting %(num)d companies",
                                       s["companies_visited"]))
    work = _chain([
        _("set up %(teams)s", teams=_list(kinds)) if kinds else "",
        _chain(trip_parts, ","),
        ngettext("received %(num)d delegation of investors", "received %(num)d delegations of investors",
                 s["receptions"]) if s["receptions"] else "",
    ], ";")
    return _("Over the year the district %(work)s.", work=work) if work else ""


def _partners(s: dict[str, Any]) -> str:
    funds = [_("set up an industry fund of %(amount)s hundred million yuan with %(name)s", name=f["name"],
               amount=yi(f["fund_size_wan"])) if _has(f["fund_size_wan"])
             else _("worked with the fund %(name)s", name=f["name"]) for f in s["funds"]]
    agents = [_("signed a commissioned investment-promotion agreement with %(name)s", name=name)
              for name in s["agents"]]
    events = ""
    if s["events"]:
        titles = [e["title"] for e in s["events"][:PROSE_EVENTS]]
        listed = (_list(titles) if len(s["events"]) <= PROSE_EVENTS
                  else _("%(titles)s and others", titles=_list(titles)))
        events = ngettext("held %(num)d investment-promotion event (%(titles)s)",
                          "held %(num)d investment-promotion events (%(titles)s)", len(s["events"]), titles=listed)
    clauses = _chain([_chain(funds, ","), _chain(agents, ","), events], ";")
    return _("The district %(clauses)s.", clauses=clauses) if clauses else ""


def _named(s: dict[str, Any]) -> str:
    """Each project at the furthest stage it reached in the year, at most PROSE_NAMES of each stage."""
    producing = s["projects"]["producing"]
    further = set(producing)
    started = [n for n in s["projects"]["started"] if n not in further]
    further.update(started)
    signed = [n for n in s["projects"]["signed"] if n not in further]

    def named(names: list[str]) -> tuple[str, int, bool]:
        return _list(names[:PROSE_NAMES]), len(names[:PROSE_NAMES]), len(names) > PROSE_NAMES

    parts = []
    if signed:
        shown, n, more = named(signed)
        parts.append(_("%(names)s and other projects were signed", names=shown) if more
                     else ngettext("%(names)s was signed", "%(names)s were signed", n, names=shown))
    if started:
        shown, n, more = named(started)
        parts.append(_("%(names)s and other projects started construction", names=shown) if more
                     else ngettext("%(names)s started construction", "%(names)s started construction", n,
                                   names=shown))
    if producing:
        shown, n, more = named(producing)
        parts.append(_("%(names)s and other projects went into production", names=shown) if more
                     else ngettext("%(names)s went into production", "%(names)s went into production", n,
                                   names=shown))
    return _("%(sentence)s.", sentence=_chain(parts, ",")) if parts else ""


def summary_prose(s: dict[str, Any]) -> list[str]:
    """The summary as the bureau writes it, paragraph by paragraph, in the user's language; a part with nothing
    to tell (no trips, no funds, no projects named) is left out rather than written with a zero."""
    return [text for text in (_figures(s), _work(s), _partners(s), _named(s)) if text]
