"""Registration: the one place for capacity, waitlist, approval and the registrant's changes.

Every change that can move seats runs after `lock_event(event_id)` in a writing unit of work: the
event row is locked (PostgreSQL) or the database write lock is held from the unit of work's first
statement (SQLite) before the confirmed seats are counted, so concurrent requests in any number of
processes never overbook. The functions here flush and raise; the unit of work commits.

Seats are people: a registration holds `seats == len(attendees)` seats once confirmed.

Waitlist policy — arrival order, no overtaking: the waitlist is a queue ordered by arrival
(registration id). When seats free up, registrations are promoted from the head of the queue
while the head fits whole; a smaller registration behind a head that does not fit waits too.
For the same reason a new registration goes to the waitlist whenever anyone is already waiting,
even if it alone would fit. Registrations are never split.

Retries and duplicates (issue 14): a request carrying an idempotency key (the API's Idempotency-Key
header, the registration form's one-time token) that the event has seen gets that registration back
without a second mail. A phone number is held by at most one active registration of an event, across
attendees: a second one is refused with 409 that tells the registrant to use the personal link of their
confirmation mail. The link is not re-sent from that answer: a 409 is rolled back by the unit of work,
and anyone who merely knows a phone number could make the registrant's mailbox fill up.

Checked-in attendees (issue 14): an attendee with a check-in at the door (also an undone one: it is the
door's history) can be neither removed nor replaced on the manage page; the database's RESTRICT
foreign keys keep check-in rows from being deleted with their attendee.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from .. import urls
from ..extensions import db
from ..models import (
    ACTIVE_REGISTRATION,
    Attendee,
    CheckIn,
    Event,
    EventStatus,
    Invitation,
    InvitationStatus,
    Organisation,
    OrgKind,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    User,
)
from ..models.types import utcnow
from . import audit, calendar, mail, messages, questions, register_in_one, sms, tickets, values
from .errors import CapacityFull, Conflict, Gone, Invalid, InvalidValue, NotFound
from .locks import lock_event, lock_name, start_writing
from .organisations import clean_organisation, create_if_unknown, find_or_create_organisation, match_organisation

# An Idempotency-Key header (or the registration form's one-time token) longer than this is refused.
IDEMPOTENCY_KEY_MAX = 100


@dataclass
class AttendeeInput:
    name: str
    phone: str
    email: str | None
    title: str | None
    id: int | None = None


def _attendee_name(value: object, field: str) -> str:
    return values.require_text(value, field, max_length=values.PERSON_NAME_MAX,
                               missing=_("Enter the attendee's name."))


def _attendee_phone(value: object, field: str) -> str:
    phone = values.clean_phone(value, field)
    if phone is None:
        raise InvalidValue(field, _("Enter a mobile phone number."))
    return phone


def _attendee_title(value: object, field: str) -> str | None:
    return values.clean_text(value, field, max_length=values.TITLE_MAX)


_ATTENDEE_FIELDS = (("name", _attendee_name), ("phone", _attendee_phone), ("email", values.clean_email),
                    ("title", _attendee_title))


def clean_attendees(rows: list[dict], max_attendees: int) -> list[AttendeeInput]:
    """Validate attendee rows; errors are keyed `attendees.<i>.<field>` (API and form alike)."""
    errors: dict[str, list[str]] = {}
    cleaned: list[AttendeeInput] = []
    if not rows:
        errors["attendees"] = [_("Add at least one attendee.")]
    elif len(rows) > max_attendees:
        errors["attendees"] = [_("At most %(n)d attendees can be registered.", n=max_attendees)]
    for i, row in enumerate(rows or []):
        person: dict[str, str | None] = {}
        for field, clean in _ATTENDEE_FIELDS:
            try:
                person[field] = clean(row.get(field), f"attendees.{i}.{field}")
            except Invalid as exc:
                errors.update(exc.errors)
                person[field] = None
        raw_id = str(row.get("id") or "")
        cleaned.append(AttendeeInput(name=person["name"] or "", phone=person["phone"] or "",
                                     email=person["email"], title=person["title"],
                                     id=int(raw_id) if raw_id.isdigit() else None))
    if errors:
        raise Invalid(errors)
    return cleaned


def invitation_by_token(token: str | None) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token == token)) \
        if token and len(token) <= TOKEN_MAX else None
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    return invitation


TOKEN_MAX = 64  # the manage and invitation tokens' column length: a longer one is no token


def by_manage_token(token: str | None) -> Registration:
    """The registration a personal manage link opens (the manage page, the API, the ticket, the .ics)."""
    reg = db.session.scalar(select(Registration).where(Registration.manage_token == token)) \
        if token and len(token) <= TOKEN_MAX else None
    if reg is None:
        raise NotFound(_("This registration link is not valid."))
    return reg


def get_registration(registration_id: int, event: Event | None = None) -> Registration:
    """A registration by id (of `event`, when given): the console's and the API's look-up."""
    reg = db.session.get(Registration, registration_id)
    if reg is None or (event is not None and reg.event_id != event.id):
        raise NotFound()
    return reg


def list_registrations(event: Event, *, status: RegistrationStatus | None = None, kind: OrgKind | None = None,
                       page: int = 1, per_page: int = 50) -> tuple[list[Registration], int]:
    """One page of an event's registrations (oldest first, filtered by status and organisation kind)
    with their organisations and attendees loaded (three queries, not two a row), and the total."""
    stmt = select(Registration).join(Organisation, Organisation.id == Registration.organisation_id) \
        .where(Registration.event_id == event.id)
    if status is not None:
        stmt = stmt.where(Registration.status == status)
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.options(contains_eager(Registration.organisation),
                                           selectinload(Registration.attendees))
                              .order_by(Registration.id).offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def status_counts(event: Event) -> dict[RegistrationStatus, tuple[int, int]]:
    """Registrations and attendees of the event by status (every status, zeros included)."""
    counts = {s: (0, 0) for s in RegistrationStatus}
    for s, regs, people in db.session.execute(
            select(Registration.status, func.count(Registration.id), func.coalesce(func.sum(Registration.seats), 0))
            .where(Registration.event_id == event.id).group_by(Registration.status)):
        counts[s] = (regs, people)
    return counts


def active_registration(invitation: Invitation) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.invitation_id == invitation.id, Registration.status.in_(ACTIVE_REGISTRATION)))


def max_attendees(event: Event, invitation: Invitation | None) -> int:
    """Attendees one registration may bring: the invitation's seats, else the event's setting."""
    return invitation.seats if invitation is not None else event.max_attendees_per_registration


def clean_idempotency_key(value: object) -> str | None:
    """The client's retry key (visible ASCII, at most IDEMPOTENCY_KEY_MAX characters); None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    key = str(value).strip()
    if len(key) > IDEMPOTENCY_KEY_MAX or not all(33 <= ord(c) <= 126 for c in key):
        raise Invalid({"Idempotency-Key": [_("Use a key of at most %(n)d visible ASCII characters.",
                                             n=IDEMPOTENCY_KEY_MAX)]})
    return key


