"""Invitations: one organisation contact invited to one event, with seats and a personal link.

Status moves pending → sent → opened → registered, or to declined. Sending writes one mail per
invitation to the outbox (services/mail.py) in the same transaction that marks it sent, so a mail
exists exactly when the change was committed; delivery happens after commit, in the background.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import urls
from ..extensions import db
from ..models import Event, EventStatus, Invitation, InvitationStatus, Organisation, OutboxMessage, User
from ..models.types import utcnow
from . import audit, calendar, mail, messages, values
from .errors import Conflict, Gone, Invalid, NotFound
from .locks import lock_event
from .organisations import clean_contact_name, find_or_create_contact, find_or_create_organisation

MAX_SEATS = 50
MAIL_KIND = messages.INVITATION

# Statuses an invitation mail may be (re)sent in; registered and declined invitees are left alone.
SENDABLE = (InvitationStatus.pending, InvitationStatus.sent, InvitationStatus.opened)


def clean_seats(value: int | None, field_name: str = "seats") -> int:
    seats = 1 if value is None else value
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_SEATS:
        raise Invalid({field_name: [_("Seats must be a whole number from 1 to %(max)s.", max=MAX_SEATS)]})
    return seats


def personal_url(invitation: Invitation) -> str:
    return urls.invitation(invitation.token)


def _check_event_open(event: Event) -> None:
    if event.status is EventStatus.cancelled:
        raise Gone(_("This event has been cancelled."))


def _organisation_from(organisation_id: int | None, organisation: dict | Organisation | None,
                       actor: User | None) -> Organisation:
    if isinstance(organisation, Organisation):
        return organisation
    if organisation_id is not None and organisation:
        raise Invalid({"organisation": [_("Give either an existing organisation or a new one, not both.")]})
    if organisation_id is not None:
        org = db.session.get(Organisation, organisation_id)
        if org is None:
            raise Invalid({"organisation_id": [_("There is no organisation with this id.")]})
        return org
    if not organisation:
        raise Invalid({"organisation": [_("Choose the organisation to invite.")]})
    fields = dict(organisation)
    try:
        org, _created = find_or_create_organisation(fields.pop("name", None), fields.pop("kind", None),
                                                     actor=actor, **fields)
    except Invalid as exc:
        raise Invalid({f"organisation.{k}": v for k, v in exc.errors.items()}) from None
    return org


def create_invitation(event: Event, *, organisation_id: int | None = None,
                      organisation: dict | Organisation | None = None, contact_name: str,
                      email: str | None = None, phone: str | None = None, seats: int | None = 1,
                      actor: User | None = None, lock: bool = True) -> Invitation:
    """Invite one contact of an organisation (matched by credit code, then exact name, or created).
    One invitation per contact per event: a second one is a Conflict with the existing id.

    lock: hold the event for the rest of the unit of work, so that two requests
    inviting the same new contact at once cannot both create it; callers that already hold the
    lock (the import) pass False."""
    if lock:
        event = lock_event(event.id)
    _check_event_open(event)
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    inputs: tuple[tuple[str, Callable[[Any], Any], object], ...] = (
        ("contact_name", clean_contact_name, contact_name), ("email", values.clean_email, email),
        ("phone", values.clean_phone, phone), ("seats", clean_seats, seats))
    for name, cleaner, raw in inputs:
        try:
            cleaned[name] = cleaner(raw)
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    org = _organisation_from(organisation_id, organisation, actor)
    contact = find_or_create_contact(org, cleaned["contact_name"], email=cleaned["email"],
                                     phone=cleaned["phone"])
    # A contact found by name and phone gains the email given now (and the other way round).
    if cleaned["email"] and not contact.email:
        contact.email = cleaned["email"]
    if cleaned["phone"] and not contact.phone:
        contact.phone = cleaned["phone"]
    existing = db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                          Invitation.contact_id == contact.id))
    if existing is not None:
        raise Conflict(_("%(name)s of %(org)s is already invited to this event.", name=contact.name,
                         org=org.name), existing_id=existing.id)
    invitation = Invitation(event_id=event.id, organisation=org, contact=contact, seats=cleaned["seats"],
                            token=secrets.token_urlsafe(24), status=InvitationStatus.pending)
    try:
        with db.session.begin_nested():
            db.session.add(invitation)
            db.session.flush()
    except IntegrityError:
        # Another request invited the same contact between our check and our insert.
        existing = db.session.scalar(select(Invitation).where(Invitation.event_id == event.id,
                                                              Invitation.contact_id == contact.id))
        raise Conflict(_("%(name)s of %(org)s is already invited to this event.", name=contact.name,
                         org=org.name), existing_id=existing.id if existing else None) from None
    audit.record(actor, "invitation.create", "invitation", invitation.id,
                 {"event_id": event.id, "organisation_id": org.id, "contact_id": contact.id,
                  "contact_name": contact.name, "email": contact.email, "phone": contact.phone,
                  "seats": invitation.seats})
    return invitation


def get_invitation(event: Event, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.event_id != event.id:
        raise NotFound()
    return invitation


def list_invitations(event: Event, status: InvitationStatus | str | None = None, *, page: int = 1,
                     per_page: int | None = None) -> tuple[list[Invitation], int]:
    """The event's invitations, oldest first, optionally of one status. Returns (page of items, total)."""
    stmt = select(Invitation).where(Invitation.event_id == event.id)
    if status:
        stmt = stmt.where(Invitation.status == InvitationStatus(status))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    stmt = stmt.order_by(Invitation.id)
    if per_page:
        stmt = stmt.offset((page - 1) * per_page).limit(per_page)
    return list(db.session.scalars(stmt)), total


