"""Messages by status (群发): an organiser writes to a part of an event's guests.

Audiences are people: each attendee (not erased) of the event's confirmed or waitlisted registrations,
of those checked in, of the confirmed ones not checked in (no-shows); or, for `invited_not_registered`, each
contact of a sent or opened invitation without an active registration. Every person gets one message with
their own link: the registration's manage page for an attendee, the invitation page for an invitee. Mail goes
to the person's own address, SMS to their mainland mobile number (`values.is_mainland_mobile`); a person
reachable on none of the chosen channels is not a recipient, and is not counted.

`send_broadcast` stores the broadcast (who, when, audience, subject, body, channels) and one recipient row a
person linked to the outbox rows of their mail and SMS, and queues those in the caller's unit of work; the
outboxes deliver after commit. The event page shows each broadcast's delivery state from those outbox rows.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select

from .. import urls
from ..extensions import db
from ..models import (
    ACTIVE_REGISTRATION,
    Attendee,
    Broadcast,
    BroadcastRecipient,
    CheckIn,
    CheckInStatus,
    Contact,
    Event,
    Invitation,
    InvitationStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    SmsMessage,
    User,
)
from . import audit, locks, mail, messages, sms, values
from .errors import Invalid

Audience = Literal["confirmed", "waitlisted", "checked_in", "no_show", "invited_not_registered"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)
Channel = Literal["email", "sms"]
CHANNEL_SETS: tuple[tuple[str, ...], ...] = (("email",), ("email", "sms"))

SUBJECT_MAX = 200
BODY_MAX = 5000
KIND = "broadcast"


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str | None
    phone: str | None  # a mainland mobile number, else None
    path: str  # the person's own link, a path on the site (/m/<token> or /r/<token>)
    attendee_id: int | None = None
    invitation_id: int | None = None
    registration_id: int | None = None


@dataclass
class Preview:
    recipients: int
    subject: str = ""
    text: str = ""
    html: str = ""
    sms: str | None = None
    sample_name: str | None = None


@dataclass
class DeliveryState:
    pending: int = 0
    sent: int = 0
    failed: int = 0


@dataclass
class SentBroadcast:
    broadcast: Broadcast
    sender: str | None
    mail: DeliveryState = field(default_factory=DeliveryState)
    sms: DeliveryState = field(default_factory=DeliveryState)


def audience_label(audience: str) -> str:
    return {"confirmed": _("Confirmed guests"), "waitlisted": _("Waiting list"),
            "checked_in": _("Checked-in guests"), "no_show": _("No-shows (confirmed, not checked in)"),
            "invited_not_registered": _("Invited, not registered")}.get(audience, audience)


def _checked_in(event_id: int):
    return exists().where(CheckIn.attendee_id == Attendee.id, CheckIn.event_id == event_id,
                          CheckIn.status == CheckInStatus.active)


def recipients(event: Event, audience: str, channels: Sequence[str]) -> list[Recipient]:
    """The people `audience` names who can be reached on one of `channels`, in a stable order."""
    people: list[Recipient] = []
    if audience == "invited_not_registered":
        active = exists().where(Registration.invitation_id == Invitation.id,
                                Registration.status.in_(ACTIVE_REGISTRATION))
        rows = db.session.execute(
            select(Invitation.id, Invitation.token, Contact.name, Contact.email, Contact.phone)
            .join(Contact, Invitation.contact_id == Contact.id)
            .where(Invitation.event_id == event.id,
                   Invitation.status.in_((InvitationStatus.sent, InvitationStatus.opened)), ~active)
            .order_by(Invitation.id)).all()
        people = [Recipient(name=name, email=email, phone=phone if values.is_mainland_mobile(phone) else None,
                            path=f"/r/{token}", invitation_id=invitation_id)
                  for invitation_id, token, name, email, phone in rows]
    else:
        query = (select(Attendee.id, Attendee.name, Attendee.email, Attendee.phone, Registration.id,
                        Registration.invitation_id, Registration.manage_token)
                 .join(Registration, Attendee.registration_id == Registration.id)
                 .where(Registration.event_id == event.id, Attendee.erased_at.is_(None)))
        if audience == "confirmed":
            query = query.where(Registration.status == RegistrationStatus.confirmed)
        elif audience == "waitlisted":
            query = query.where(Registration.status == RegistrationStatus.waitlisted)
        elif audience == "checked_in":
            query = query.where(_checked_in(event.id))
        elif audience == "no_show":
            query = query.where(Registration.status == RegistrationStatus.confirmed, ~_checked_in(event.id))
        else:
            raise Invalid({"to": [_("Choose who the message is for.")]})
        attendees = db.session.execute(query.order_by(Registration.id, Attendee.position, Attendee.id)).all()
        people = [Recipient(name=name, email=email, phone=phone if values.is_mainland_mobile(phone) else None,
                            path=f"/m/{manage_token}", attendee_id=attendee_id, invitation_id=invitation_id,
                            registration_id=registration_id)
                  for attendee_id, name, email, phone, registration_id, invitation_id, manage_token in attendees]
    use_mail, use_sms = "email" in channels, "sms" in channels
    return [p for p in people if (use_mail and p.email) or (use_sms and p.phone)]


def sms_text(subject: str, body: str, link: str) -> str:
    """The SMS of a broadcast: the subject, the text and the person's short link."""
    return f"{subject}：{' '.join(body.split())} {link}"


