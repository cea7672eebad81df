"""The bureau's pipeline report for a year or a quarter, and an event's funnel.

Periods are calendar years and quarters in Beijing time: a project signed at 2031-12-31 23:30
+08:00 (15:30Z) counts for 2031. "Reached" means a StageChange into that stage inside the period;
skipped stages are recorded as reached at the moment of the jump, so they count too.

Sums are computed in the database over whole fen (分, 0.01 万元): SUM of NUMERIC is exact on
PostgreSQL but becomes a float sum on SQLite (NUMERIC affinity stores REAL), so each amount is
first turned into an integer count of fen — ROUND(amount * 100) is exact on both for values with
two decimals — summed as integers, and divided by 100 as a Decimal here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, select

from ..extensions import db
from ..models import (
    CheckIn,
    CheckInStatus,
    Event,
    EventStatus,
    Interest,
    Invitation,
    Organisation,
    OrgKind,
    Project,
    Registration,
    RegistrationStatus,
    Stage,
    StageChange,
)
from ..models.registrations import Attendee
from .pipeline import SHANGHAI

UNASSIGNED = "unassigned"  # by_industry key for projects without an industry
CENT = Decimal("0.01")
REACHED = [Stage.signed, Stage.started, Stage.producing]  # the stages a period's report counts as entered


def fen_sum(column):
    """SUM of a 万元 column as an integer number of fen, exact on SQLite and PostgreSQL."""
    return func.coalesce(func.sum(cast(func.round(column * 100), BigInteger)), 0)


def from_fen(value: Any) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


def period(year: int, quarter: int | None = None) -> Period:
    if quarter is None:
        start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    else:
        month = 3 * (quarter - 1) + 1
        start = datetime(year, month, 1, tzinfo=SHANGHAI)
        end = datetime(year + (month + 3 > 12), (month + 3 - 1) % 12 + 1, 1, tzinfo=SHANGHAI)
    return Period(year, quarter, start, end)


def _total(count: Any, fen: Any) -> dict[str, Any]:
    return {"count": int(count or 0), "amount_wan": from_fen(fen)}


def _stage_at_end(p: Period):
    """Each project's last stage change before the period's end (ids grow with time within a project:
    a change can never be dated before the one it follows)."""
    return (select(StageChange.project_id, func.max(StageChange.id).label("change_id"))
            .where(StageChange.at < p.end).group_by(StageChange.project_id).subquery())


def entered_in(p: Period):
    """(project_id, to_stage) of each project that entered signed, started or producing in the period, once per
    stage: what the report's `signed`, `started` and `producing` count (the year summary names them)."""
    return (select(StageChange.project_id, StageChange.to_stage)
            .where(StageChange.to_stage.in_(REACHED), StageChange.at >= p.start, StageChange.at < p.end)
            .distinct().subquery())


def held_in(p: Period):
    """The condition of an event held in the period: published (a draft was never announced, a cancelled one
    did not take place) and begun in it."""
    return and_(Event.starts_at >= p.start, Event.starts_at < p.end, Event.status == EventStatus.published)


def _entered_rows(p: Period) -> list[tuple[Stage, str | None, int | None, bool, int, int]]:
    """(stage, industry, source event, out of province and 1 亿元 or more, projects, fen) of the projects that
    entered signed, started or producing in the period, each once per stage."""
    entered = entered_in(p)
    big = case((and_(Project.out_of_province.is_(True), Project.amount_wan >= 10000), 1), else_=0)
    return [(Stage(stage), industry, event_id, bool(is_big), int(count), int(fen))
            for stage, industry, event_id, is_big, count, fen in db.session.execute(
                select(entered.c.to_stage, Project.industry, Project.source_event_id, big,
                       func.count(Project.id), fen_sum(Project.amount_wan))
                .join(Project, Project.id == entered.c.project_id)
                .group_by(entered.c.to_stage, Project.industry, Project.source_event_id, big))]


def stages_entered(p: Period) -> dict[str, dict[str, Any]]:
    """The report's `signed`, `started` and `producing` of the period (count and agreed 万元), from the same rows
    as `pipeline_report`'s (the year summary needs only these, not the rest of the report)."""
    reached = {stage: [0, 0] for stage in REACHED}
    for stage, _industry, _event, _big, count, fen in _entered_rows(p):
        reached[stage][0] += count
        reached[stage][1] += fen
    return {stage.value: _total(*totals) for stage, totals in reached.items()}


