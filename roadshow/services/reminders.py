"""Reminders before an event and notices when it moves: mails to registrants, queued in the outbox.

Reminders: each confirmed registration of a published event gets one reminder `reminder_hours_before` the
start (the `send_reminders` job, roadshow/jobs.py, runs `queue_due_reminders` on every sweep). A registration
confirmed after that moment gets none — its confirmation mail came closer to the start than a reminder
would, and it carries the same links. A reminder is claimed on the registration (`reminded_at`, a
compare-and-set) in the transaction that queues its mail, so however many workers or servers sweep at once,
one wins and the mail exists exactly when the claim does. Moving the event later does not send a second one.

Change notices: a published event whose time or place changes (`NOTICE_FIELDS`) mails each active
registrant the change, old → new, with their calendar copy (same UID, the grown SEQUENCE), in the
transaction of the change (`queue_change_notices`, called by services/events.py).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import ACTIVE_REGISTRATION, Event, EventStatus, Invitation, Registration, RegistrationStatus
from ..models.types import utcnow
from . import audit, calendar, mail, messages

# What a change notice is about: when and where. A new title or description reaches calendars (SEQUENCE)
# but is not worth a mail.
NOTICE_FIELDS = ("starts_at", "ends_at", "venue", "address")

DEFAULT_HOURS_BEFORE = 24
MAX_HOURS_BEFORE = 24 * 30
BATCH = 50  # registrations claimed and queued in one unit of work


def reminder_due_at(event: Event) -> datetime | None:
    """When the event's reminders go out; None when it sends none."""
    if event.reminder_hours_before is None:
        return None
    return event.starts_at - timedelta(hours=event.reminder_hours_before)


def _addresses(reg: Registration) -> tuple[str | None, list[Any]]:
    """(the registrant's address: the invitation's contact or the first attendee with an e-mail, the other
    attendees with an address of their own) — the confirmation mail's recipients."""
    contact = reg.invitation.contact.email if reg.invitation is not None and reg.invitation.contact else None
    with_email = [a for a in reg.attendees if a.email and a.erased_at is None]
    main = contact or (with_email[0].email if with_email else None)
    if main is None:
        return None, []
    seen = {main.lower()}
    others = []
    for attendee in with_email:
        address = (attendee.email or "").lower()
        if address not in seen:
            seen.add(address)
            others.append(attendee)
    return main, others


def due_registrations(now: datetime) -> list[int]:
    """Ids of confirmed registrations whose reminder is due at `now` and not yet sent."""
    events = db.session.scalars(
        select(Event).where(Event.status == EventStatus.published, Event.reminder_hours_before.is_not(None),
                            Event.starts_at > now, Event.starts_at <= now + timedelta(hours=MAX_HOURS_BEFORE))
    ).all()
    due_at: dict[int, datetime] = {}
    for event in events:
        at = reminder_due_at(event)
        if at is not None and at <= now:
            due_at[event.id] = at
    if not due_at:
        return []
    rows = db.session.execute(
        select(Registration.id, Registration.event_id, Registration.confirmed_at)
        .where(Registration.event_id.in_(due_at), Registration.status == RegistrationStatus.confirmed,
               Registration.reminded_at.is_(None))
        .order_by(Registration.id)).all()
    # Confirmed after the reminder time: no reminder (see the module's docstring).
    return [reg_id for reg_id, event_id, confirmed_at in rows
            if confirmed_at is None or confirmed_at <= due_at[event_id]]


def _claim(registration_ids: list[int], now: datetime) -> list[int]:
    """Claim the reminders of these registrations in one statement: the ids this sweep won (a compare-and-set
    on `reminded_at`; PostgreSQL re-checks the condition on a row another sweep claimed meanwhile, SQLite
    has one writer)."""
    return list(db.session.scalars(
        update(Registration)
        .where(Registration.id.in_(registration_ids), Registration.reminded_at.is_(None),
               Registration.status == RegistrationStatus.confirmed)
        .values(reminded_at=now)
        .returning(Registration.id)
        .execution_options(synchronize_session=False)))