def clean_message(subject: object, body: object, to: object, channels: Sequence[str]) -> tuple[str, str, str,
                                                                                                tuple[str, ...]]:
    """Subject, body, audience and channels checked; Invalid with every field's messages otherwise."""
    errors: dict[str, list[str]] = {}
    clean_subject = clean_body = ""
    try:
        clean_subject = messages.one_line(values.require_text(
            subject, "subject", max_length=SUBJECT_MAX, missing=_("Write a subject.")))
    except Invalid as exc:
        errors.update(exc.errors)
    try:
        clean_body = values.require_text(body, "body", max_length=BODY_MAX, missing=_("Write the message."))
    except Invalid as exc:
        errors.update(exc.errors)
    if to not in AUDIENCES:
        errors["to"] = [_("Choose who the message is for.")]
    chosen = tuple(dict.fromkeys(channels))
    if chosen not in CHANNEL_SETS:
        errors["channels"] = [_("Send by email, or by email and SMS.")]
    if "sms" in chosen and clean_subject and clean_body and not sms.fits(
            sms_text(clean_subject, clean_body, sms.sample_link())):
        errors.setdefault("body", []).append(_(
            "Too long for an SMS: the subject, the text and the link must fit in %(n)d Chinese characters "
            "(%(segments)d messages).", n=sms.MAX_SEGMENTS * 67 - len(sms.sample_link()) - 2,
            segments=sms.MAX_SEGMENTS))
    if errors:
        raise Invalid(errors)
    return clean_subject, clean_body, str(to), chosen


def _compose(event: Event, person: Recipient, subject: str, body: str, link: str) -> messages.Message:
    return messages.broadcast(event, subject, body, name=person.name, link=link,
                              invited=person.invitation_id is not None and person.attendee_id is None)


def preview_broadcast(event: Event, *, subject: object, body: object, to: object,
                      channels: Sequence[str]) -> Preview:
    """The count, and the message as the first recipient will get it; writes nothing."""
    clean_subject, clean_body, audience, chosen = clean_message(subject, body, to, channels)
    people = recipients(event, audience, chosen)
    if not people:
        return Preview(recipients=0)
    first = people[0]
    message = _compose(event, first, clean_subject, clean_body, urls.absolute(first.path))
    text = sms_text(clean_subject, clean_body, sms.sample_link()) if "sms" in chosen and first.phone else None
    return Preview(recipients=len(people), subject=message.subject, text=message.text, html=message.html,
                   sms=text, sample_name=first.name)


def send_broadcast(event: Event, actor: User | None, *, subject: object, body: object, to: object,
                   channels: Sequence[str], dry_run: bool = False) -> int:
    """Queue the message to every recipient; returns how many people it goes to. `dry_run` only counts."""
    clean_subject, clean_body, audience, chosen = clean_message(subject, body, to, channels)
    if dry_run:
        return len(recipients(event, audience, chosen))
    event = locks.lock_event(event.id)  # one broadcast at a time per event: short links are made once
    people = recipients(event, audience, chosen)
    if not people:
        return 0
    record = Broadcast(event_id=event.id, user_id=actor.id if actor is not None else None, audience=audience,
                       subject=clean_subject, body=clean_body, channels=list(chosen), recipients=len(people))
    db.session.add(record)
    db.session.flush()
    for person in people:
        row = BroadcastRecipient(broadcast_id=record.id, attendee_id=person.attendee_id,
                                 invitation_id=person.invitation_id)
        if "email" in chosen and person.email:
            message = _compose(event, person, clean_subject, clean_body, urls.absolute(person.path))
            queued = mail.queue(person.email, message.subject, message.text, kind=message.kind,
                                body_html=message.html, invitation_id=person.invitation_id,
                                registration_id=person.registration_id)
            db.session.flush()
            row.mail_id = queued.id
        if "sms" in chosen and person.phone:
            sent = sms.queue(person.phone, sms_text(clean_subject, clean_body, sms.short_link(person.path)), kind=KIND)
            db.session.flush()
            row.sms_id = sent.id
        db.session.add(row)
    audit.record(actor, "broadcast.sent", "broadcast", record.id,
                 {"event_id": event.id, "audience": audience, "channels": list(chosen),
                  "recipients": len(people), "subject": clean_subject})
    return len(people)


def list_broadcasts(event: Event) -> list[SentBroadcast]:
    """The event's broadcasts, newest first, with the delivery state of their mail and SMS."""
    rows = db.session.execute(
        select(Broadcast, User.name, User.email).outerjoin(User, Broadcast.user_id == User.id)
        .where(Broadcast.event_id == event.id).order_by(Broadcast.created_at.desc(), Broadcast.id.desc())).all()
    out = {b.id: SentBroadcast(broadcast=b, sender=name or email) for b, name, email in rows}
    if not out:
        return []
    for model, column, attr in ((OutboxMessage, BroadcastRecipient.mail_id, "mail"),
                                (SmsMessage, BroadcastRecipient.sms_id, "sms")):
        counts = db.session.execute(
            select(BroadcastRecipient.broadcast_id, model.status, func.count())
            .join(model, and_(model.id == column))
            .where(BroadcastRecipient.broadcast_id.in_(list(out)))
            .group_by(BroadcastRecipient.broadcast_id, model.status)).all()
        for broadcast_id, status, n in counts:
            state = getattr(out[broadcast_id], attr)
            key = getattr(status, "value", status)
            setattr(state, key, getattr(state, key) + n)
    return list(out.values())