def status_counts(event: Event) -> dict[InvitationStatus, int]:
    rows = db.session.execute(select(Invitation.status, func.count()).where(Invitation.event_id == event.id)
                              .group_by(Invitation.status)).all()
    counts = {status: 0 for status in InvitationStatus}
    counts.update({status: n for status, n in rows})
    return counts


def deliveries(invitation_ids: list[int]) -> dict[int, OutboxMessage]:
    """The latest invitation mail of each invitation: its delivery state for the console and API."""
    if not invitation_ids:
        return {}
    latest = (select(func.max(OutboxMessage.id))
              .where(OutboxMessage.invitation_id.in_(invitation_ids), OutboxMessage.kind == MAIL_KIND)
              .group_by(OutboxMessage.invitation_id))
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(latest)))
    # Every message has an invitation_id (the query's filter); the check only tells the type checker.
    return {m.invitation_id: m for m in messages if m.invitation_id is not None}


@dataclass
class SendResult:
    sent: list[Invitation] = field(default_factory=list)
    # (invitation id, reason) for each invitation that was asked for but not sent
    skipped: list[tuple[int, str]] = field(default_factory=list)


def send_invitations(event: Event, ids: list[int] | None = None, *, actor: User | None = None) -> SendResult:
    """Queue the invitation mail (personal link, the event as .ics) for the given invitations of the
    event, or for all pending ones when `ids` is None, and mark them sent. Re-sending a sent or opened
    invitation is allowed and keeps its status; registered and declined ones are skipped, and so are
    invitations without an email address."""
    # Two organisers pressing "send" at once must not send everything twice.
    event = lock_event(event.id)
    _check_event_open(event)
    stmt = select(Invitation).where(Invitation.event_id == event.id)
    if ids is None:
        stmt = stmt.where(Invitation.status == InvitationStatus.pending)
    else:
        wanted = list(dict.fromkeys(ids))
        stmt = stmt.where(Invitation.id.in_(wanted))
    if db.engine.dialect.name != "sqlite":
        stmt = stmt.with_for_update(of=Invitation)
    invitations = list(db.session.scalars(stmt.order_by(Invitation.id)
                                          .execution_options(populate_existing=True)))
    result = SendResult()
    if ids is not None:
        found = {inv.id for inv in invitations}
        unknown = [i for i in wanted if i not in found]
        if unknown:
            raise Invalid({"ids": [_("These invitations do not belong to this event: %(ids)s",
                                     ids=", ".join(map(str, unknown)))]})
    attachment = calendar.attachment(event)
    now = utcnow()
    for invitation in invitations:
        if invitation.status not in SENDABLE:
            result.skipped.append((invitation.id, _("Already answered (%(status)s).",
                                                    status=str(status_label(invitation.status)))))
            continue
        if not invitation.contact.email:
            result.skipped.append((invitation.id, _("No email address for %(name)s.",
                                                    name=invitation.contact.name)))
            continue
        message = messages.invitation(invitation)
        mail.queue(invitation.contact.email, message.subject, message.text, kind=message.kind,
                   body_html=message.html, attachments=[attachment], invitation_id=invitation.id)
        first = invitation.status is InvitationStatus.pending
        if first:
            invitation.status = InvitationStatus.sent
        invitation.sent_at = now
        audit.record(actor, "invitation.send" if first else "invitation.resend", "invitation", invitation.id,
                     {"to": invitation.contact.email, "status": invitation.status})
        result.sent.append(invitation)
    return result


def status_label(status: InvitationStatus):
    from ..labels import INVITATION_STATUS

    return INVITATION_STATUS[status]