def _request_digest(**content: object) -> str:
    """What a retry must repeat to get the first answer: a digest of the request's content."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(event_id: int, key: str | None, digest: str, same_content: bool) -> Registration | None:
    """The registration an earlier request with this key made for this event (decisive under the lock)."""
    if key is None:
        return None
    reg = db.session.scalar(select(Registration).where(Registration.event_id == event_id,
                                                       Registration.idempotency_key == key))
    if reg is not None and same_content and reg.idempotency_hash != digest:
        raise Invalid({"Idempotency-Key": [_("This key was already used for a different registration; "
                                             "use a new key for another registration.")]})
    return reg


def _phone_taken(event_id: int, phones: set[str], excluding: int | None = None) -> str | None:
    """One of `phones` that an attendee of another active registration of the event already has."""
    if not phones:
        return None
    stmt = select(Attendee.phone).join(Registration, Registration.id == Attendee.registration_id).where(
        Registration.event_id == event_id, Registration.status.in_(ACTIVE_REGISTRATION),
        Attendee.phone.in_(phones))
    if excluding is not None:
        stmt = stmt.where(Registration.id != excluding)
    return db.session.scalar(stmt.limit(1))


def _phone_conflict(phone: str) -> Conflict:
    # The manage link is never given to someone who merely knows the number: the registrant has it in
    # the confirmation mail and on the page shown after registering.
    return Conflict(_("The phone number %(phone)s already has a registration for this event. Open it with "
                      "the personal link in its confirmation email (or the page shown after registering) "
                      "to change or cancel it; the organiser can help if the link is lost.",
                      phone=_masked(phone)))


def confirmed_seats(event_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Registration.seats), 0)).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.confirmed)) or 0


def seats_left(event: Event) -> int | None:
    """Free seats now (None: unlimited)."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed_seats(event.id), 0)