def queue_due_reminders(now: datetime | None = None) -> int:
    """Queue every reminder that is due (the `send_reminders` job). Returns the number of registrations reminded.

    The due registrations are read once, then claimed and queued `BATCH` at a time, each batch its own short
    writing unit of work: a sweep of 20,000 never holds SQLite's one write lock (or thousands of row locks)
    for minutes — check-ins and registrations go on between batches — and delivery starts after the first
    batch's commit. A batch that fails is rolled back whole (its claims with its mails), so the next sweep
    finds those registrations again."""
    from ..uow import unit_of_work

    now = now or utcnow()
    with unit_of_work(write=False):
        due = due_registrations(now)
    reminded = 0
    for start in range(0, len(due), BATCH):
        with unit_of_work(write=True):
            won = _claim(due[start:start + BATCH], now)  # the others: another worker has them
            batch = db.session.scalars(
                select(Registration).where(Registration.id.in_(won)).order_by(Registration.id)
                .options(selectinload(Registration.attendees), joinedload(Registration.event),
                         joinedload(Registration.invitation).joinedload(Invitation.contact))
                .execution_options(populate_existing=True)).unique().all()
            for reg in batch:
                reminded += _queue_reminder(reg)
    return reminded


def _queue_reminder(reg: Registration) -> int:
    main, others = _addresses(reg)
    mails = 0
    if main is not None:
        message = messages.reminder(reg, list(reg.attendees), with_manage=True)
        mail.queue(main, message.subject, message.text, kind=message.kind, body_html=message.html,
                   attachments=[calendar.registrant_attachment(reg)], invitation_id=reg.invitation_id,
                   registration_id=reg.id)
        mails += 1
    for attendee in others:
        message = messages.reminder(reg, [attendee], with_manage=False)
        mail.queue(attendee.email, message.subject, message.text, kind=message.kind, body_html=message.html,
                   attachments=[calendar.attachment(reg.event)], registration_id=reg.id)
        mails += 1
    audit.record(None, "registration.remind", "registration", reg.id, {"mails": mails})
    return 1


def notice_changes(changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The changes (audit.diff's) a change notice tells about."""
    def moved(change: Any) -> bool:
        if not isinstance(change, dict):
            return False
        old, new = change.get("from"), change.get("to")
        if isinstance(old, datetime) and isinstance(new, datetime):
            # the console's form edits whole minutes: seconds dropped from an API-made time are no news
            return old.replace(second=0, microsecond=0) != new.replace(second=0, microsecond=0)
        return old != new

    return {name: change for name, change in changes.items() if name in NOTICE_FIELDS and moved(change)}


def queue_change_notices(event: Event, changes: dict[str, Any], *, was_published: bool) -> int:
    """In the change's transaction: mail each active registrant of a published event what moved, old → new,
    with their updated calendar copy. Returns the number of mails (0 for a draft or when nothing of
    NOTICE_FIELDS changed)."""
    moved = notice_changes(changes)
    if not moved or not was_published or event.status is not EventStatus.published:
        return 0
    db.session.flush()  # the grown sequence and the new fields are what the calendar copies show
    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status.in_(ACTIVE_REGISTRATION))
        .order_by(Registration.id)).all()
    mails = 0
    for reg in registrations:
        main, others = _addresses(reg)
        if main is None:
            continue
        message = messages.event_changed(event, moved, manage_url=messages.manage_link(reg))
        mail.queue(main, message.subject, message.text, kind=message.kind, body_html=message.html,
                   attachments=[calendar.registrant_attachment(reg)], invitation_id=reg.invitation_id,
                   registration_id=reg.id)
        mails += 1
        if reg.status is not RegistrationStatus.confirmed:
            continue  # attendees of a waitlisted or pending registration have no ticket of their own yet
        for attendee in others:
            message = messages.event_changed(event, moved, manage_url=None)
            mail.queue(attendee.email, message.subject, message.text, kind=message.kind, body_html=message.html,
                       attachments=[calendar.attachment(event)], registration_id=reg.id)
            mails += 1
    return mails
