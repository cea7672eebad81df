"""Personal information duties (PIPL): erasure on request, purging of cancelled registrations and of
events long over.

Erasing keeps the attendee row, its registration and its check-ins — the event's counts and
history stay true — but replaces the name with a placeholder and removes phone, email and title.
The ticket code stays so a printed badge still resolves to "erased", not to somebody else.

Erasing a person covers them everywhere the app keeps them: the attendee rows and the organisation's
contacts of the same person (same phone or e-mail at that organisation), the values in audit payloads
(the rows and their actions stay; the values become the placeholder), the mail outbox (unsent mail
addressed to them is deleted, so it never goes out with the data; other mail mentioning them is
scrubbed) and the SMS outbox (unsent texts to their phones deleted, sent ones keep no number). An
erasure can start from an attendee or from a contact: either erases the person.

A cancelled registration's attendees are erased `CANCELLED_GRACE` after the cancellation (the privacy
notice says so): long enough for the cancellation mail to go out, short enough to mean "deleted".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, String, cast, delete, or_, select

from ..extensions import db
from ..models import (
    Attendee,
    AuditEntry,
    CheckIn,
    Contact,
    Event,
    Invitation,
    MailStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    SmsMessage,
    SmsStatus,
    User,
)
from ..models.types import utcnow
from . import audit
from .errors import NotFound

PLACEHOLDER = "[erased]"
# How long a cancelled registration keeps its attendees' data (privacy notice: "within 24 hours").
CANCELLED_GRACE = timedelta(hours=24)
PURGE_BATCH = 500  # cancelled attendees erased per run at most; the next run takes the rest


def _masked(phone: str) -> str:
    # As registration.update_attendees writes phones into its audit rows.
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else phone


@dataclass
class _Person:
    """What identifies one person at one organisation, and where they are."""

    organisation_id: int
    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    attendees: dict[int, Attendee] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)

    def add(self, row: Attendee | Contact) -> None:
        if isinstance(row, Attendee):
            if row.erased_at is not None:
                return
            self.attendees[row.id] = row
        else:
            if row.name.startswith(PLACEHOLDER):
                return
            self.contacts[row.id] = row
        self.names.add(row.name)
        if row.phone:
            self.phones.add(row.phone)
        if row.email:
            self.emails.add(row.email)

    @property
    def exact(self) -> set[str]:
        """Values replaced where a whole value equals one (names are too short to replace inside text)."""
        return self.names | self.phones | self.emails | {_masked(p) for p in self.phones}

    @property
    def inside(self) -> list[str]:
        """Values replaced wherever they occur in a text, longest first."""
        return sorted(self.phones | self.emails | {_masked(p) for p in self.phones}, key=len, reverse=True)


def _matching(person: _Person) -> None:
    """Add the organisation's other attendee rows and contacts with the same phone or e-mail, until no
    more are found (a contact's e-mail may lead to an attendee row with another phone)."""
    while True:
        before = (len(person.attendees), len(person.contacts))
        same = []
        if person.phones:
            same.append(("phone", person.phones))
        if person.emails:
            same.append(("email", person.emails))
        if not same:
            return
        contacts = db.session.scalars(select(Contact).where(
            Contact.organisation_id == person.organisation_id,
            or_(*(getattr(Contact, f).in_(values) for f, values in same)))).all()
        attendees = db.session.scalars(select(Attendee).join(Registration).where(
            Registration.organisation_id == person.organisation_id, Attendee.erased_at.is_(None),
            or_(*(getattr(Attendee, f).in_(values) for f, values in same)))).all()
        for contact in contacts:
            person.add(contact)
        for attendee in attendees:
            person.add(attendee)
        if (len(person.attendees), len(person.contacts)) == before:
            return


def _scrub_text(text: str, person: _Person, *, names: bool) -> str:
    for value in person.inside:
        text = text.replace(value, PLACEHOLDER)
    if names:
        for name in sorted(person.names, key=len, reverse=True):
            if len(name) >= 2:
                text = text.replace(name, PLACEHOLDER)
    return text


def _redact(value: Any, person: _Person) -> Any:
    """The value with the person's values replaced (whole strings equal to a name, phone or e-mail;
    phones and e-mails also inside longer strings). A dict that named the person loses its title too."""
    if isinstance(value, dict):
        out = {k: _redact(v, person) for k, v in value.items()}
        if "title" in out and out != value and out.get("title") is not None:
            out["title"] = PLACEHOLDER
        return out
    if isinstance(value, list):
        return [_redact(v, person) for v in value]
    if isinstance(value, str):
        if value in person.exact:
            return PLACEHOLDER
        return _scrub_text(value, person, names=False)
    return value


def _audit_rows(person: _Person, registration_ids: set[int]) -> list[AuditEntry]:
    """Rows that may hold the person: those about their attendees, contacts, registrations, invitations and
    check-ins, and any row whose payload holds their phone or e-mail."""
    attendee_ids = set(person.attendees)
    contact_ids = set(person.contacts)
    invitation_ids = set(db.session.scalars(select(Invitation.id).where(Invitation.contact_id.in_(contact_ids)))
                         ) if contact_ids else set()
    invitation_ids |= {i for i in db.session.scalars(select(Registration.invitation_id).where(
        Registration.id.in_(registration_ids))) if i is not None} if registration_ids else set()
    checkin_ids = set(db.session.scalars(select(CheckIn.id).where(CheckIn.attendee_id.in_(attendee_ids)))
                      ) if attendee_ids else set()
    about = [(entity, ids) for entity, ids in (("attendee", attendee_ids), ("contact", contact_ids),
                                               ("registration", registration_ids), ("invitation", invitation_ids),
                                               ("checkin", checkin_ids), ("organisation", {person.organisation_id}))
             if ids]
    payload = cast(AuditEntry.changes, String)
    conditions: list[ColumnElement[bool]] = [
        (AuditEntry.entity_type == entity) & AuditEntry.entity_id.in_(ids) for entity, ids in about]
    conditions += [payload.contains(value, autoescape=True) for value in person.inside]
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.changes.is_not(None), or_(*conditions))))


