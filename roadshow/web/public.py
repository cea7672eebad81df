"""Public pages: invitation registration /r/<token>, event page /e/<id>, manage page /m/<token>, privacy."""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import labels
from ..extensions import db, limiter
from ..forms.registration import (
    AttendeesForm,
    ConfirmForm,
    ManageAttendeesForm,
    RegistrationForm,
    apply_errors,
    asking,
)
from ..models import Event, EventStatus, InvitationStatus, Registration, RegistrationMode, RegistrationStatus
from ..ratelimits import attendees_in_request, token_guess_limit
from ..services import calendar, questions
from ..services import registration as service
from ..services.errors import Conflict, DomainError, Gone, Invalid, NotFound
from ..uow import atomic, reads_then_writes

bp = Blueprint("public", __name__)


@bp.context_processor
def _labels():
    return {"registration_status_label": lambda s: labels.REGISTRATION_STATUS[s],
            "RegistrationStatus": RegistrationStatus}


def _form_for(event: Event) -> RegistrationForm:
    """The registration form, asking the event's questions."""
    return asking(RegistrationForm, questions.list_questions(event))()


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


def _prefill(form: RegistrationForm, invitation) -> None:
    form.organisation.data = invitation.organisation.name
    form.kind.data = invitation.organisation.kind.value
    contact = invitation.contact
    first = form.attendees.entries[0].form
    first.name.data, first.phone.data = contact.name, contact.phone
    first.email.data, first.title.data = contact.email, contact.title


def _submit(form: RegistrationForm, **target):
    """Register from a posted form; on success the manage page, else the messages beside the fields.
    The form carries a one-time token: sent twice (a double click, a resend after a timeout), it
    opens the registration the first sending made."""
    if not form.submission_token.data:
        form.submission_token.data = secrets.token_urlsafe(24)
    if not form.validate_on_submit():
        return None, []
    try:
        with atomic():
            reg = service.register(organisation=form.organisation_data(), attendees=form.attendee_rows(),
                                   consent=bool(form.consent.data), client_ip=request.remote_addr,
                                   answers=form.answers_data(),
                                   idempotency_key=request.form.get("submission_token"), same_content=False,
                                   **target)
    except Invalid as exc:
        return None, apply_errors(form, exc.errors)
    except Conflict as exc:
        return None, [exc.detail]
    flash(_("Thank you, your registration has been received."), "success")
    return redirect(url_for("public.manage", token=reg.manage_token)), []


@bp.route("/r/<token>", methods=["GET", "POST"])
@reads_then_writes  # opening the link writes only the first time; registering writes from its lock on
@token_guess_limit
@limiter.limit(_public_limit, methods=["POST"], cost=attendees_in_request)
def invitation(token: str):
    """The invitee's personal registration page (opening it marks the invitation opened)."""
    invite = service.open_invitation(token)
    event = invite.event
    existing = service.active_registration(invite)
    if existing is not None:
        return redirect(url_for("public.manage", token=existing.manage_token))
    form = _form_for(event)
    general: list[str] = []
    window = questions.window_message(event) if event.status is EventStatus.published else None
    if event.status is EventStatus.published and window is None:
        response, general = _submit(form, invitation_token=token)
        if response is not None:
            return response
        if request.method == "GET":
            _prefill(form, invite)
    page = render_template("public/invitation.html", invitation=invite, event=event, form=form,
                           general_errors=general, max_attendees=invite.seats,
                           decline_form=ConfirmForm(prefix="decline"),
                           declined=invite.status is InvitationStatus.declined,
                           seats_left=service.seats_left(event), window_notice=window)
    # Outside the window the page says so; a form sent there anyway is refused as the API refuses it.
    return (page, 410) if window is not None and request.method == "POST" else page


@bp.post("/r/<token>/decline")
@token_guess_limit
@limiter.limit(_public_limit)
def decline(token: str):
    form = ConfirmForm(prefix="decline")
    if not form.validate_on_submit():
        abort(400)
    invite = service.decline_invitation(token)
    return render_template("public/declined.html", invitation=invite, event=invite.event)