def _someone_waiting(event_id: int, before_id: int | None = None) -> bool:
    stmt = select(Registration.id).where(Registration.event_id == event_id,
                                         Registration.status == RegistrationStatus.waitlisted)
    if before_id is not None:
        stmt = stmt.where(Registration.id < before_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _fits(event: Event, seats: int) -> bool:
    return event.capacity is None or confirmed_seats(event.id) + seats <= event.capacity


def _ensure_open(event: Event) -> None:
    if event.status is EventStatus.cancelled:
        raise Gone(_("This event has been cancelled; registration is closed."))
    if event.status is not EventStatus.published:
        raise Gone(_("Registration for this event is not open."))


def clean_organisation_input(organisation: dict | None, invitation: Invitation | None) -> dict | None:
    """The registrant's organisation, cleaned by `organisations.clean_organisation` (errors keyed
    `organisation.<field>`); None when it is the invitation's organisation (no other name typed).
    The kind defaults to the invitation organisation's, else `other`."""
    data = {k: v for k, v in (organisation or {}).items() if v not in (None, "")}
    name = str(data.get("name") or "").strip()
    own = invitation is not None and (not name or name == invitation.organisation.name)
    if own and invitation is not None:  # own implies the invitation
        data["name"] = invitation.organisation.name
    data.setdefault("kind", invitation.organisation.kind if invitation is not None else OrgKind.other)
    try:
        cleaned = clean_organisation(data)
    except Invalid as exc:
        raise Invalid({f"organisation.{k}": v for k, v in exc.errors.items()}) from None
    return None if own else cleaned


def _organisation_for(cleaned: dict | None, invitation: Invitation | None, actor: User | None):
    """The invitation's organisation unless the registrant typed another name (then matched by credit
    code, then exact name, or created). The registrant's input never renames an existing record."""
    if cleaned is None and invitation is not None:
        return invitation.organisation
    fields = dict(cleaned or {})
    try:
        org, _created = find_or_create_organisation(fields.pop("name", None), fields.pop("kind", None),
                                                     actor=actor, **fields)
    except Invalid as exc:
        raise Invalid({f"organisation.{k}": v for k, v in exc.errors.items()}) from None
    except IntegrityError:
        # The same new organisation (credit code) created at this moment by a registration for another
        # event: the unit of work is rolled back; the registrant sends again and is matched to it.
        raise Conflict(_("Your organisation was registered at the same moment by someone else; "
                         "please send the form again.")) from None
    return org


# --- register: checked and prepared before the event lock, decided and inserted inside it -------------
#
# A burst of registrations for one event queues on its lock (the event row on PostgreSQL, the writer's
# turn on SQLite). So everything that does not depend on the seats is done before: the input, the
# answers, the organisation's look-up, the ticket codes and the mails. Inside the lock: count the seats,
# decide the status, insert, queue what was rendered; then the unit of work commits.

@dataclass
class _Checked:
    """A registration request as checked before the lock (reads only)."""
    event: Event
    invitation: Invitation | None
    people: list[AttendeeInput]
    organisation: dict | None  # the typed organisation, cleaned; None: the invitation's
    raw_answers: dict | None
    answers: dict[int, Any]
    key: str | None
    digest: str
    fingerprint: str | None = None  # PostgreSQL: the questions the answers were checked against


@dataclass
class _Mail:
    """One rendered mail of a registration, queued once the registration has its id."""
    to: str
    message: messages.Message
    attachments: list[dict] | None
    registrant: bool  # the registrant's own mail (it carries the invitation)


_MAIL_KIND: dict[RegistrationStatus, messages.RegistrationKind] = {
    RegistrationStatus.confirmed: "confirmation", RegistrationStatus.waitlisted: "waitlisted",
    RegistrationStatus.pending: "pending"}


def _check_request(*, invitation_token: str | None, event_id: int | None, organisation: dict | None,
                   attendees: list[dict], consent: bool, idempotency_key: str | None, walk_in: bool,
                   answers: dict | None, window: bool) -> _Checked:
    """Everything about the request that the seats do not decide: Invalid, NotFound or Gone before the
    lock is asked for, so a bad request never queues for it."""
    key = clean_idempotency_key(idempotency_key)
    digest = _request_digest(invitation=invitation_token, event_id=event_id, organisation=organisation,
                             attendees=attendees, consent=consent,
                             **({"answers": answers} if answers else {}))
    invitation = invitation_by_token(invitation_token) if invitation_token else None
    if invitation is not None:
        if event_id is not None and event_id != invitation.event_id:
            raise Invalid({"event_id": [_("The invitation is for another event.")]})
        event_id = invitation.event_id
    if event_id is None:
        raise Invalid({"invitation": [_("Give an invitation or an event.")]})
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    _ensure_open(event)
    # PostgreSQL: the questions read with their fingerprint, which the deciding statement compares (an
    # edit made meanwhile has the answers checked again under the lock)
    event_questions, fingerprint = register_in_one.questions_and_fingerprint(event.id) if _postgres() else (None, None)
    if window and not walk_in:  # the door admits whoever stands there, window or not
        questions.ensure_window_open(event)
    if invitation is None and event.registration_mode is not RegistrationMode.open and not walk_in:
        raise Invalid({"event_id": [_("This event takes registrations by invitation only.")]})
    errors: dict[str, list[str]] = {}
    people: list[AttendeeInput] = []
    organisation_input = cleaned_answers = None
    try:
        people = clean_attendees(attendees, max_attendees(event, invitation))
    except Invalid as exc:
        errors.update(exc.errors)
    try:
        organisation_input = clean_organisation_input(organisation, invitation)
    except Invalid as exc:
        errors.update(exc.errors)
    try:
        cleaned_answers = questions.clean_answers(event, answers, require=not walk_in, questions=event_questions)
    except Invalid as exc:
        errors.update(exc.errors)
    if consent is not True:
        errors["consent"] = [_("Please agree to the processing of your personal information.")]
    if errors:
        raise Invalid(errors)
    return _Checked(event=event, invitation=invitation, people=people, organisation=organisation_input,
                    raw_answers=answers, answers=cleaned_answers or {}, key=key, digest=digest,
                    fingerprint=fingerprint)


def _known_organisation(checked: _Checked) -> Organisation | None:
    """The look-up, before the lock: the invitation's organisation or the existing one the typed name
    (or credit code) matches; None when `_organisation_for` has to write (create it, or give it its
    credit code)."""
    if checked.organisation is None:
        assert checked.invitation is not None  # clean_organisation_input: None only for the invitation's own
        return checked.invitation.organisation
    code = checked.organisation.get("credit_code")
    found = match_organisation(checked.organisation["name"], code)
    if found is None or (code and found.credit_code is None):
        return None
    return found


def _new_organisation(checked: _Checked, actor: User | None) -> Organisation:
    """Create (or complete) the typed organisation, before the event lock: its name (and credit code) is
    locked instead, so two registrants of one new organisation make one, the second finding the first's."""
    assert checked.organisation is not None
    lock_name("organisation", checked.organisation["name"])
    if checked.organisation.get("credit_code"):
        lock_name("organisation-code", checked.organisation["credit_code"])
    if _postgres():  # one statement when it is new (the burst's case); else the general path finds it
        created = create_if_unknown(checked.organisation, actor=actor)
        if created is not None:
            return created
    return _organisation_for(checked.organisation, checked.invitation, actor)


def _prepared_registration(checked: _Checked) -> Registration:
    """The registration as it will be inserted, not yet in the session (no status, no organisation)."""
    now = utcnow()
    reg = Registration(event_id=checked.event.id, invitation_id=checked.invitation.id if checked.invitation else None,
                       seats=len(checked.people), manage_token=secrets.token_urlsafe(24), consent_at=now,
                       consent_version=current_app.config["PRIVACY_POLICY_VERSION"],
                       idempotency_key=checked.key, idempotency_hash=checked.digest if checked.key else None)
    reg.event, reg.invitation = checked.event, checked.invitation  # what the mails show
    for position, person in enumerate(checked.people):
        reg.attendees.append(Attendee(position=position, name=person.name, phone=person.phone,
                                      email=person.email, title=person.title))
    return reg


# Free seats under which both mails (confirmed, waitlisted) are rendered before the lock: the requests in
# flight decide which one is sent. Further from full, only the likely one is (a confirmation takes a few
# milliseconds of CPU to render); should the lock decide otherwise, the other is rendered under it.
NEAR_FULL = 32


def _likely_statuses(event: Event, seats: int, walk_in: bool) -> tuple[RegistrationStatus, ...]:
    """The statuses the lock may decide for this request, as far as can be told without it."""
    if walk_in:
        return (RegistrationStatus.confirmed,)
    if event.approval_required:
        return (RegistrationStatus.pending,)
    if event.capacity is None:
        return (RegistrationStatus.confirmed,)
    confirmed, waiting, _phone = _seat_state(event.id, set())
    free = event.capacity - confirmed - seats
    if waiting or free < 0:
        return (RegistrationStatus.waitlisted,)
    if free < NEAR_FULL:
        return (RegistrationStatus.confirmed, RegistrationStatus.waitlisted)
    return (RegistrationStatus.confirmed,)


def _with_status(reg: Registration, status: RegistrationStatus, codes: list[str]) -> None:
    """Give the prepared registration a status: the tickets (codes made beforehand) only when confirmed."""
    reg.status = status
    for attendee, code in zip(reg.attendees, codes, strict=True):
        attendee.ticket_code = code if status is RegistrationStatus.confirmed else None


def _rendered_mails(reg: Registration, statuses: tuple[RegistrationStatus, ...],
                    codes: list[str]) -> dict[RegistrationStatus, list[_Mail]]:
    """The mails of the statuses the lock is likely to decide, rendered before it is taken."""
    rendered = {}
    for status in statuses:
        _with_status(reg, status, codes)
        rendered[status] = _compose(reg, _MAIL_KIND[status])
    return rendered


def _seat_state(event_id: int, phones: set[str]) -> tuple[int, bool, str | None]:
    """Under the lock, in one statement: the confirmed seats, whether anyone is waiting, and a phone of
    `phones` another active registration of the event already has."""
    confirmed = select(func.coalesce(func.sum(Registration.seats), 0)).where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.confirmed).scalar_subquery()
    waiting = select(Registration.id).where(Registration.event_id == event_id,
                                            Registration.status == RegistrationStatus.waitlisted).exists()
    taken = select(Attendee.phone).join(Registration, Registration.id == Attendee.registration_id).where(
        Registration.event_id == event_id, Registration.status.in_(ACTIVE_REGISTRATION),
        Attendee.phone.in_(phones)).limit(1).scalar_subquery() if phones else null()
    seats, anyone_waiting, phone = db.session.execute(select(confirmed, waiting, taken)).one()
    return int(seats or 0), bool(anyone_waiting), phone


