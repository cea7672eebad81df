"""Console: receptions (客商接待) and trips (外出招商) — lists by year and team, forms, detail pages, and
the leads captured from them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..forms.visits import ReceptionForm, TripForm, VisitLeadForm
from ..models import Organisation, Project, Reception, Trip
from ..permissions import P, current_actor, require
from ..services import pipeline, teams
from ..services import visits as service
from ..services.errors import Conflict, Invalid
from ..services.organisations import industry_names
from ..uow import atomic
from . import page_number

bp = Blueprint("visits", __name__)

PER_PAGE = 30
# The cities the district's teams travel to most (a suggestion list; any city may be typed).
DESTINATIONS = ("上海", "杭州", "深圳", "宁波", "台州", "温州", "南京", "苏州", "合肥", "北京", "广州")
BLANK_VISITS = 3  # empty rows under a trip's visits, to add companies


def _put_errors(form, errors: dict[str, list[str]]) -> list[str]:
    """The service's messages beside their fields (visits.N.field beside row N); the rest returned."""
    general: list[str] = []
    rows = form.visit_rows() if hasattr(form, "visit_rows") else []
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "visits" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            field = getattr(form.visits.entries[rows[int(parts[1])][0]].form, parts[2], None)
        else:
            field = form._fields.get(parts[0]) if len(parts) == 1 and parts[0] != "visits" else None
        if field is None:
            general.extend(messages)
        else:
            field.errors = list(field.errors or []) + list(messages)
    return general


def _team_choices(blank: str) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(t.id, t.name) for t in teams.list_teams()]


def _organisation_choices() -> list[SelectChoice]:
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return [SelectChoice(i, name) for i, name in rows]


def _filters():
    """?year=&team_id= of a list page: a malformed value is refused (422), as on the pipeline board — a
    filtered list never shows more than was asked for."""
    return service.parse_filters(request.args)


def _list_context(filters) -> dict:
    return {"filters": filters, "teams": teams.list_teams(), "this_year": pipeline.today().year,
            "page": page_number()}


# --- receptions --------------------------------------------------------------------------------