@bp.route("/e/<int:event_id>", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"], cost=attendees_in_request)
def event(event_id: int):
    """The public page of a published event; open events carry the registration form."""
    ev = db.session.get(Event, event_id)
    if ev is None or not calendar.is_visible(ev):
        raise NotFound(_("This event does not exist."))
    form = _form_for(ev)
    general: list[str] = []
    is_open = ev.registration_mode is RegistrationMode.open and ev.status is EventStatus.published
    window = questions.window_message(ev) if is_open else None
    if is_open and window is None:
        response, general = _submit(form, event_id=ev.id)
        if response is not None:
            return response
    elif request.method == "POST" and not is_open:
        raise Gone(_("Registration for this event is not open."))
    page = render_template("public/event.html", event=ev, form=form, general_errors=general, is_open=is_open,
                           max_attendees=ev.max_attendees_per_registration, seats_left=service.seats_left(ev),
                           window_notice=window)
    # Outside the window the page says so; a form sent there anyway is refused as the API refuses it.
    return (page, 410) if window is not None and request.method == "POST" else page


def _manage_context(reg: Registration, form: AttendeesForm | None = None, general=None):
    if form is None:
        form = ManageAttendeesForm()
        while len(form.attendees.entries) < len(reg.attendees):
            form.attendees.append_entry()
        for entry, attendee in zip(form.attendees.entries, reg.attendees):
            sub = entry.form
            sub.id.data, sub.name.data, sub.phone.data = str(attendee.id), attendee.name, attendee.phone
            sub.email.data, sub.title.data = attendee.email, attendee.title
    editable = reg.status in (RegistrationStatus.pending, RegistrationStatus.confirmed,
                              RegistrationStatus.waitlisted) and reg.event.status is EventStatus.published
    return dict(reg=reg, event=reg.event, form=form, general_errors=general or [], editable=editable,
                max_attendees=service.max_attendees(reg.event, reg.invitation),
                checked_in=service.checked_in_ids(reg), cancel_form=ConfirmForm(prefix="cancel"))


@bp.get("/m/<token>")
@token_guess_limit
def manage(token: str):
    """The registrant's page: status, tickets, attendees, cancel."""
    reg = service.by_manage_token(token)
    return render_template("public/manage.html", **_manage_context(reg))


@bp.post("/m/<token>/attendees")
@token_guess_limit
@limiter.limit(_public_limit, cost=attendees_in_request)
def update_attendees(token: str):
    reg = service.by_manage_token(token)
    form = ManageAttendeesForm()
    if form.validate_on_submit():
        try:
            with atomic():
                service.update_attendees(reg, form.attendee_rows(), consent=bool(form.consent.data))
        except Invalid as exc:
            reg = service.by_manage_token(token)
            return render_template("public/manage.html",
                                   **_manage_context(reg, form, apply_errors(form, exc.errors))), 422
        except DomainError as exc:
            flash(exc.detail, "danger")
            return redirect(url_for("public.manage", token=token))
        flash(_("The attendees have been saved."), "success")
    elif form.errors and "csrf_token" not in form.errors:
        # A field the form's validators refuse (services/values.py): shown beside it, like the service's.
        return render_template("public/manage.html", **_manage_context(reg, form)), 422
    return redirect(url_for("public.manage", token=token))


@bp.route("/m/<token>/cancel", methods=["GET", "POST"])
@token_guess_limit
@limiter.limit(_public_limit, methods=["POST"])
def cancel(token: str):
    """Asks once more, then cancels (works without JavaScript)."""
    reg = service.by_manage_token(token)
    form = ConfirmForm(prefix="cancel")
    if form.validate_on_submit():
        service.cancel_registration(reg)
        flash(_("Your registration has been cancelled."), "info")
        return redirect(url_for("public.manage", token=token))
    return render_template("public/cancel.html", reg=reg, event=reg.event, form=form)


@bp.get("/privacy")
def privacy():
    """The personal-information notice (PIPL) registrants consent to."""
    return render_template("public/privacy.html", version=current_app.config["PRIVACY_POLICY_VERSION"])