def _decided_status(event: Event, seats: int, confirmed: int, waiting: bool, walk_in: bool) -> RegistrationStatus:
    """Confirmed when the whole party fits and nobody is waiting, else waitlisted; pending when the event
    needs approval. A walk-in is confirmed or refused (CapacityFull), never left waiting."""
    fits = event.capacity is None or confirmed + seats <= event.capacity
    if walk_in:
        if waiting or not fits:
            raise CapacityFull(seats_left=0 if waiting else max((event.capacity or 0) - confirmed, 0))
        return RegistrationStatus.confirmed
    if event.approval_required:
        return RegistrationStatus.pending
    return RegistrationStatus.confirmed if not waiting and fits else RegistrationStatus.waitlisted


def _insert(reg: Registration, checked: _Checked, actor: User | None, client_ip: str | None,
            walk_in: bool) -> None:
    """Under the lock: the registration, its attendees and answers, audited."""
    if reg.status is RegistrationStatus.confirmed:
        reg.confirmed_at = utcnow()
    db.session.add(reg)
    try:
        db.session.flush()
    except IntegrityError:
        # The partial unique index: another request registered this invitation first.
        raise Conflict(_("This invitation already has a registration.")) from None
    questions.save_answers(reg, checked.answers)
    _mark_registered(checked.invitation, actor)
    audit.record(actor, "registration.create", "registration", reg.id,
                 _created(reg, reg.status, checked, client_ip, walk_in))


def _created(reg: Registration, status: RegistrationStatus, checked: _Checked, client_ip: str | None,
             walk_in: bool) -> dict[str, Any]:
    """The payload of a new registration's audit row."""
    return {"event_id": reg.event_id, "invitation_id": reg.invitation_id, "organisation_id": reg.organisation.id,
            "status": status, "seats": reg.seats, "attendees": [p.name for p in checked.people],
            "consent_version": reg.consent_version, "client_ip": client_ip, **({"walk_in": True} if walk_in else {})}


