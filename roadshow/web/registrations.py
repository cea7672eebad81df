"""Console: an event's registrations, approval and rejection (organisers and admins only: phone numbers)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import labels
from ..extensions import db
from ..forms.registration import ConfirmForm, RejectForm
from ..models import CheckIn, CheckInStatus, OrgKind, RegistrationStatus, User
from ..permissions import P, current_actor, require
from ..services import questions
from ..services import registration as service
from ..services.errors import DomainError
from ..services.events import get_event
from ..uow import atomic
from . import page_number

bp = Blueprint("registrations", __name__, url_prefix="/events/<int:event_id>/registrations")

PER_PAGE = 50


@bp.context_processor
def _labels():
    return {"registration_status_label": lambda s: labels.REGISTRATION_STATUS[s],
            "statuses": list(RegistrationStatus), "kinds": list(OrgKind), "answer_text": questions.display}


def _enum(enum_type, value):
    """A filter from the query string; an unknown value shows the unfiltered list."""
    try:
        return enum_type(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@require(P.read_personal_data)
def index(event_id: int):
    """Registrations of one event, filtered by status and organisation kind, with counts."""
    event = get_event(event_id)
    status = _enum(RegistrationStatus, request.args.get("status"))
    kind = _enum(OrgKind, request.args.get("kind"))
    page = page_number()
    rows, total = service.list_registrations(event, status=status, kind=kind, page=page, per_page=PER_PAGE)
    counts = service.status_counts(event)
    return render_template("registrations/index.html", event=event, rows=rows, counts=counts, status=status,
                           asked=questions.list_questions(event), answers=questions.answers_of(r.id for r in rows),
                           kind=kind, page=page, total=total, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
                           seats_left=service.seats_left(event))


@bp.get("/<int:registration_id>")
@require(P.read_personal_data)
def detail(event_id: int, registration_id: int):
    event = get_event(event_id)
    reg = service.get_registration(registration_id, event)
    checked_in = set(db.session.scalars(select(CheckIn.attendee_id).where(
        CheckIn.attendee_id.in_([a.id for a in reg.attendees]), CheckIn.status == CheckInStatus.active)))
    decided_by = db.session.get(User, reg.decided_by_id) if reg.decided_by_id else None
    return render_template("registrations/detail.html", event=event, reg=reg, checked_in=checked_in,
                           approve_form=ConfirmForm(prefix="approve"), reject_form=RejectForm(prefix="reject"),
                           decided_by=decided_by, asked=questions.list_questions(event),
                           answers=questions.answers_of([reg.id])[reg.id])


@bp.post("/<int:registration_id>/approve")
@require(P.manage_events)
def approve(event_id: int, registration_id: int):
    event = get_event(event_id)
    reg = service.get_registration(registration_id, event)
    if ConfirmForm(prefix="approve").validate_on_submit():
        try:
            with atomic():
                reg = service.approve(reg, current_actor())
        except DomainError as exc:
            flash(exc.detail, "danger")
        else:
            flash(_("Approved: %(status)s.", status=labels.REGISTRATION_STATUS[reg.status]), "success")
    return redirect(url_for("registrations.detail", event_id=event.id, registration_id=registration_id))


@bp.post("/<int:registration_id>/reject")
@require(P.manage_events)
def reject(event_id: int, registration_id: int):
    event = get_event(event_id)
    reg = service.get_registration(registration_id, event)
    form = RejectForm(prefix="reject")
    if form.validate_on_submit():
        try:
            with atomic():
                service.reject(reg, form.reason.data, current_actor())
        except DomainError as exc:
            flash(exc.detail, "danger")
        else:
            flash(_("The registration has been declined and the registrant told by email."), "success")
    return redirect(url_for("registrations.detail", event_id=event.id, registration_id=registration_id))