def _scrub_audit(person: _Person, registration_ids: set[int]) -> int:
    redacted = 0
    for entry in _audit_rows(person, registration_ids):
        changes = _redact(entry.changes, person)
        if changes != entry.changes:
            entry.changes = changes
            redacted += 1
    return redacted


def _scrub_outbox(person: _Person, registration_ids: set[int]) -> tuple[int, int]:
    """(deleted, scrubbed): unsent mail to the person is deleted; sent mail to them keeps no address; mail
    of their registrations and invitations, or holding their phone or e-mail, is scrubbed."""
    deleted = 0
    if person.emails:
        # A message a deliverer has claimed this moment (pending, tried, its claim not expired) is on its way
        # already: it is scrubbed below rather than deleted under the deliverer's feet.
        being_sent = ((OutboxMessage.status == MailStatus.pending) & (OutboxMessage.attempts > 0)
                      & (OutboxMessage.next_attempt_at > utcnow()))
        deleted = len(db.session.scalars(
            delete(OutboxMessage).where(OutboxMessage.to.in_(person.emails),
                                        OutboxMessage.status != MailStatus.sent, ~being_sent)
            .returning(OutboxMessage.id)).all())
    contact_ids = set(person.contacts)
    invitation_ids = set(db.session.scalars(select(Invitation.id).where(Invitation.contact_id.in_(contact_ids)))
                         ) if contact_ids else set()
    conditions: list[ColumnElement[bool]] = [OutboxMessage.to.in_(person.emails)] if person.emails else []
    if registration_ids:
        conditions.append(OutboxMessage.registration_id.in_(registration_ids))
    if invitation_ids:
        conditions.append(OutboxMessage.invitation_id.in_(invitation_ids))
    for value in person.inside:
        conditions += [OutboxMessage.body_text.contains(value, autoescape=True),
                       OutboxMessage.body_html.contains(value, autoescape=True),
                       OutboxMessage.subject.contains(value, autoescape=True)]
    if not conditions:
        return deleted, 0
    scrubbed = 0
    for message in db.session.scalars(select(OutboxMessage).where(or_(*conditions))):
        # Names are replaced only in the mail of the person's own registrations and invitations.
        own = message.registration_id in registration_ids or message.invitation_id in invitation_ids
        before = (message.to, message.subject, message.body_text, message.body_html, message.attachments)
        if message.to in person.emails:
            message.to = PLACEHOLDER
        message.subject = _scrub_text(message.subject, person, names=own)
        message.body_text = _scrub_text(message.body_text, person, names=own)
        if message.body_html is not None:
            message.body_html = _scrub_text(message.body_html, person, names=own)
        if message.attachments:
            message.attachments = [{**a, "content": _scrub_text(a.get("content") or "", person, names=own)}
                                   for a in message.attachments]
        if (message.to, message.subject, message.body_text, message.body_html, message.attachments) != before:
            scrubbed += 1
    return deleted, scrubbed