def _mark_registered(invitation: Invitation | None, actor: User | None) -> None:
    """The invitation the registration came from is registered (audited when it was not yet)."""
    if invitation is not None and invitation.status is not InvitationStatus.registered:
        changes = audit.diff(invitation, {"status": InvitationStatus.registered})
        audit.record(actor, "invitation.register", "invitation", invitation.id, changes)


def _in_one_parameters(reg: Registration, checked: _Checked, codes: list[str], actor: User | None,
                       client_ip: str | None, walk_in: bool) -> dict[str, Any]:
    """PostgreSQL, before the lock: the deciding statement's parameters (services/register_in_one.py)."""
    changes = {status: audit.entry_values(actor, "registration.create", "registration", None,
                                          _created(reg, status, checked, client_ip, walk_in))["changes"]
               for status in (RegistrationStatus.confirmed, RegistrationStatus.waitlisted, RegistrationStatus.pending)}
    return register_in_one.parameters(
        reg, codes=codes, answers=checked.answers, fingerprint=checked.fingerprint or "", now=utcnow(),
        audit_entry=audit.entry_values(actor, "registration.create", "registration", None, None), changes=changes)


def _insert_in_one(reg: Registration, checked: _Checked, event: Event, params: dict[str, Any], codes: list[str],
                   actor: User | None, walk_in: bool) -> RegistrationStatus:
    """PostgreSQL, under the lock: count, decide and insert in one statement (services/register_in_one.py);
    the same answers and errors as the general path."""
    for _attempt in range(2):
        try:
            outcome = register_in_one.decide_and_insert(reg, params, capacity=event.capacity, walk_in=walk_in,
                                                        approval=event.approval_required, codes=codes)
        except IntegrityError:
            raise Conflict(_("This invitation already has a registration.")) from None
        if outcome.taken is not None:
            raise _phone_conflict(outcome.taken)
        if not outcome.questions_changed:
            break
        # The questions changed since the answers were checked (their edits take the event lock, so they
        # hold still now): check again against them, then decide.
        event_questions, fingerprint = register_in_one.questions_and_fingerprint(event.id)
        checked.answers = questions.clean_answers(event, checked.raw_answers, require=not walk_in,
                                                  questions=event_questions)
        params.update(register_in_one.answer_parameters(checked.answers, fingerprint))
    if outcome.status is None:  # only a walk-in is refused rather than waitlisted
        _decided_status(event, reg.seats, outcome.confirmed, outcome.waiting, walk_in)  # raises CapacityFull
        raise AssertionError("the statement and _decided_status disagree")
    questions.remember_answers(reg, checked.answers)
    _mark_registered(checked.invitation, actor)
    return outcome.status


def register(*, invitation_token: str | None = None, event_id: int | None = None,
             organisation: dict | None = None,
             attendees: list[dict], consent: bool, client_ip: str | None = None,
             actor: User | None = None, idempotency_key: str | None = None,
             same_content: bool = True, walk_in: bool = False, answers: dict | None = None,
             window: bool = True) -> Registration:
    """Register attendees for an event, from an invitation or (open events) directly.

    Confirmed when the whole party fits and nobody is waiting, otherwise waitlisted whole;
    pending when the event needs approval. Raises NotFound (unknown invitation or event),
    Gone (event not published or cancelled), Invalid (input), Conflict (the invitation already
    has an active registration, or a phone number of an attendee has one for this event).

    `idempotency_key` (the API's Idempotency-Key header, the form's one-time token): a request with a
    key this event has seen gets that request's registration back, unchanged and without a second
    mail; with other content (when `same_content`, the API) it is refused.

    `walk_in` (services/walk_ins.py): a guest registered by door staff, for any published event (also
    invitation-only ones), confirmed at once or refused with CapacityFull — never waitlisted nor left
    pending: the guest is standing at the door. Nobody waiting is overtaken: with a waitlist, it is full.

    `answers` ({question id: value}) are checked with the other input (Invalid under `answers.<id>`)
    and stored with the registration (services/questions.py). With `window` (the public paths) the
    event's registration window is enforced: Gone outside it.

    The event lock is held only for the decision (see above `_Checked`): counting the seats, deciding
    the status and inserting. In a unit of work declared reads-then-writes (the API) the checks read
    without SQLite's write lock too."""
    # 1. check the request and prepare the registration, its tickets and its mails (no lock)
    checked = _check_request(invitation_token=invitation_token, event_id=event_id, organisation=organisation,
                             attendees=attendees, consent=consent, idempotency_key=idempotency_key,
                             walk_in=walk_in, answers=answers, window=window)
    replayed = _replayed(checked.event.id, checked.key, checked.digest, same_content)
    if replayed is not None:  # a retry of a registration made before: nothing to write, no lock
        return replayed
    org = _known_organisation(checked)
    reg = _prepared_registration(checked)
    codes = [tickets.new_code() for _person in checked.people]
    # (nobody to mail: nothing to render, and no seat count to guess the status by)
    mails = (_rendered_mails(reg, _likely_statuses(checked.event, reg.seats, walk_in), codes)
             if _registrant_address(reg) is not None else {})

    # 2. the writes begin (SQLite: the writer's turn); a new organisation is made before the event lock
    start_writing()
    if org is None:
        org = _new_organisation(checked, actor)
    reg.organisation = org
    params = _in_one_parameters(reg, checked, codes, actor, client_ip, walk_in) if _postgres() else None

    # 3. under the event lock: re-check what others may have changed, count, decide, insert
    decided: RegistrationStatus | Registration | None = None
    if params is not None and checked.invitation is None:
        # PostgreSQL: the lock and the decision in one round trip; anything but a plain success is
        # answered below, under the lock it took
        decided = register_in_one.lock_decide_and_insert(reg, params, walk_in=walk_in, codes=codes)
        if decided is not None:
            questions.remember_answers(reg, checked.answers)
    if decided is None:
        decided = _decide_under_lock(reg, checked, params, codes, actor, client_ip, walk_in, same_content)
    if isinstance(decided, Registration):  # a retry sent at once, answered with the first request's
        return decided
    status = decided

    # 4. queue confirmation messages (rendered in step 1; rendered now only if the lock decided otherwise)
    _queue(reg, mails[status] if status in mails else _compose(reg, _MAIL_KIND[status]))
    sms.queue_ticket(reg)  # the ticket link by SMS when the event sends it (a confirmed registration only)
    return reg