def pipeline_report(year: int, quarter: int | None = None) -> dict[str, Any]:
    """Five queries whatever the number of projects: the pipeline at the period's end by stage and
    industry, the stages entered in the period by industry and source event, and the events."""
    p = period(year, quarter)
    by_industry: dict[str, dict[str, Any]] = {}

    def slot(industry: str | None) -> dict[str, Any]:
        return by_industry.setdefault(industry or UNASSIGNED, {"count": 0, "amount_wan": 0, "signed": 0,
                                                               "signed_amount_wan": 0})

    # The pipeline as it stood at the end of the period; the active part of it per industry.
    at_end = {stage: [0, 0] for stage in Stage}
    last = _stage_at_end(p)
    for stage, industry, count, fen in db.session.execute(
            select(StageChange.to_stage, Project.industry, func.count(Project.id), fen_sum(Project.amount_wan))
            .join(last, StageChange.id == last.c.change_id)
            .join(Project, Project.id == StageChange.project_id)
            .group_by(StageChange.to_stage, Project.industry)):
        at_end[stage][0] += int(count)
        at_end[stage][1] += int(fen)
        if stage is not Stage.dropped:
            slot(industry)["count"] += int(count)
            slot(industry)["amount_wan"] += int(fen)

    # What entered signed, started and producing in the period: each project once per stage.
    reached = {stage: [0, 0] for stage in REACHED}
    over_100m = [0, 0]
    signed_by_event: dict[int, list[int]] = {}
    for stage, industry, event_id, is_big, count, fen in _entered_rows(p):
        reached[stage][0] += count
        reached[stage][1] += fen
        if stage is not Stage.signed:
            continue
        slot(industry)["signed"] += count
        slot(industry)["signed_amount_wan"] += fen
        if is_big:
            over_100m[0] += count
            over_100m[1] += fen
        if event_id is not None:
            totals = signed_by_event.setdefault(event_id, [0, 0])
            totals[0] += count
            totals[1] += fen

    from .figures import period_figures
    from .organisations import industry_names

    order = {name: i for i, name in enumerate(industry_names())}
    for values in by_industry.values():
        values["amount_wan"] = from_fen(values["amount_wan"])
        values["signed_amount_wan"] = from_fen(values["signed_amount_wan"])
    return {
        "year": year,
        "quarter": quarter,
        "period": {"start": p.first_day, "end": p.last_day},
        "by_stage": {stage.value: _total(*at_end[stage]) for stage in Stage},
        **{stage.value: _total(*totals) for stage, totals in reached.items()},
        "out_of_province_over_100m": _total(*over_100m),
        **period_figures(p.first_day, p.last_day),
        "by_industry": dict(sorted(by_industry.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))),
        "by_event": _by_event(p, signed_by_event),
    }


def _by_event(p: Period, signed: dict[int, list[int]]) -> list[dict[str, Any]]:
    """Events held in the period, and events whose leads entered or signed in it."""
    first = (select(StageChange.project_id, func.min(StageChange.id).label("change_id"))
             .join(Project, Project.id == StageChange.project_id).where(Project.source_event_id.is_not(None))
             .group_by(StageChange.project_id).subquery())
    leads = {event_id: (count, fen) for event_id, count, fen in db.session.execute(
        select(Project.source_event_id, func.count(Project.id), fen_sum(Project.amount_wan))
        .join(first, first.c.project_id == Project.id)
        .join(StageChange, StageChange.id == first.c.change_id)
        .where(Project.source_event_id.is_not(None), StageChange.at >= p.start, StageChange.at < p.end)
        .group_by(Project.source_event_id))}
    held = set(db.session.scalars(select(Event.id).where(held_in(p))))
    ids = held | set(leads) | set(signed)
    if not ids:
        return []
    events = db.session.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.starts_at, Event.id))
    rows = []
    for event in events:
        lead_count, lead_fen = leads.get(event.id, (0, 0))
        signed_count, signed_fen = signed.get(event.id, (0, 0))
        rows.append({"event_id": event.id, "title": event.title, "starts_at": event.starts_at,
                     "leads": int(lead_count), "leads_amount_wan": from_fen(lead_fen),
                     "signed": int(signed_count), "amount_wan": from_fen(signed_fen)})
    return rows