def _scrub_sms(person: _Person) -> tuple[int, int]:
    """(deleted, scrubbed): unsent SMS to the person's phones are deleted (one a deliverer has claimed this
    moment is on its way: scrubbed instead), those sent keep neither the number nor their values."""
    if not person.phones:
        return 0, 0
    being_sent = ((SmsMessage.status == SmsStatus.pending) & (SmsMessage.attempts > 0)
                  & (SmsMessage.next_attempt_at > utcnow()))
    deleted = len(db.session.scalars(
        delete(SmsMessage).where(SmsMessage.phone.in_(person.phones), SmsMessage.status != SmsStatus.sent,
                                 ~being_sent).returning(SmsMessage.id)).all())
    scrubbed = 0
    for message in db.session.scalars(select(SmsMessage).where(SmsMessage.phone.in_(person.phones))):
        message.phone = PLACEHOLDER
        message.text = _scrub_text(message.text, person, names=True)  # their own message: their name too
        scrubbed += 1
    return deleted, scrubbed


def _keep_values_of_others(person: _Person) -> None:
    """When only some rows of a person are erased (a purge), their values that the organisation's contacts or
    other attendee rows still hold stay in the log and the outbox: those rows are not erased."""
    same = [(f, values) for f, values in (("phone", person.phones), ("email", person.emails)) if values]
    if not same:
        return
    contacts = db.session.scalars(select(Contact).where(
        Contact.organisation_id == person.organisation_id,
        or_(*(getattr(Contact, f).in_(values) for f, values in same)))).all()
    attendees = db.session.scalars(select(Attendee).join(Registration).where(
        Registration.organisation_id == person.organisation_id, Attendee.erased_at.is_(None),
        Attendee.id.not_in(person.attendees),
        or_(*(getattr(Attendee, f).in_(values) for f, values in same)))).all()
    held = [(c.name, c.phone, c.email) for c in contacts] + [(a.name, a.phone, a.email) for a in attendees]
    for name, phone, email in held:
        person.names.discard(name)
        person.phones.discard(phone or "")
        person.emails.discard(email or "")


def _erase_person(person: _Person, actor: User | None, *, reason: str, contacts: bool = True) -> dict[str, Any]:
    """Erase every row of the person, then their values in the log and the outbox. Returns the counts.
    `contacts=False` (the purges): only the attendee rows given; what other rows still hold stays."""
    if contacts:
        _matching(person)
    else:
        _keep_values_of_others(person)
    registration_ids = {a.registration_id for a in person.attendees.values()}
    now = utcnow()
    audit_rows = _scrub_audit(person, registration_ids)
    mail_deleted, mail_scrubbed = _scrub_outbox(person, registration_ids)
    sms_deleted, sms_scrubbed = _scrub_sms(person)
    for attendee in person.attendees.values():
        attendee.name = f"{PLACEHOLDER} #{attendee.id}"
        attendee.phone = attendee.email = attendee.title = None
        attendee.erased_at = now
    for contact in person.contacts.values() if contacts else ():
        contact.name = f"{PLACEHOLDER} #{contact.id}"
        contact.phone = contact.email = contact.title = None
    db.session.flush()
    # Only the facts are logged: the audit log must not become a copy of what was erased.
    counts = {"reason": reason, "attendees": sorted(person.attendees),
              "contacts": sorted(person.contacts) if contacts else [],
              "audit_entries_redacted": audit_rows, "mail_deleted": mail_deleted, "mail_scrubbed": mail_scrubbed,
              "sms_deleted": sms_deleted, "sms_scrubbed": sms_scrubbed}
    for attendee_id in sorted(person.attendees):
        audit.record(actor, "attendee.erase", "attendee", attendee_id, counts)
    for contact_id in sorted(person.contacts) if contacts else ():
        audit.record(actor, "contact.erase", "contact", contact_id, counts)
    return counts


def _lock_attendee(attendee_id: int) -> Attendee | None:
    # A row lock on PostgreSQL (SQLite's writer already holds the database): two erasures of one person
    # at once erase and log once.
    return db.session.get(Attendee, attendee_id, with_for_update=True, populate_existing=True)


def erase_attendee(attendee: Attendee, actor: User | None, *, reason: str = "request") -> bool:
    """Erase the person of this attendee everywhere; False when the attendee was already erased."""
    locked = _lock_attendee(attendee.id)
    if locked is None or locked.erased_at is not None:
        return False
    person = _Person(organisation_id=locked.registration.organisation_id)
    person.add(locked)
    _erase_person(person, actor, reason=reason)
    return True


def erase_attendee_by_id(attendee_id: int, actor: User | None) -> Attendee:
    attendee = db.session.get(Attendee, attendee_id)
    if attendee is None:
        raise NotFound(_("No such attendee."))
    erase_attendee(attendee, actor)
    return attendee


