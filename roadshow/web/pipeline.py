"""The investment pipeline: board, projects, follow-ups, lead capture and reports."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms.pipeline import BulkLeadForm, InvestmentForm, MoveForm, ProjectForm
from ..forms.teams import FollowUpForm
from ..models import Attendee, Event, EventStatus, Organisation, Stage
from ..models.types import utcnow
from ..permissions import P, current_actor, require
from ..services import figures, pipeline, reports, teams, visits
from ..services import follow_ups as follow_up_records
from ..services.errors import Invalid
from ..services.events import get_event
from ..services.organisations import industry_names
from ..uow import atomic

bp = Blueprint("pipeline", __name__, url_prefix="/pipeline")

# Service field → form field, where their names differ.
FIELD_FOR = {"stage_changed_at": "date", "stage_note": "note"}


def _put_errors(form, exc: Invalid) -> None:
    for field, messages in exc.errors.items():
        target = getattr(form, FIELD_FOR.get(field, field), None)
        if target is None:
            flash(" ".join(messages), "danger")
        else:
            target.errors = list(target.errors or []) + list(messages)


def _safe_next(default: str) -> str:
    target = request.values.get("next", "")
    if target.startswith("/pipeline") and "//" not in target and "\\" not in target:
        return target
    return default


def _industry_choices(blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(name) for name in industry_names()]


# --- board and project pages -------------------------------------------------------------------

@bp.get("/")
@require(P.read_projects)
def board():
    filters = pipeline.parse_filters(request.args, current_actor())
    columns = pipeline.board(filters)
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc()).limit(50)).all()
    return render_template("pipeline/board.html", columns=columns, filters=filters, today=pipeline.today(),
                           industries=industry_names(), teams=pipeline.team_choices(), events=events,
                           stages=list(Stage))


@bp.get("/follow-ups")
@require(P.read_projects)
def follow_ups():
    return render_template("pipeline/follow_ups.html", projects=pipeline.overdue_follow_ups(),
                           today=pipeline.today())


@bp.get("/projects/<int:project_id>")
@require(P.read_projects)
def project(project_id: int):
    return project_page(pipeline.get_project(project_id), InvestmentForm(formdata=None))


def project_page(item, investment_form: InvestmentForm, follow_up_form: FollowUpForm | None = None):
    """The project page; a form given back with its errors (figures, follow-up) shows them beside its fields."""
    event = db.session.get(Event, item.source_event_id) if item.source_event_id else None
    attendee = db.session.get(Attendee, item.attendee_id) if item.attendee_id else None
    users = pipeline.users_by_id(c.user_id for c in item.history)
    event_url = url_for("events.detail", event_id=event.id) if event is not None else None
    if not investment_form.month.data:
        investment_form.month.data = figures.month_label(pipeline.today())
    return render_template("pipeline/project.html", project=item, event=event, event_url=event_url,
                           attendee=attendee, users=users, today=pipeline.today(),
                           investments=figures.project_investments(item), investment_form=investment_form,
                           source=visits.source_of(item),
                           follow_ups=follow_up_records.list_follow_ups(item),
                           follow_up_form=follow_up_form or FollowUpForm())


@bp.post("/projects/<int:project_id>/investments")
@require(P.manage_projects)
def record_investment(project_id: int):
    """A month's figures entered on the project page; errors are shown beside the fields."""
    item = pipeline.get_project(project_id)
    form = InvestmentForm()
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in figures.FIGURES if getattr(form, name).data}
        try:
            with atomic():
                figures.set_month(item, figures.parse_month(form.month.data), data, actor=current_actor())
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The figures of %(month)s were recorded.", month=form.month.data.strip()), "success")
            return redirect(url_for("pipeline.project", project_id=item.id) + "#investments")
    return project_page(item, form)


def _fill_project_choices(form: ProjectForm, event: Event | None = None, project=None) -> None:
    form.industry.choices = _industry_choices(_("— choose —"))
    candidates = pipeline.lead_candidates(event) if event is not None else []
    if candidates:
        organisations = [SelectChoice(c.organisation.id, c.organisation.name) for c in candidates]
        guests = [SelectChoice("", _("— none —"))] + [
            SelectChoice(a.id, f"{a.name}（{c.organisation.name}）") for c in candidates for a in c.attendees]
    else:
        orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
        organisations = [SelectChoice("", _("— choose —"))] + [SelectChoice(o.id, o.name) for o in orgs]
        guests = [SelectChoice("", _("— none —"))]
    # A project being edited keeps its own organisation and guest even when they are not in the lists.
    if project is not None:
        if project.organisation and project.organisation_id not in [c.value for c in organisations]:
            organisations.insert(0, SelectChoice(project.organisation_id, project.organisation.name))
        if project.attendee_id and project.attendee_id not in [c.value for c in guests]:
            attendee = db.session.get(Attendee, project.attendee_id)
            if attendee is not None:
                guests.append(SelectChoice(attendee.id, attendee.name))
    form.organisation_id.choices, form.attendee_id.choices = organisations, guests
    referrers = db.session.scalars(select(Organisation).where(Organisation.kind.in_(visits.REFERRER_KINDS))
                                   .order_by(Organisation.name)).all()
    form.referred_by_id.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(o.id, o.name) for o in referrers]
    default = _("— the industry's team —") if project is None else _("— none —")
    form.team_id.choices = [SelectChoice("", default)] + [
        SelectChoice(t.id, t.name) for t in teams.list_teams()]
    form.officer_id.choices = [SelectChoice("", _("— none —"))] + [
        SelectChoice(u.id, u.name or u.email) for u in teams.active_users()]
    if project is not None and project.officer is not None and not project.officer.active:
        form.officer_id.choices.append(SelectChoice(project.officer_id, project.officer.name or project.officer.email))