def _decide_under_lock(reg: Registration, checked: _Checked, params: dict[str, Any] | None, codes: list[str],
                       actor: User | None, client_ip: str | None, walk_in: bool,
                       same_content: bool) -> RegistrationStatus | Registration:
    """Lock the event (again: held already after `lock_decide_and_insert`), check what others may have
    changed, count, decide and insert; a retry sent at once gets the first request's registration."""
    event = lock_event(checked.event.id)
    replayed = _replayed(event.id, checked.key, checked.digest, same_content)  # again: a retry sent at once
    if replayed is not None:
        return replayed
    _ensure_open(event)
    if checked.invitation is not None:
        invitation = db.session.get_one(Invitation, checked.invitation.id, populate_existing=True)
        existing = active_registration(invitation)
        if existing is not None:
            raise Conflict(_("This invitation already has a registration."), existing_id=existing.id)
    if params is not None:
        status = _insert_in_one(reg, checked, event, params, codes, actor, walk_in)
    else:
        confirmed, waiting, taken = _seat_state(event.id, {p.phone for p in checked.people})
        if taken is not None:
            raise _phone_conflict(taken)
        # again under the lock: questions may have changed
        checked.answers = questions.clean_answers(event, checked.raw_answers, require=not walk_in)
        status = _decided_status(event, reg.seats, confirmed, waiting, walk_in)
        _with_status(reg, status, codes)
        _insert(reg, checked, actor, client_ip, walk_in)
    return status


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _relock(reg: Registration) -> tuple[Event, Registration]:
    """Lock the registration's event and read the registration afresh inside that lock."""
    reg_id, event_id = reg.id, reg.event_id
    event = lock_event(event_id)
    fresh = db.session.get(Registration, reg_id, populate_existing=True)
    if fresh is None:
        raise NotFound()
    return event, fresh


def _promote(event: Event, actor: User | None) -> list[Registration]:
    """Confirm waitlisted registrations from the head of the queue while the head fits whole.
    Caller holds the event lock. Mails the promoted."""
    if event.status is not EventStatus.published:
        return []
    promoted = []
    queue = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.waitlisted)
        .order_by(Registration.id)).all()
    for reg in queue:
        if not _fits(event, reg.seats):
            break  # no overtaking: whoever is behind waits for the head
        reg.status = RegistrationStatus.confirmed
        reg.confirmed_at = utcnow()
        tickets.assign(reg)
        db.session.flush()
        audit.record(actor, "registration.promote", "registration", reg.id,
                     {"status": {"from": "waitlisted", "to": "confirmed"}})
        promoted.append(reg)
    return promoted


def promote_waitlist(event: Event, actor: User | None = None) -> list[Registration]:
    """Fill freed seats from the waitlist in order of arrival; the promoted get their tickets by mail.
    Call after anything that frees seats or raises the capacity (it takes the event lock itself)."""
    event = lock_event(event.id)
    promoted = _promote(event, actor)
    for reg in promoted:
        _notify(reg, "promotion")
    return promoted


def _promote_and_notify(event: Event, actor: User | None, *, skip: Registration | None = None) -> list[Registration]:
    promoted = _promote(event, actor)
    for other in promoted:
        if other is not skip:
            _notify(other, "promotion")
    return promoted


def cancel_registration(reg: Registration, actor: User | None = None) -> Registration:
    """The registrant (or an organiser) cancels; freed seats go to the waitlist."""
    event, reg = _relock(reg)
    if reg.status is RegistrationStatus.cancelled:
        return reg
    if reg.status is RegistrationStatus.rejected:
        raise Conflict(_("This registration was declined and cannot be cancelled."))
    before = reg.status
    reg.status = RegistrationStatus.cancelled
    reg.cancelled_at = utcnow()
    if reg.invitation is not None and reg.invitation.status is InvitationStatus.registered:
        # The invitation can be used again; the invitee is no longer told about the event.
        reg.invitation.status = InvitationStatus.opened
    db.session.flush()
    audit.record(actor, "registration.cancel", "registration", reg.id,
                 {"status": {"from": before, "to": "cancelled"}})
    _notify(reg, "cancelled")
    _promote_and_notify(event, actor)
    return reg


