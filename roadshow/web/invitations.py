"""Console: an event's invitations, import with preview, sending."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..forms.invitations import InvitationForm, SendForm
from ..labels import INVITATION_STATUS, MAIL_STATUS
from ..models import Event, EventStatus, InvitationStatus, Organisation
from ..permissions import P, require
from ..services import imports
from ..services import invitations as service
from ..services.errors import Conflict, Gone, Invalid
from ..services.events import get_event
from ..uow import atomic
from . import page_number, uploads

bp = Blueprint("invitations", __name__, url_prefix="/events/<int:event_id>/invitations")

PER_PAGE = 100

# Service error keys → the form field that shows them.
FIELD_FOR = {"organisation": "organisation", "organisation.name": "organisation", "organisation_id": "organisation",
             "organisation.kind": "kind", "organisation.credit_code": "credit_code", "contact_name": "contact_name",
             "email": "email", "phone": "phone", "seats": "seats"}


def _page_context(event: Event) -> dict:
    return {"event": event, "invitation_status_label": lambda s: INVITATION_STATUS[s],
            "mail_status_label": lambda s: MAIL_STATUS[s],
            "event_page": url_for("events.detail", event_id=event.id)
            if "events.detail" in current_app.view_functions else None}


@bp.route("", methods=["GET", "POST"])
@require(P.manage_events)
def index(event_id: int):
    """The event's invitations with their status and mail delivery, a form to invite one contact,
    and sending (selected, or all not yet sent)."""
    event = get_event(event_id)
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            with atomic():
                service.create_invitation(
                    event, organisation={"name": form.organisation.data, "kind": form.kind.data,
                                         "credit_code": form.credit_code.data or None},
                    contact_name=form.contact_name.data, email=form.email.data, phone=form.phone.data,
                    seats=form.seats.data, actor=current_user)
        except Invalid as exc:
            for key, messages in exc.errors.items():
                getattr(form, FIELD_FOR.get(key, "organisation")).errors.extend(messages)
        except Conflict as exc:
            form.contact_name.errors.append(exc.detail)
        else:
            flash(_("%(name)s is invited.", name=form.contact_name.data.strip()), "success")
            return redirect(url_for(".index", event_id=event.id))
    status = request.args.get("status") or None
    if status not in {s.value for s in InvitationStatus}:
        status = None
    page = page_number()
    items, total = service.list_invitations(event, status, page=page, per_page=PER_PAGE)
    organisations = db.session.scalars(select(Organisation.name).order_by(Organisation.name).limit(2000)).all()
    return render_template(
        "invitations/index.html", form=form, send_form=SendForm(), items=items, total=total, page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), status=status, counts=service.status_counts(event),
        deliveries=service.deliveries([i.id for i in items]), organisations=organisations,
        personal_url=service.personal_url, statuses=list(InvitationStatus),
        open_form=request.method == "POST", **_page_context(event))


@bp.post("/send")
@require(P.manage_events)
def send(event_id: int):
    """Send the selected invitations, or all that were not sent yet."""
    event = get_event(event_id)
    if not SendForm().validate_on_submit():
        abort(400)
    if request.form.get("scope") == "pending":
        ids = None
    else:
        ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
        if not ids:
            flash(_("Select the invitations to send first."), "warning")
            return redirect(url_for(".index", event_id=event.id))
    try:
        with atomic():
            result = service.send_invitations(event, ids, actor=current_user)
    except Invalid as exc:
        flash(" ".join(m for messages in exc.errors.values() for m in messages), "danger")
        return redirect(url_for(".index", event_id=event.id))
    if result.sent:
        flash(_("%(n)s invitation mails are on their way.", n=len(result.sent)), "success")
    elif not result.skipped:
        flash(_("There was nothing to send."), "info")
    for _id, reason in result.skipped:
        flash(_("Not sent: %(reason)s", reason=reason), "warning")
    return redirect(url_for(".index", event_id=event.id))


# --------------------------------------------------------------------------------------- import

@bp.get("/template.xlsx")
@require(P.manage_events)
def template(event_id: int):
    """An empty spreadsheet with the header row, in Chinese, ready to fill in Excel or WPS."""
    import io

    from flask import send_file
    from openpyxl import Workbook

    get_event(event_id)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "邀请名单"
    sheet.append(list(imports.HEADER_ZH))
    for column, width in zip("ABCDEFG", (32, 10, 24, 12, 28, 16, 8)):
        sheet.column_dimensions[column].width = width
    for cell in sheet["C"] + sheet["F"]:
        cell.number_format = "@"  # text: Excel must not turn codes and phone numbers into numbers
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name="邀请名单模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/import", methods=["GET", "POST"])
@require(P.manage_events)
def import_file(event_id: int):
    """Upload a spreadsheet → preview with each row's errors → confirm to import the good rows."""
    event = get_event(event_id)
    if event.status is EventStatus.cancelled:
        raise Gone(_("This event has been cancelled."))
    return uploads.import_page(
        "invitations", "invitations/import.html",
        preview=lambda file: imports.preview(event, file, actor=current_user),
        run=lambda file: imports.import_invitations(event, file, actor=current_user),
        imported=lambda result: _("%(n)s invitations imported.", n=result["created"]),
        cancel_url=url_for(".index", event_id=event.id), done_url=url_for(".index", event_id=event.id),
        **_page_context(event))