def event_report(event: Event) -> dict[str, Any]:
    """The funnel of one event: invited → registered → checked in → leads → signed (ever, with amounts)."""
    kinds: dict[str, dict[str, Any]] = {}

    def slot(kind: OrgKind | None) -> dict[str, Any]:
        return kinds.setdefault((kind or OrgKind.other).value, {
            "invited": 0, "registered": 0, "checked_in": 0, "interests": 0, "leads": 0, "signed": 0,
            "amount_wan": from_fen(0)})

    for kind, count in db.session.execute(
            select(Organisation.kind, func.count(Invitation.id))
            .join(Organisation, Organisation.id == Invitation.organisation_id)
            .where(Invitation.event_id == event.id).group_by(Organisation.kind)):
        slot(kind)["invited"] = int(count)
    for kind, count in db.session.execute(
            select(Organisation.kind, func.count(Attendee.id))
            .join(Registration, Registration.id == Attendee.registration_id)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
            .group_by(Organisation.kind)):
        slot(kind)["registered"] = int(count)
    for kind, count in db.session.execute(
            select(Organisation.kind, func.count(CheckIn.id))
            .join(Attendee, Attendee.id == CheckIn.attendee_id)
            .join(Registration, Registration.id == Attendee.registration_id)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(CheckIn.event_id == event.id, CheckIn.status == CheckInStatus.active)
            .group_by(Organisation.kind)):
        slot(kind)["checked_in"] = int(count)
    for kind, count in db.session.execute(  # guests' interest in pitched projects (programme)
            select(Organisation.kind, func.count(Interest.id))
            .join(Attendee, Attendee.id == Interest.attendee_id)
            .join(Registration, Registration.id == Attendee.registration_id)
            .join(Organisation, Organisation.id == Registration.organisation_id)
            .where(Interest.event_id == event.id).group_by(Organisation.kind)):
        slot(kind)["interests"] = int(count)
    for kind, count, fen in db.session.execute(
            select(Organisation.kind, func.count(Project.id), fen_sum(Project.amount_wan))
            .outerjoin(Organisation, Organisation.id == Project.organisation_id)
            .where(Project.source_event_id == event.id).group_by(Organisation.kind)):
        slot(kind).update(leads=int(count), leads_amount_wan=from_fen(fen))
    ever_signed = select(StageChange.project_id).where(StageChange.to_stage == Stage.signed).distinct()
    for kind, count, fen in db.session.execute(
            select(Organisation.kind, func.count(Project.id), fen_sum(Project.amount_wan))
            .outerjoin(Organisation, Organisation.id == Project.organisation_id)
            .where(and_(Project.source_event_id == event.id, Project.id.in_(ever_signed)))
            .group_by(Organisation.kind)):
        slot(kind).update(signed=int(count), amount_wan=from_fen(fen))

    for values in kinds.values():
        values.setdefault("leads_amount_wan", from_fen(0))
    order = [k.value for k in OrgKind]
    by_kind = dict(sorted(kinds.items(), key=lambda kv: order.index(kv[0])))
    totals = {key: sum(v[key] for v in by_kind.values())
              for key in ("invited", "registered", "checked_in", "interests", "leads", "signed")}
    return {
        "event_id": event.id,
        "title": event.title,
        **totals,
        "leads_amount_wan": sum((v["leads_amount_wan"] for v in by_kind.values()), from_fen(0)),
        "amount_wan": sum((v["amount_wan"] for v in by_kind.values()), from_fen(0)),
        "by_kind": by_kind,
    }


# --- the report page's charts and the XLSX download ------------------------------------------------

def _num(amount: Decimal) -> float:
    # Chart.js draws numbers; the exact figures are in the page's tables and the workbook.
    return float(amount)


def chart_data(report: dict[str, Any], funnels: list[dict[str, Any]]) -> dict[str, Any]:
    """What static/js/report.js draws, with labels in the user's language."""
    from flask_babel import gettext as _

    from ..labels import STAGE

    stages = [s for s in Stage]
    industries = [(name, row) for name, row in report["by_industry"].items() if row["signed"]]
    steps = [("invited", _("Invited")), ("registered", _("Registered")), ("checked_in", _("Checked in")),
             ("interests", _("Interests")), ("leads", _("Leads")), ("signed", _("Signed"))]
    return {
        "labels": {"projects": _("Projects"), "amount": _("Amount (100m yuan)"), "guests": _("Number")},
        "stages": {"labels": [str(STAGE[s]) for s in stages],
                   "counts": [report["by_stage"][s.value]["count"] for s in stages],
                   "amounts_yi": [_num(report["by_stage"][s.value]["amount_wan"] / 10000) for s in stages]},
        "industries": {"labels": [name if name != UNASSIGNED else _("No industry") for name, _row in industries],
                       "amounts_yi": [_num(row["signed_amount_wan"] / 10000) for _name, row in industries],
                       "counts": [row["signed"] for _name, row in industries]},
        "events": [{"title": f["title"], "labels": [label for _key, label in steps],
                    "values": [f[key] for key, _label in steps]} for f in funnels],
    }