def approve(reg: Registration, actor: User | None) -> Registration:
    """Approve a pending registration: confirmed when it fits whole now and nobody who arrived earlier
    is waiting, otherwise it joins the waitlist in its place of arrival."""
    event, reg = _relock(reg)
    if reg.status is not RegistrationStatus.pending:
        raise Conflict(_("Only registrations waiting for approval can be approved."))
    reg.status = RegistrationStatus.waitlisted
    reg.decided_at = utcnow()
    reg.decided_by_id = actor.id if actor else None
    db.session.flush()
    promoted = _promote_and_notify(event, actor, skip=reg)
    audit.record(actor, "registration.approve", "registration", reg.id,
                 {"status": {"from": "pending", "to": reg.status}})
    _notify(reg, "confirmation" if reg in promoted else "waitlisted")
    return reg


def reject(reg: Registration, reason: str | None, actor: User | None) -> Registration:
    """Decline a registration (pending, waitlisted or confirmed) with a reason told to the registrant."""
    reason = (reason or "").strip()[:2000] or None
    event, reg = _relock(reg)
    if reg.status not in ACTIVE_REGISTRATION:
        raise Conflict(_("Only active registrations can be declined."))
    before = reg.status
    reg.status = RegistrationStatus.rejected
    reg.decided_at = utcnow()
    reg.decided_by_id = actor.id if actor else None
    reg.decision_reason = reason
    db.session.flush()
    audit.record(actor, "registration.reject", "registration", reg.id,
                 {"status": {"from": before, "to": "rejected"}, "reason": reason})
    _notify(reg, "rejected")
    _promote_and_notify(event, actor)
    return reg


def _masked(phone: str | None) -> str | None:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 8 else phone


def checked_in_ids(reg: Registration) -> set[int]:
    """The registration's attendees with a check-in at the door (active, or undone: its history stays)."""
    ids = [a.id for a in reg.attendees if a.id is not None]
    if not ids:
        return set()
    return set(db.session.scalars(select(CheckIn.attendee_id).where(CheckIn.attendee_id.in_(ids)).distinct()))


def checked_in_message(name: str) -> str:
    return _("%(name)s has been checked in at the entrance and can no longer be removed or replaced.",
             name=name)


def _keep_checked_in(reg: Registration, people: list[AttendeeInput]) -> None:
    """One seat, one guest: an attendee who went through the door stays, under the same name and phone
    (else a new person would get the seat's ticket and walk in too). Their check-ins are history."""
    at_door = checked_in_ids(reg)
    if not at_door:
        return
    errors: dict[str, list[str]] = {}
    submitted = {person.id: (i, person) for i, person in enumerate(people) if person.id}
    for attendee in reg.attendees:
        if attendee.id not in at_door:
            continue
        found = submitted.get(attendee.id)
        if found is None:
            errors.setdefault("attendees", []).append(checked_in_message(attendee.name))
            continue
        i, person = found
        if (person.name, person.phone) != (attendee.name, attendee.phone):
            errors[f"attendees.{i}.name"] = [checked_in_message(attendee.name)]
    if errors:
        raise Invalid(errors)


def _newcomers(reg: Registration, people: list[AttendeeInput]) -> set[int]:
    """Positions of the people who are not already attendees of the registration: they have not consented
    yet. A new row, or a kept row given to another person (both name and phone changed); a corrected name
    or a changed phone of the same person is not a newcomer."""
    existing = {a.id: (a.name, a.phone) for a in reg.attendees}
    return {i for i, person in enumerate(people)
            if person.id not in existing
            or (existing[person.id][0] != person.name and existing[person.id][1] != person.phone)}


def update_attendees(reg: Registration, attendees: list[dict], actor: User | None = None, *,
                     consent: bool = False) -> Registration:
    """Replace the attendee list (1..seats). Kept attendees (by id) keep their tickets. A confirmed
    registration grows only into free seats; shrinking frees seats for the waitlist. An attendee
    checked in at the door can be neither removed nor replaced (Invalid, beside that attendee).
    A person added (or put in another's place) needs `consent` (PIPL), recorded on their row with the
    time and the notice's version, as at registration; without it, Invalid beside `consent`."""
    invitation = reg.invitation
    people = clean_attendees(attendees, max_attendees(reg.event, invitation))
    event, reg = _relock(reg)
    if reg.status not in ACTIVE_REGISTRATION:
        raise Conflict(_("This registration is no longer active."))
    if event.status is not EventStatus.published:
        raise Gone(_("Registration for this event is not open."))
    _keep_checked_in(reg, people)
    known = {a.phone for a in reg.attendees}
    for i, person in enumerate(people):
        if person.phone not in known and _phone_taken(event.id, {person.phone}, excluding=reg.id):
            raise Invalid({f"attendees.{i}.phone": [
                _("This phone number already has another registration for this event.")]})
    growth = len(people) - reg.seats
    if growth > 0 and questions.window_state(event) is not questions.Window.open:
        # After the window: attendees may still be replaced, corrected or removed, not added.
        raise Invalid({"attendees": [_("Registration has closed: attendees can still be changed or removed, "
                                       "but no more can be added.")]})
    if reg.status is RegistrationStatus.confirmed and growth > 0 and not _fits(event, growth):
        raise Invalid({"attendees": [_("Only %(n)d more seats are free.", n=seats_left(event) or 0)]})
    newcomers = _newcomers(reg, people)
    if newcomers and consent is not True:
        raise Invalid({"consent": [_("Please agree to the processing of the personal information of the "
                                     "attendees you add.")]})
    before = [{"name": a.name, "phone": _masked(a.phone), "title": a.title} for a in reg.attendees]
    existing = {a.id: a for a in reg.attendees}
    kept: list[Attendee] = []
    for position, person in enumerate(people):
        attendee = existing.pop(person.id, None) if person.id else None
        if attendee is None:
            attendee = Attendee(name=person.name)
        attendee.position = position
        attendee.name, attendee.phone, attendee.email, attendee.title = (person.name, person.phone, person.email,
                                                                         person.title)
        if position in newcomers:
            attendee.consent_at, attendee.consent_version = utcnow(), current_app.config["PRIVACY_POLICY_VERSION"]
        kept.append(attendee)
    reg.attendees = kept  # removed ones are deleted (delete-orphan)
    reg.seats = len(kept)
    db.session.flush()
    tickets.assign(reg)
    audit.record(actor, "registration.update_attendees", "registration", reg.id,
                 {"attendees": {"from": before,
                                "to": [{"name": a.name, "phone": _masked(a.phone), "title": a.title}
                                       for a in kept]},
                  **({"consent_version": current_app.config["PRIVACY_POLICY_VERSION"]} if newcomers else {})})
    if growth < 0 or reg.status is RegistrationStatus.waitlisted:
        _promote_and_notify(event, actor)
    if reg.status is RegistrationStatus.confirmed:
        _notify(reg, "updated")
    return reg


