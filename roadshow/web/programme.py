"""The programme's pages: the agenda in the console (desktop) and on the public pages (phone first),
the guests' interest on the manage page, and the organisers' interest matrix with meetings and leads."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from ..extensions import limiter
from ..forms.events import TIME_ZONES
from ..forms.programme import InterestForm, MeetingForm, SessionForm, put_errors
from ..forms.registration import ConfirmForm
from ..models import AgendaSession, Event, EventStatus, Registration, RegistrationStatus
from ..permissions import P, can, current_actor, require
from ..ratelimits import token_guess_limit
from ..services import calendar, programme
from ..services import registration as registration_service
from ..services.errors import DomainError, Invalid
from ..services.events import get_event
from ..uow import atomic

bp = Blueprint("programme", __name__)


@bp.app_context_processor
def _programme_helpers():
    """For the public pages that show the agenda (event, invitation, manage) without each view having
    to load it: `agenda(event)` the sessions, `guest_interests(reg)` the manage page's section."""
    return {"programme_agenda": programme.sessions, "programme_for_guest": _guest_context}


def _guest_context(reg: Registration) -> dict:
    projects = programme.pitched_projects(reg.event)
    guests = [a for a in reg.attendees if a.erased_at is None]
    marked = {(i.attendee_id, i.project_id): i for i in programme.interests_of(reg)}
    return {"projects": projects, "guests": guests, "marked": marked,
            "open": reg.status is RegistrationStatus.confirmed and reg.event.status is EventStatus.published
            and bool(projects)}


# --- console: the agenda --------------------------------------------------------------------------

def _session_form(event: Event, item: AgendaSession | None = None) -> SessionForm:
    zone = calendar.zone_of(event)
    if item is not None and request.method == "GET":
        form = SessionForm(starts_at=item.starts_at.astimezone(zone).replace(tzinfo=None),
                           ends_at=item.ends_at.astimezone(zone).replace(tzinfo=None), title=item.title,
                           speaker=item.speaker, organisation_id=item.organisation_id, project_id=item.project_id)
    else:
        form = SessionForm()
        if request.method == "GET":
            form.starts_at.data = event.starts_at.astimezone(zone).replace(tzinfo=None)
            form.ends_at.data = event.starts_at.astimezone(zone).replace(tzinfo=None)
    none = SelectChoice("", _("— none —"))
    form.organisation_id.choices = [none] + [SelectChoice(str(i), n) for i, n in programme.organisation_choices()]
    form.project_id.choices = [none] + [SelectChoice(str(i), n) for i, n in programme.project_choices()]
    return form


def _save_session(event: Event, form: SessionForm, item: AgendaSession | None) -> bool:
    if not form.validate_on_submit():
        return False
    try:
        with atomic():
            fields = form.session_fields(calendar.zone_of(event))
            if item is None:
                programme.create_session(event, current_actor(), **fields)
            else:
                programme.update_session(item, current_actor(), **fields)
    except Invalid as exc:
        for message in put_errors(form, exc.errors):
            flash(message, "danger")
        return False
    except DomainError as exc:
        flash(exc.detail, "danger")
        return False
    return True


@bp.route("/events/<int:event_id>/agenda", methods=["GET", "POST"])
@require(P.read_events)
def agenda(event_id: int):
    """The event's agenda; organisers add sessions beside it."""
    event = get_event(event_id)
    editable = can(current_actor(), P.manage_events) and event.status is not EventStatus.cancelled
    form = _session_form(event)
    if request.method == "POST":
        if not editable:
            abort(403)
        if _save_session(event, form, None):
            flash(_("The session has been added."), "success")
            return redirect(url_for("programme.agenda", event_id=event.id))
    status = 422 if form.errors else 200
    return render_template("programme/agenda.html", event=event, sessions=programme.sessions(event), form=form,
                           zone_label=dict(TIME_ZONES).get(event.timezone, event.timezone),
                           editable=editable, delete_form=ConfirmForm(prefix="delete")), status


@bp.route("/events/<int:event_id>/agenda/<int:session_id>/edit", methods=["GET", "POST"])
@require(P.manage_events)
def edit_session(event_id: int, session_id: int):
    item = programme.get_session(session_id)
    if item.event_id != event_id:
        abort(404)
    form = _session_form(item.event, item)
    if request.method == "POST" and _save_session(item.event, form, item):
        flash(_("The session has been saved."), "success")
        return redirect(url_for("programme.agenda", event_id=event_id))
    return render_template("programme/session_form.html", event=item.event, item=item, form=form), \
        422 if form.errors else 200