def get_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact


def is_erased(contact: Contact) -> bool:
    return contact.name.startswith(PLACEHOLDER)


def erase_contact(contact_id: int, actor: User | None, *, reason: str = "request") -> Contact:
    """Erase the person of this organisation's contact everywhere (their attendee rows at the same
    organisation too). Idempotent: an erased contact is answered as it is."""
    contact = db.session.get(Contact, contact_id, with_for_update=True, populate_existing=True)
    if contact is None:
        raise NotFound(_("No such contact."))
    if is_erased(contact):
        return contact
    person = _Person(organisation_id=contact.organisation_id)
    person.add(contact)
    _erase_person(person, actor, reason=reason)
    return contact


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would touch, for the console's confirmation step (nothing is written)."""

    organisation: str
    names: list[str]
    attendees: int
    contacts: int


def preview_erasure(*, attendee_id: int | None = None, contact_id: int | None = None) -> ErasurePreview:
    """The person of this attendee or contact and their rows at the organisation. NotFound when unknown."""
    row: Attendee | Contact | None
    if attendee_id is not None:
        row = db.session.get(Attendee, attendee_id)
        if row is None:
            raise NotFound(_("No such attendee."))
        organisation = row.registration.organisation
    else:
        row = get_contact(contact_id or 0)
        organisation = row.organisation
    person = _Person(organisation_id=organisation.id)
    person.add(row)
    _matching(person)
    return ErasurePreview(organisation=organisation.name, names=sorted(person.names),
                          attendees=len(person.attendees), contacts=len(person.contacts))


def purge_due(now: datetime | None = None, actor: User | None = None) -> int:
    """Erase the attendees of registrations cancelled more than CANCELLED_GRACE before `now`; returns how
    many. Idempotent, and safe from several processes at once: erased rows are no longer due, and on
    PostgreSQL rows another run holds are skipped (SKIP LOCKED), on SQLite writers take turns.
    The organisation's contacts are left: they are the bureau's, not the cancelled registration's."""
    cutoff = (now or utcnow()) - CANCELLED_GRACE
    due = db.session.scalars(
        select(Attendee).join(Registration, Attendee.registration_id == Registration.id)
        .where(Registration.status == RegistrationStatus.cancelled, Registration.cancelled_at <= cutoff,
               Attendee.erased_at.is_(None))
        .order_by(Attendee.id).limit(PURGE_BATCH)
        .with_for_update(of=Attendee, skip_locked=True)).all()
    by_registration: dict[int, list[Attendee]] = {}
    for attendee in due:
        by_registration.setdefault(attendee.registration_id, []).append(attendee)
    for attendees in by_registration.values():
        for attendee in attendees:
            person = _Person(organisation_id=attendee.registration.organisation_id)
            person.add(attendee)
            _erase_person(person, actor, reason="cancelled", contacts=False)
    if due:
        audit.record(actor, "data.purge", "registration", None,
                     {"reason": "cancelled", "attendees": len(due), "registrations": len(by_registration)})
    return len(due)


def purge_ended_events(older_than_days: int, actor: User | None = None) -> int:
    """Erase the attendees (and invited contacts) of events that ended more than N days ago."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    attendees = db.session.scalars(
        select(Attendee).join(Registration, Attendee.registration_id == Registration.id)
        .join(Event, Registration.event_id == Event.id)
        .where(Event.ends_at < cutoff, Attendee.erased_at.is_(None))).all()
    for attendee in attendees:
        # Not their contacts: one may be invited to a later event; those invited only to ended events follow.
        person = _Person(organisation_id=attendee.registration.organisation_id)
        person.add(attendee)
        _erase_person(person, actor, reason=f"purge older than {older_than_days} days", contacts=False)
    # Contacts invited only to such events keep no phone or email either.
    stale_contacts = db.session.scalars(
        select(Contact).where(Contact.id.in_(select(Invitation.contact_id).join(Event).where(Event.ends_at < cutoff)),
                              ~Contact.id.in_(select(Invitation.contact_id).join(Event).where(Event.ends_at >= cutoff)),
                              (Contact.phone.is_not(None)) | (Contact.email.is_not(None)))).all()
    for contact in stale_contacts:
        contact.phone = None
        contact.email = None
        audit.record(actor, "contact.erase", "contact", contact.id, {"reason": "purge"})
    if attendees or stale_contacts:
        audit.record(actor, "data.purge", "event", None,
                     {"older_than_days": older_than_days, "attendees": len(attendees), "contacts": len(stale_contacts)})
    return len(attendees)