def open_invitation(token: str) -> Invitation:
    """The invitee opened the personal link: pending/sent → opened (once). The page reads, then
    writes only the first time (its unit of work is declared reads-then-writes)."""
    invitation = invitation_by_token(token)
    if invitation.status in (InvitationStatus.pending, InvitationStatus.sent):
        start_writing()
        invitation = db.session.get_one(Invitation, invitation.id, populate_existing=True)
    if invitation.status in (InvitationStatus.pending, InvitationStatus.sent):
        before = invitation.status
        invitation.status = InvitationStatus.opened
        invitation.opened_at = utcnow()
        audit.record(None, "invitation.open", "invitation", invitation.id,
                     {"status": {"from": before, "to": "opened"}})
        db.session.flush()
    return invitation


def decline_invitation(token: str) -> Invitation:
    """The invitee declines on the page. Someone already registered cancels the registration instead."""
    invitation = invitation_by_token(token)
    lock_event(invitation.event_id)
    invitation = db.session.get_one(Invitation, invitation.id, populate_existing=True)
    if active_registration(invitation) is not None:
        raise Conflict(_("You have registered; cancel the registration instead."))
    if invitation.status is not InvitationStatus.declined:
        before = invitation.status
        invitation.status = InvitationStatus.declined
        invitation.declined_at = utcnow()
        audit.record(None, "invitation.decline", "invitation", invitation.id,
                     {"status": {"from": before, "to": "declined"}})
    return invitation


# --- mail ------------------------------------------------------------------------------------------

def manage_url(reg: Registration) -> str:
    return urls.manage(reg.manage_token)


def ticket_urls(code: str) -> tuple[str, str]:
    return urls.ticket_images(code)


def _registrant_address(reg: Registration) -> str | None:
    """Where the registrant's mail goes: the invitation's contact, else the first attendee with an email;
    None: nobody gets a mail."""
    if reg.invitation is not None and reg.invitation.contact is not None and reg.invitation.contact.email:
        return reg.invitation.contact.email
    return next((a.email for a in reg.attendees if a.email), None)


def _compose(reg: Registration, kind: messages.RegistrationKind) -> list[_Mail]:
    """The registrant's mail (all tickets and the manage link) to the invitation's contact or the first
    attendee with an email; other attendees with their own address get their own ticket. Rendered only:
    `_queue` puts them in the outbox."""
    main = _registrant_address(reg)
    if main is None:
        return []
    confirmed = reg.status is RegistrationStatus.confirmed and kind in ("confirmation", "promotion", "updated")
    attachments = None
    if confirmed:
        attachments = [calendar.attachment(reg.event, extra_description=manage_url(reg))]
    rendered = [_Mail(main, messages.registration(kind, reg, list(reg.attendees), with_manage=True),
                      attachments, registrant=True)]
    if not confirmed or kind == "updated":
        return rendered
    sent = {main.lower()}
    for attendee in reg.attendees:
        if attendee.email and attendee.email.lower() not in sent:
            sent.add(attendee.email.lower())
            rendered.append(_Mail(attendee.email, messages.registration(kind, reg, [attendee], with_manage=False),
                                  [calendar.attachment(reg.event)], registrant=False))
    return rendered


def _queue(reg: Registration, rendered: list[_Mail]) -> None:
    """Put a registration's rendered mails in the outbox (the registration has its id)."""
    for item in rendered:
        mail.queue(item.to, item.message.subject, item.message.text, kind=item.message.kind,
                   body_html=item.message.html, attachments=item.attachments,
                   invitation_id=reg.invitation_id if item.registrant else None, registration_id=reg.id)


def _notify(reg: Registration, kind: messages.RegistrationKind) -> None:
    """Queue the registration's mails of `kind` (see `_compose`); a confirmation (or promotion) also queues
    the ticket link by SMS when the event sends it."""
    db.session.flush()
    if kind in ("confirmation", "promotion"):
        sms.queue_ticket(reg)
    _queue(reg, _compose(reg, kind))