@bp.post("/events/<int:event_id>/agenda/<int:session_id>/delete")
@require(P.manage_events)
def delete_session(event_id: int, session_id: int):
    item = programme.get_session(session_id)
    if item.event_id != event_id or not ConfirmForm(prefix="delete").validate_on_submit():
        abort(400)
    programme.delete_session(item, current_actor())
    flash(_("The session has been removed."), "info")
    return redirect(url_for("programme.agenda", event_id=event_id))


# --- console: the interest matrix -----------------------------------------------------------------

@bp.get("/events/<int:event_id>/interests")
@require(P.read_events)
def interests(event_id: int):
    """Guests × pitched projects, then each interest with its meeting and lead."""
    event = get_event(event_id)
    zone = calendar.zone_of(event)
    forms = {}
    for interest in (m := programme.matrix(event)).interests:
        form = MeetingForm(prefix=f"m{interest.id}")
        form.meeting_at.data = (interest.meeting_at or event.ends_at).astimezone(zone).replace(tzinfo=None)
        form.meeting_place.data = interest.meeting_place or event.venue
        forms[interest.id] = form
    return render_template("programme/interests.html", event=event, matrix=m, forms=forms,
                           may_schedule=can(current_actor(), P.manage_events),
                           may_lead=can(current_actor(), P.manage_projects), confirm=ConfirmForm())


@bp.post("/events/<int:event_id>/interests/<int:interest_id>/meeting")
@require(P.manage_events)
def schedule_meeting(event_id: int, interest_id: int):
    interest = programme.get_interest(interest_id)
    if interest.event_id != event_id:
        abort(404)
    form = MeetingForm(prefix=f"m{interest.id}")
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "danger")
        return redirect(url_for("programme.interests", event_id=event_id, _anchor=f"interest-{interest_id}"))
    zone = calendar.zone_of(interest.event)
    try:
        with atomic():
            programme.schedule_meeting(interest, current_actor(),
                                       meeting_at=form.meeting_at.data.replace(tzinfo=zone),
                                       meeting_place=form.meeting_place.data)
    except Invalid as exc:
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "danger")
    else:
        flash(_("The meeting has been scheduled and the guest has been told by email."), "success")
    return redirect(url_for("programme.interests", event_id=event_id, _anchor=f"interest-{interest_id}"))


@bp.post("/events/<int:event_id>/interests/<int:interest_id>/lead")
@require(P.manage_projects)
def interest_lead(event_id: int, interest_id: int):
    interest = programme.get_interest(interest_id)
    if interest.event_id != event_id or not ConfirmForm().validate_on_submit():
        abort(400)
    lead, created = programme.lead_from_interest(interest, current_actor())
    flash(_("The lead has been created.") if created else _("This interest is already a lead."),
          "success" if created else "info")
    return redirect(url_for("programme.interests", event_id=event_id, _anchor=f"interest-{interest_id}"))


@bp.post("/events/<int:event_id>/interests/leads")
@require(P.manage_projects)
def event_leads(event_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    made, existing = programme.leads_from_event(get_event(event_id), current_actor())
    flash(_("%(made)d leads created; %(existing)d interests already were leads.", made=len(made),
            existing=existing), "success")
    return redirect(url_for("programme.interests", event_id=event_id))


# --- the manage page: a guest's interest ----------------------------------------------------------

def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


@bp.post("/m/<token>/interests")
@token_guess_limit
@limiter.limit(_public_limit)
def add_interest(token: str):
    reg = registration_service.by_manage_token(token)
    form = InterestForm()
    back = url_for("public.manage", token=token, _anchor="interests")
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "danger")
        return redirect(back)
    project_id = int(form.project_id.data) if (form.project_id.data or "").isdigit() else None
    try:
        with atomic():
            programme.add_interest(reg, attendee_id=form.attendee_id.data, project_id=project_id,
                                   meeting=bool(form.meeting.data), note=form.note.data)
    except DomainError as exc:
        messages = [m for ms in exc.errors.values() for m in ms] if isinstance(exc, Invalid) else [exc.detail]
        for message in messages:
            flash(message, "danger")
    else:
        flash(_("Thank you: the organisers will see your interest."), "success")
    return redirect(back)


@bp.post("/m/<token>/interests/<int:interest_id>/withdraw")
@token_guess_limit
@limiter.limit(_public_limit)
def withdraw_interest(token: str, interest_id: int):
    reg = registration_service.by_manage_token(token)
    if not ConfirmForm(prefix="withdraw").validate_on_submit():
        abort(400)
    programme.withdraw_interest(reg, interest_id)
    flash(_("Your interest has been withdrawn."), "info")
    return redirect(url_for("public.manage", token=token, _anchor="interests"))