def report_workbook(report: dict[str, Any], funnels: list[dict[str, Any]]):
    """The report as an XLSX file: typed cells, amounts as numbers with 2 decimals, frozen headers."""
    from io import BytesIO

    from flask_babel import gettext as _
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..labels import ORG_KIND, STAGE
    from .exports import force_text, xlsx_text

    money = "#,##0.00"
    wb = Workbook()

    def sheet(title: str, header: list[str], rows: list[list[Any]], money_cols: set[int]):
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([xlsx_text(v) if isinstance(v, str) else v for v in row])
            force_text(ws[ws.max_row])
        for col in money_cols:
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = money
        for i, text in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, min(40, len(str(text)) * 2 + 4))
        ws.freeze_panes = "A2"
        return ws

    wb.remove(wb.active)
    period_label = (_("%(year)d Q%(quarter)d", year=report["year"], quarter=report["quarter"])
                    if report["quarter"] else _("%(year)d", year=report["year"]))
    amount, amount_yi = _("Amount (10k yuan)"), _("Amount (100m yuan)")
    summary = [
        [_("Newly signed projects"), report["signed"]],
        [_("Newly started projects"), report["started"]],
        [_("Newly in production"), report["producing"]],
        [_("Out-of-province projects of 100m yuan or more"), report["out_of_province_over_100m"]],
    ]
    official = [  # money actually in place and formed: amounts without a count of projects
        [_("Funds in place"), report["funds_in_place_wan"]],
        [_("Funds in place in out-of-province projects of 100m yuan or more"),
         report["out_of_province_over_100m_funds_wan"]],
        [_("Fixed-asset investment formed by industrial projects"), report["industrial_fixed_asset_wan"]],
    ]
    sheet(_("Summary"), [_("Period"), _("Indicator"), _("Projects"), amount, amount_yi],
          [[period_label, label, t["count"], t["amount_wan"], (t["amount_wan"] / 10000).quantize(CENT)]
           for label, t in summary]
          + [[period_label, label, None, wan, (wan / 10000).quantize(CENT)] for label, wan in official], {4, 5})
    sheet(_("By stage"), [_("Stage"), _("Projects"), amount],
          [[str(STAGE[s]), report["by_stage"][s.value]["count"], report["by_stage"][s.value]["amount_wan"]]
           for s in Stage], {3})
    sheet(_("By industry"), [_("Industry"), _("Projects in the pipeline"), amount, _("Signed"),
                             _("Signed amount (10k yuan)")],
          [[name if name != UNASSIGNED else _("No industry"), r["count"], r["amount_wan"], r["signed"],
            r["signed_amount_wan"]] for name, r in report["by_industry"].items()], {3, 5})
    sheet(_("By event"), [_("Event"), _("Date"), _("Leads"), _("Signed"), _("Signed amount (10k yuan)")],
          [[r["title"], r["starts_at"].astimezone(SHANGHAI).date(), r["leads"], r["signed"], r["amount_wan"]]
           for r in report["by_event"]], {5})
    funnel_rows = []
    for f in funnels:
        funnel_rows.append([f["title"], _("All kinds"), f["invited"], f["registered"], f["checked_in"], f["leads"],
                            f["signed"], f["amount_wan"]])
        for kind, k in f["by_kind"].items():
            funnel_rows.append([f["title"], str(ORG_KIND[OrgKind(kind)]), k["invited"], k["registered"],
                                k["checked_in"], k["leads"], k["signed"], k["amount_wan"]])
    sheet(_("Event funnels"), [_("Event"), _("Organisation type"), _("Invited"), _("Registered"), _("Checked in"),
                               _("Leads"), _("Signed"), _("Signed amount (10k yuan)")], funnel_rows, {8})
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.is_date:
                    cell.number_format = "yyyy-mm-dd"
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out