def _project_fields(form: ProjectForm) -> dict:
    return dict(name=form.name.data, organisation_id=form.organisation_id.data,
                attendee_id=form.attendee_id.data, industry=form.industry.data or None,
                amount_wan=form.amount_wan.data, origin=form.origin.data or None,
                industrial=form.industrial.data, team_id=form.team_id.data,
                officer_id=form.officer_id.data, next_follow_up=form.next_follow_up.data, notes=form.notes.data,
                referred_by_id=form.referred_by_id.data)


@bp.route("/projects/new", methods=["GET", "POST"])
@require(P.manage_projects)
def new_project():
    form = ProjectForm()
    _fill_project_choices(form)
    if form.validate_on_submit():
        try:
            with atomic():
                item = pipeline.create_project(_project_fields(form), actor=current_actor())
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The project was added to the pipeline."), "success")
            return redirect(url_for("pipeline.project", project_id=item.id))
    return render_template("pipeline/project_form.html", form=form, project=None, event=None)


@bp.route("/projects/<int:project_id>/edit", methods=["GET", "POST"])
@require(P.manage_projects)
def edit_project(project_id: int):
    item = pipeline.get_project(project_id)
    form = ProjectForm(obj=item)
    event = db.session.get(Event, item.source_event_id) if item.source_event_id else None
    _fill_project_choices(form, event, item)
    if request.method == "GET":
        form.amount_wan.data = "" if item.amount_wan is None else f"{item.amount_wan:f}"
        form.industry.data = item.industry or ""
        form.origin.data = item.origin.value if item.origin else ""
    if form.validate_on_submit():
        try:
            with atomic():
                pipeline.update_project(item, _project_fields(form), actor=current_actor())
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The project was saved."), "success")
            return redirect(url_for("pipeline.project", project_id=item.id))
    return render_template("pipeline/project_form.html", form=form, project=item, event=event)


@bp.route("/projects/<int:project_id>/move", methods=["GET", "POST"])
@require(P.manage_projects)
def move(project_id: int):
    item = pipeline.get_project(project_id)  # update_project locks it
    form = MoveForm()
    if request.method == "GET":
        form.stage.data = request.args.get("to") or item.stage.value
        form.date.data = pipeline.today()
    if form.validate_on_submit():
        try:
            with atomic():
                at = pipeline.moment_for_date(form.date.data, item)
                pipeline.update_project(item, {}, actor=current_actor(), stage=form.stage.data,
                                        stage_note=form.note.data, stage_changed_at=at)
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("%(project)s is now at stage: %(stage)s.", project=item.name,
                    stage=pipeline_stage_label(item.stage)), "success")
            return redirect(_safe_next(url_for("pipeline.project", project_id=item.id)))
    return render_template("pipeline/move.html", form=form, project=item, today=pipeline.today(),
                           next=_safe_next(""))


def pipeline_stage_label(stage: Stage) -> str:
    from ..labels import STAGE

    return str(STAGE[stage])


# --- lead capture ------------------------------------------------------------------------------

@bp.get("/leads")
@require(P.manage_projects)
def lead_events():
    """Choose the event the leads were met at: the latest ones first."""
    events = db.session.scalars(select(Event).where(Event.status != EventStatus.cancelled,
                                                    Event.starts_at <= utcnow())
                                .order_by(Event.starts_at.desc()).limit(30)).all()
    return render_template("pipeline/lead_events.html", events=events)


def _bulk_form(event: Event, candidates) -> BulkLeadForm:
    form = BulkLeadForm(prefix="bulk")
    form.organisation_ids.choices = [SelectChoice(c.organisation.id, c.organisation.name) for c in candidates
                                     if c.checked_in]
    form.industry.choices = _industry_choices(_("Each organisation's own industry"))
    return form


@bp.get("/events/<int:event_id>/leads")
@require(P.manage_projects)
def event_leads(event_id: int):
    event = get_event(event_id)
    candidates = pipeline.lead_candidates(event)
    projects = pipeline.list_projects(pipeline.Filters(event_id=event.id), per_page=200)[0]
    return render_template("pipeline/event_leads.html", event=event, candidates=candidates, projects=projects,
                           bulk=_bulk_form(event, candidates))