@bp.get("/receptions/")
@require(P.read_projects)
def receptions():
    filters = _filters()
    context = _list_context(filters)
    rows, total = service.list_receptions(filters, context["page"], PER_PAGE)
    visitors = sum(r.visitors for r in rows)
    return render_template("visits/receptions.html", receptions=rows, total=total, visitors=visitors,
                           pages=max(1, -(-total // PER_PAGE)), **context)


def _reception_form(reception: Reception | None) -> ReceptionForm:
    form = ReceptionForm(obj=reception)
    form.team_id.choices = _team_choices(_("— none —"))
    form.organisation_ids.choices = _organisation_choices()
    projects = db.session.execute(select(Project.id, Project.name).order_by(Project.name)).all()
    form.project_ids.choices = [SelectChoice(i, name) for i, name in projects]
    if request.method == "GET":
        if reception is not None:
            form.organisation_ids.data = [o.id for o in reception.organisations]
            form.project_ids.data = [p.id for p in reception.projects]
            form.visitors.data = str(reception.visitors)
        else:
            form.date.data = pipeline.today()
            org_id = request.args.get("organisation_id", type=int)
            form.organisation_ids.data = [org_id] if org_id else []
    return form


@bp.route("/receptions/new", methods=["GET", "POST"])
@require(P.manage_projects)
def new_reception():
    form = _reception_form(None)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            with atomic():
                reception = service.create_reception(form.data_for_service(), actor=current_actor())
        except Invalid as exc:
            general = _put_errors(form, exc.errors)
        else:
            flash(_("The reception was recorded."), "success")
            return redirect(url_for(".reception", reception_id=reception.id))
    return render_template("visits/reception_form.html", form=form, reception=None, general=general)


@bp.route("/receptions/<int:reception_id>/edit", methods=["GET", "POST"])
@require(P.manage_projects)
def edit_reception(reception_id: int):
    reception = service.get_reception(reception_id)
    form = _reception_form(reception)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            with atomic():
                service.update_reception(reception, form.data_for_service(), actor=current_actor())
        except Invalid as exc:
            general = _put_errors(form, exc.errors)
        else:
            flash(_("The reception was saved."), "success")
            return redirect(url_for(".reception", reception_id=reception.id))
    return render_template("visits/reception_form.html", form=form, reception=reception, general=general)


@bp.get("/receptions/<int:reception_id>")
@require(P.read_projects)
def reception(reception_id: int):
    item = service.get_reception(reception_id)
    return render_template("visits/reception.html", reception=item, leads=service.leads_of(reception=item))


@bp.post("/receptions/<int:reception_id>/delete")
@require(P.manage_projects)
def delete_reception(reception_id: int):
    item = service.get_reception(reception_id)
    try:
        with atomic():
            service.delete_reception(item, actor=current_actor())
    except Conflict as exc:
        flash(exc.detail, "danger")
        return redirect(url_for(".reception", reception_id=reception_id))
    flash(_("The reception was deleted."), "success")
    return redirect(url_for(".receptions"))


# --- trips -------------------------------------------------------------------------------------

@bp.get("/trips/")
@require(P.read_projects)
def trips():
    filters = _filters()
    context = _list_context(filters)
    rows, total = service.list_trips(filters, context["page"], PER_PAGE)
    return render_template("visits/trips.html", trips=rows, total=total, pages=max(1, -(-total // PER_PAGE)),
                           **context)


def _trip_form(trip: Trip | None) -> TripForm:
    form = TripForm(obj=trip)
    if request.method == "GET":
        if trip is None:
            form.starts_on.data = form.ends_on.data = pipeline.today()
        for _i in range(BLANK_VISITS):
            form.visits.append_entry()
    choices = [SelectChoice("", _("— choose —"))] + _organisation_choices()
    for entry in form.visits.entries:
        entry.form.organisation_id.choices = choices
    form.team_id.choices = _team_choices(_("— choose —"))
    return form


@bp.route("/trips/new", methods=["GET", "POST"])
@require(P.manage_projects)
def new_trip():
    form = _trip_form(None)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            with atomic():
                trip = service.create_trip(form.data_for_service(), actor=current_actor())
        except Invalid as exc:
            general = _put_errors(form, exc.errors)
        else:
            flash(_("The trip was recorded."), "success")
            return redirect(url_for(".trip", trip_id=trip.id))
    return render_template("visits/trip_form.html", form=form, trip=None, general=general,
                           destinations=DESTINATIONS)


@bp.route("/trips/<int:trip_id>/edit", methods=["GET", "POST"])
@require(P.manage_projects)
def edit_trip(trip_id: int):
    trip = service.get_trip(trip_id)
    form = _trip_form(trip)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            with atomic():
                service.update_trip(trip, form.data_for_service(), actor=current_actor())
        except Invalid as exc:
            general = _put_errors(form, exc.errors)
        else:
            flash(_("The trip was saved."), "success")
            return redirect(url_for(".trip", trip_id=trip.id))
    return render_template("visits/trip_form.html", form=form, trip=trip, general=general,
                           destinations=DESTINATIONS)


@bp.get("/trips/<int:trip_id>")
@require(P.read_projects)
def trip(trip_id: int):
    item = service.get_trip(trip_id)
    return render_template("visits/trip.html", trip=item, leads=service.leads_of(trip=item))


@bp.post("/trips/<int:trip_id>/delete")
@require(P.manage_projects)
def delete_trip(trip_id: int):
    item = service.get_trip(trip_id)
    try:
        with atomic():
            service.delete_trip(item, actor=current_actor())
    except Conflict as exc:
        flash(exc.detail, "danger")
        return redirect(url_for(".trip", trip_id=trip_id))
    flash(_("The trip was deleted."), "success")
    return redirect(url_for(".trips"))


# --- leads -------------------------------------------------------------------------------------

def _lead_form(met: list[Organisation]) -> VisitLeadForm:
    form = VisitLeadForm()
    others = [c for c in _organisation_choices() if c.value not in {o.id for o in met}]
    form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in met] + others
    form.industry.choices = [SelectChoice("", _("— choose —"))] + [SelectChoice(n) for n in industry_names()]
    if request.method == "GET" and met:
        form.organisation_id.data = met[0].id
        industry = met[0].industry
        form.industry.data = industry if industry in industry_names() else ""
        origin = pipeline.default_origin(met[0])
        form.origin.data = origin.value if origin is not None else ""
    return form


def _capture(form: VisitLeadForm, capture):
    if form.validate_on_submit():
        try:
            with atomic():
                project = capture(form.data_for_service())
        except Invalid as exc:
            general = _put_errors(form, exc.errors)
            for message in general:
                flash(message, "danger")
        else:
            flash(_("The lead was added to the pipeline."), "success")
            return redirect(url_for("pipeline.project", project_id=project.id))
    return None


@bp.route("/trips/<int:trip_id>/leads/new", methods=["GET", "POST"])
@require(P.manage_projects)
def trip_lead(trip_id: int):
    item = service.get_trip(trip_id)
    met = list({v.organisation_id: v.organisation for v in item.visits}.values())
    form = _lead_form(met)
    done = _capture(form, lambda data: service.capture_trip_lead(item, data, actor=current_actor()))
    return done or render_template("visits/lead_form.html", form=form, trip=item, reception=None)


@bp.route("/receptions/<int:reception_id>/leads/new", methods=["GET", "POST"])
@require(P.manage_projects)
def reception_lead(reception_id: int):
    item = service.get_reception(reception_id)
    form = _lead_form(list(item.organisations))
    done = _capture(form, lambda data: service.capture_reception_lead(item, data, actor=current_actor()))
    return done or render_template("visits/lead_form.html", form=form, trip=None, reception=item)
