"""Console: events, their page with live counts, publish and cancel."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.events import TIME_ZONES, ConfirmForm, EventForm
from ..labels import ORG_KIND
from ..models import EventStatus
from ..permissions import P, can, current_actor, require
from ..services import broadcasts, calendar
from ..services import events as event_service
from ..services.errors import Conflict, Invalid
from ..services.organisations import industry_names
from ..uow import atomic
from . import page_number

bp = Blueprint("events", __name__, url_prefix="/events")

PER_PAGE = 50


@bp.get("/")
@require(P.read_events)
def index():
    status = request.args.get("status") or None
    if status not in {s.value for s in EventStatus}:
        status = None
    page = event_service.list_events(status=status, page=page_number(), per_page=PER_PAGE)
    upcoming = [e for e in page.items if event_service.is_upcoming(e)]
    past = [e for e in page.items if not event_service.is_upcoming(e)]
    pages = max((page.total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template("events/index.html", upcoming=upcoming, past=past, page=page, pages=pages,
                           status=status, statuses=list(EventStatus))


def _put_errors_on(form: EventForm, exc: Invalid) -> None:
    for field, messages in exc.errors.items():
        target = getattr(form, field, None)
        if target is None or not hasattr(target, "errors"):
            flash(" ".join(messages), "error")
            continue
        target.errors = list(target.errors) + list(messages)


@bp.route("/new", methods=["GET", "POST"])
@require(P.manage_events)
def new():
    form = EventForm(industries=industry_names())
    if form.validate_on_submit():
        fields = form.event_fields()
        fields["status"] = EventStatus.published if form.publish.data else EventStatus.draft
        try:
            with atomic():
                event = event_service.create_event(current_actor(), **fields)
        except Invalid as exc:
            _put_errors_on(form, exc)
        else:
            flash(_("The event has been published.") if event.status is EventStatus.published
                  else _("The event has been saved as a draft."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@require(P.manage_events)
def edit(event_id: int):
    event = event_service.get_event(event_id)
    if event.status is EventStatus.cancelled:
        flash(_("This event has been cancelled and can no longer be changed."), "warning")
        return redirect(url_for("events.detail", event_id=event.id))
    industries = industry_names()
    form = EventForm(industries=industries) if request.method == "POST" else EventForm.for_event(event, industries)
    if form.validate_on_submit():
        fields = form.event_fields()
        if form.publish.data and event.status is EventStatus.draft:
            fields["status"] = EventStatus.published
        try:
            with atomic():
                event = event_service.update_event(event, current_actor(), **fields)
        except Invalid as exc:
            _put_errors_on(form, exc)
        except Conflict as exc:
            flash(exc.detail, "error")
            return redirect(url_for("events.detail", event_id=event_id))
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    return render_template("events/form.html", form=form, event=event)


@bp.get("/<int:event_id>")
@require(P.read_events)
def detail(event_id: int):
    event = event_service.get_event(event_id)
    stats = event_service.event_stats(event)
    # The event's other pages, each shown only to the roles that may open it.
    tabs = [(_("Invitations"), "invitations.index", "invitations", P.manage_events),
            (_("Registrations"), "registrations.index", "registrations", P.read_personal_data),
            (_("Questions"), "questions.index", "questions", P.manage_events),
            (_("Check-ins"), "checkin.live", "checkins", P.check_in),
            (_("Leads"), "pipeline.event_leads", "leads", P.manage_projects),
            (_("Agenda"), "programme.agenda", "agenda", P.read_events),
            (_("Interests"), "programme.interests", "interests", P.read_events)]
    tabs = [(label, url_for(endpoint, event_id=event.id), name) for label, endpoint, name, permission in tabs
            if can(current_user, permission)]
    return render_template(
        "events/detail.html", event=event, stats=stats, tabs=tabs,
        kinds=list(ORG_KIND.items()), public_url=calendar.public_url(event),
        zone_label=dict(TIME_ZONES).get(event.timezone, event.timezone),
        ics_url=url_for("calendar.event_ics", event_id=event.id)
        if event.status is not EventStatus.draft else None,
        confirm=ConfirmForm(),
        broadcasts=broadcasts.list_broadcasts(event) if can(current_user, P.manage_events) else None,
        audience_label=broadcasts.audience_label)


@bp.get("/<int:event_id>/stats.json")
@require(P.read_stats)
def stats(event_id: int):
    """The API's stats for the event page's live counts, on the session (the API wants bearer tokens)."""
    response = jsonify(event_service.event_stats(event_service.get_event(event_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:event_id>/publish")
@require(P.manage_events)
def publish(event_id: int):
    event = event_service.get_event(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            with atomic():
                event_service.publish_event(event, current_actor())
        except Conflict as exc:
            flash(exc.detail, "error")
        else:
            flash(_("The event has been published."), "success")
    return redirect(url_for("events.detail", event_id=event_id))


@bp.route("/<int:event_id>/cancel", methods=["GET", "POST"])
@require(P.manage_events)
def cancel(event_id: int):
    """GET asks for confirmation (who will be told); POST cancels."""
    event = event_service.get_event(event_id)
    if event.status is EventStatus.cancelled:
        flash(_("This event has already been cancelled."), "info")
        return redirect(url_for("events.detail", event_id=event_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        event = event_service.cancel_event(event, current_actor())
        flash(_("The event has been cancelled; everyone who registered is being told by email."), "success")
        return redirect(url_for("events.detail", event_id=event_id))
    recipients = len(event_service.cancellation_recipients(event))
    return render_template("events/cancel.html", event=event, form=form, recipients=recipients)