@bp.post("/events/<int:event_id>/leads/bulk")
@require(P.manage_projects)
def bulk_leads(event_id: int):
    event = get_event(event_id)
    candidates = pipeline.lead_candidates(event)
    form = _bulk_form(event, candidates)
    if form.validate_on_submit():
        try:
            with atomic():
                created = pipeline.capture_checked_in_leads(
                    event, form.organisation_ids.data or [], actor=current_actor(), industry=form.industry.data or None,
                    next_follow_up=form.next_follow_up.data)
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("%(n)d leads were added to the pipeline.", n=len(created)), "success")
            return redirect(url_for("pipeline.event_leads", event_id=event.id))
    projects = pipeline.list_projects(pipeline.Filters(event_id=event.id), per_page=200)[0]
    return render_template("pipeline/event_leads.html", event=event, candidates=candidates, projects=projects,
                           bulk=form), 422


@bp.route("/events/<int:event_id>/leads/new", methods=["GET", "POST"])
@require(P.manage_projects)
def capture_lead(event_id: int):
    event = get_event(event_id)
    form = ProjectForm()
    _fill_project_choices(form, event)
    if request.method == "GET":
        org_id = request.args.get("organisation_id", type=int)
        attendee_id = request.args.get("attendee_id", type=int)
        candidate = next((c for c in pipeline.lead_candidates(event) if c.organisation.id == org_id), None)
        if candidate is not None:
            form.organisation_id.data = org_id
            form.attendee_id.data = attendee_id if any(a.id == attendee_id for a in candidate.attendees) else (
                candidate.checked_in[0].id if candidate.checked_in else None)
            industry = candidate.organisation.industry
            form.industry.data = industry if industry in industry_names() else ""
            origin = pipeline.default_origin(candidate.organisation)
            if origin is not None:
                form.origin.data = origin.value
    if form.validate_on_submit():
        fields = _project_fields(form)
        fields.pop("referred_by_id")  # a lead met at an event comes from the event (its form has no referrer)
        try:
            with atomic():
                item = pipeline.capture_lead(event, actor=current_actor(), **fields)
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The lead was added to the pipeline."), "success")
            return redirect(url_for("pipeline.project", project_id=item.id))
    return render_template("pipeline/project_form.html", form=form, project=None, event=event)


# --- reports -----------------------------------------------------------------------------------

def _period_args() -> tuple[int, int | None]:
    year = request.args.get("year", type=int) or pipeline.today().year
    quarter = request.args.get("quarter", type=int)
    if not 2000 <= year <= 2100 or (quarter is not None and not 1 <= quarter <= 4):
        abort(404)
    return year, quarter


@bp.get("/report")
@require(P.read_reports)
def report():
    year, quarter = _period_args()
    data = reports.pipeline_report(year, quarter)
    funnels = [reports.event_report(db.session.get(Event, row["event_id"])) for row in data["by_event"]]
    return render_template("pipeline/report.html", report=data, funnels=funnels, year=year, quarter=quarter,
                           chart=reports.chart_data(data, funnels), this_year=pipeline.today().year)


@bp.get("/report.xlsx")
@require(P.read_reports)
def report_xlsx():
    year, quarter = _period_args()
    data = reports.pipeline_report(year, quarter)
    funnels = [reports.event_report(db.session.get(Event, row["event_id"])) for row in data["by_event"]]
    name = f"pipeline-{year}" + (f"-Q{quarter}" if quarter else "") + ".xlsx"
    return send_file(reports.report_workbook(data, funnels), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- monthly figures from the bureau's spreadsheet --------------------------------------------

@bp.route("/figures/import", methods=["GET", "POST"])
@require(P.manage_projects)
def import_figures():
    """Upload the monthly spreadsheet → preview with each row's errors → confirm to record the good rows."""
    from ..services import figure_imports
    from . import uploads

    return uploads.import_page(
        "figures", "pipeline/import_figures.html",
        preview=lambda file: figure_imports.preview(file, actor=current_actor()),
        run=lambda file: figure_imports.import_figures(file, actor=current_actor()),
        imported=lambda result: _("%(n)s months of figures recorded.", n=result["imported"]),
        cancel_url=url_for(".report"))


@bp.get("/figures/template.xlsx")
@require(P.manage_projects)
def figures_template():
    """An empty monthly spreadsheet with the header row, in Chinese; the money columns take numbers."""
    import io

    from openpyxl import Workbook

    from ..services.figure_imports import HEADER_ZH

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "月度投资数据"
    sheet.append(list(HEADER_ZH))
    for column, width in zip("ABCD", (36, 10, 18, 28), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet["B"]:
        cell.number_format = "@"  # 2023-07 stays text, not a date Excel reformats
    for cell in sheet["C"] + sheet["D"]:
        cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name="月度投资数据模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
