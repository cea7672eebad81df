"""Console: erasing a person's data on request (PIPL), from an attendee or an organisation's contact, with a
confirmation step. The same service and permission as POST /api/v1/attendees|contacts/{id}/erase."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms.events import ConfirmForm
from ..models import Attendee
from ..permissions import P, current_actor, require
from ..services import privacy as service
from ..services.errors import NotFound

bp = Blueprint("privacy", __name__, url_prefix="/erasure")


def _attendee(attendee_id: int) -> Attendee:
    attendee = db.session.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound(_("No such attendee."))
    return attendee


def _back_to_registration(attendee: Attendee) -> str:
    reg = attendee.registration
    return url_for("registrations.detail", event_id=reg.event_id, registration_id=reg.id)


@bp.route("/attendees/<int:attendee_id>", methods=["GET", "POST"])
@require(P.erase_personal_data)
def erase_attendee(attendee_id: int):
    """GET: what will be erased, and the button; POST: erase, back to the registration."""
    attendee = _attendee(attendee_id)
    back = _back_to_registration(attendee)
    form = ConfirmForm()
    if attendee.erased_at is None and form.validate_on_submit():
        service.erase_attendee(attendee, current_actor())
        flash(_("The attendee's personal data has been erased everywhere."), "success")
        return redirect(back)
    preview = None if attendee.erased_at else service.preview_erasure(attendee_id=attendee.id)
    return render_template("privacy/erase.html", form=form, preview=preview, back=back,
                           subject=_("Attendee"), erased=attendee.erased_at is not None)


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
@require(P.erase_personal_data)
def erase_contact(contact_id: int):
    """GET: what will be erased, and the button; POST: erase, back to the organisation."""
    contact = service.get_contact(contact_id)
    back = url_for("organisations.edit", org_id=contact.organisation_id)
    erased = service.is_erased(contact)
    form = ConfirmForm()
    if not erased and form.validate_on_submit():
        service.erase_contact(contact.id, current_actor())
        flash(_("The contact's personal data has been erased everywhere."), "success")
        return redirect(back)
    preview = None if erased else service.preview_erasure(contact_id=contact.id)
    return render_template("privacy/erase.html", form=form, preview=preview, back=back,
                           subject=_("Contact"), erased=erased)
