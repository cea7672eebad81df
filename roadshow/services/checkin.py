"""Check-in at the door: one service for the API and the door page.

Exactly once. At most one *active* check-in per attendee is a database rule, the partial unique
index ``uq_checkins_active_attendee``. A scan inserts a row inside a savepoint; when another device
won the race the insert fails with an IntegrityError, the savepoint is rolled back and the scan is
answered ``already_checked_in`` with the winner's time and device. No read-then-write window in
Python decides anything, so two doors, two gunicorn workers or two app servers on one PostgreSQL
cannot both win. The functions here flush and raise; the unit of work (roadshow/uow.py) commits.

A live scan is the hot path at the door, so it is short (`_live_scan`). One query reads the guest
(attendee, registration, organisation) and the guest's active check-in, if any; one statement decides —
an INSERT … SELECT … ON CONFLICT DO NOTHING that inserts only while the registration is still confirmed
for this event, the guest not erased and not checked in, and does nothing when the unique index
already holds an active check-in. On PostgreSQL the read, the deciding insert and the check-in's audit
row are ONE statement (data-modifying CTEs, `_scan_in_one`: one snapshot, so its re-check is the read),
then the commit. On SQLite the unit of work is declared *reads then writes*: the ticket is verified
and the guest read before the writer's turn, a guest already checked in is answered from that read
without the turn, and in the turn run only the deciding insert, the audit row and the commit
(`locks.start_writing()` between the read and the insert — the one documented exception to taking
the lock before the first statement). Nothing is read back after the commit: the answer is built
from what was read. Every other answer (unknown ticket, wrong event, not confirmed, a race lost to a
check-in not yet visible to the statement) goes the general way, `_check_in`, which answers the same
as ever.

Offline batches. A phone that lost the network queues scans with the time they were made and sends
them later. For each attendee the earliest ``scanned_at`` — in the batch or already stored — is the
check-in: an earlier offline scan replaces a later live one, whose row is kept as ``replaced``
history. Sending the same batch again changes nothing and answers the same, also after an undo: a scan
made before the guest's check-in was undone never brings it back (see `check_in_batch`).

Look-ups (API.md "At the door"). The door finds confirmed guests by a name fragment (at least
NAME_QUERY_MIN characters) or the phone's last four digits, and checks one in by attendee id
(`check_in_attendee`): the same deciding insert, the same unique index and the same answers as a scan,
recorded with method `lookup`, so a look-up at one door and a scan at another cannot both win. Offline
batches take attendee ids beside codes. Walk-ins (services/walk_ins.py) are checked in with method
`walk_in` by `admit_walk_in`, in the unit of work that registered them.

Door staff see the attendee's name, organisation and kind, and of the phone only its last four digits
(`phone_tail`); never a whole phone number or an e-mail.
"""
from __future__ import annotations

import unicodedata
from collections import namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import (
    Attendee,
    AuditEntry,
    CheckIn,
    CheckInMethod,
    CheckInStatus,
    Event,
    Organisation,
    OrgKind,
    Registration,
    RegistrationStatus,
    User,
)
from ..models.types import UTCDateTime, utcnow
from . import audit, driver, tickets, values
from .errors import Conflict, InvalidValue, NotFound
from .events import get_event
from .locks import start_writing

OK = "ok"
ALREADY = "already_checked_in"
UNKNOWN = "unknown_ticket"
WRONG_EVENT = "wrong_event"
NOT_CONFIRMED = "not_confirmed"

STATUS = {OK: 201, ALREADY: 409, UNKNOWN: 404, WRONG_EVENT: 422, NOT_CONFIRMED: 409}
DEVICE_MAX = 100
BATCH_MAX = 2000  # offline scans a door may sync at once


@dataclass
class ScanResult:
    """The answer to one scan, shaped by `as_dict` exactly as API.md "Check-in" says."""

    result: str
    attendee: Attendee | Guest | None = None
    checkin: CheckIn | None = None  # the new check-in (ok) or the one that was first (already)
    event: Event | None = None  # the ticket's own event (wrong_event)
    registration_status: str | None = None  # not_confirmed
    extra: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Built at once, while the objects are loaded: a commit or rollback afterwards expires them,
        # and reading them again would cost a query each.
        self.body = self._build()

    @property
    def status(self) -> int:
        return STATUS[self.result]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.body)

    def _build(self) -> dict[str, Any]:
        body: dict[str, Any] = {"result": self.result}
        if self.result == OK:
            checkin, attendee = self._checked_in()
            body["checkin"] = checkin_dict(checkin)
            body["attendee"] = attendee_dict(attendee)
        elif self.result == ALREADY:
            checkin, attendee = self._checked_in()
            body["first_checked_in_at"] = checkin.scanned_at.isoformat()
            body["device"] = checkin.device
            body["checkin_id"] = checkin.id
            body["attendee"] = attendee_dict(attendee)
        elif self.result == WRONG_EVENT:
            if self.event is None:
                raise ValueError("a wrong_event scan result needs the ticket's event")
            body["event"] = {"id": self.event.id, "title": self.event.title}
        elif self.result == NOT_CONFIRMED:
            body["status"] = self.registration_status
        body.update(self.extra)
        return body

    def _checked_in(self) -> tuple[CheckIn, Attendee | Guest]:
        if self.checkin is None or self.attendee is None:
            raise ValueError(f"an {self.result} scan result needs its check-in and attendee")
        return self.checkin, self.attendee


@dataclass(frozen=True)
class Guest:
    """What a live scan's answer shows of the guest, read by the scan's own statement (no ORM object)."""

    id: int
    name: str
    organisation: str
    kind: OrgKind


def attendee_dict(attendee: Attendee | Guest) -> dict[str, Any]:
    """What door staff may see of a guest: no phone, no e-mail."""
    if isinstance(attendee, Guest):
        return {"id": attendee.id, "name": attendee.name, "organisation": attendee.organisation,
                "kind": attendee.kind.value}
    org = attendee.registration.organisation
    return {"id": attendee.id, "name": attendee.name, "organisation": org.name, "kind": org.kind.value}


def checkin_dict(checkin: CheckIn) -> dict[str, Any]:
    method = checkin.method or CheckInMethod.scan  # a check-in built in Python before its flush
    return {"id": checkin.id, "scanned_at": checkin.scanned_at.isoformat(), "device": checkin.device,
            "method": method.value}


def _device(device: str | None) -> str | None:
    device = (device or "").strip()
    return device[:DEVICE_MAX] or None


def _scan_time(scanned_at: datetime | None, now: datetime) -> datetime:
    # A phone's clock may run ahead; a scan cannot have happened after the server received it.
    if scanned_at is None or scanned_at > now:
        return now
    return scanned_at


def _classify(event_id: int, code: object) -> ScanResult | Attendee:
    """The attendee a code checks in at this event, or the ScanResult refusing it; raises NotFound
    for an unknown event. One query when the ticket is for this event (its event then exists)."""
    return _admissible(event_id, tickets.find_attendee(code, with_organisation=True))


def _valid_id(attendee_id: object) -> int | None:
    if not isinstance(attendee_id, int) or isinstance(attendee_id, bool) or not 0 < attendee_id <= values.ID_MAX:
        return None
    return attendee_id


def _by_id(attendee_id: object) -> Attendee | None:
    """The attendee with this id (registration and organisation loaded in the same query), or None."""
    if _valid_id(attendee_id) is None:
        return None
    return db.session.scalar(
        select(Attendee).join(Attendee.registration).join(Registration.organisation)
        .where(Attendee.id == attendee_id)
        .options(contains_eager(Attendee.registration).contains_eager(Registration.organisation)))


def _classify_id(event_id: int, attendee_id: object) -> ScanResult | Attendee:
    """As `_classify`, for a guest found by look-up: an unknown id is answered like an unknown ticket."""
    return _admissible(event_id, _by_id(attendee_id))


def _admissible(event_id: int, attendee: Attendee | None) -> ScanResult | Attendee:
    if attendee is None or attendee.erased_at is not None or attendee.registration.event_id != event_id:
        get_event(event_id)
    if attendee is None or attendee.erased_at is not None:
        return ScanResult(UNKNOWN)
    registration = attendee.registration
    if registration.event_id != event_id:
        return ScanResult(WRONG_EVENT, event=registration.event)
    if registration.status is not RegistrationStatus.confirmed:
        return ScanResult(NOT_CONFIRMED, registration_status=registration.status.value)
    return attendee


def _active(attendee_id: int, lock: bool = False) -> CheckIn | None:
    stmt = select(CheckIn).where(CheckIn.attendee_id == attendee_id, CheckIn.status == CheckInStatus.active)
    if lock and db.engine.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt.execution_options(populate_existing=True))


def _insert(event_id: int, attendee: Attendee, scanned_at: datetime, device: str | None,
            actor: User | None, method: CheckInMethod = CheckInMethod.scan) -> CheckIn | None:
    """Insert an active check-in; None when the unique index says one exists already."""
    checkin = CheckIn(event_id=event_id, attendee_id=attendee.id, status=CheckInStatus.active,
                      scanned_at=scanned_at, device=device, method=method, user_id=actor.id if actor else None)
    try:
        with db.session.begin_nested():
            db.session.add(checkin)
    except IntegrityError:
        return None
    return checkin


@cache
def _deciding_insert(dialect_name: str):
    # Built once per dialect: the statement is the same for every scan, only its values change.
    still_valid = exists().where(Attendee.id == bindparam("attendee_id"), Attendee.erased_at.is_(None),
                                 Registration.id == Attendee.registration_id,
                                 Registration.event_id == bindparam("event_id"),
                                 Registration.status == RegistrationStatus.confirmed)
    row = select(bindparam("event_id", type_=Integer), bindparam("attendee_id", type_=Integer),
                 literal(CheckInStatus.active.value), bindparam("scanned_at", type_=UTCDateTime),
                 bindparam("device", type_=String), bindparam("method", type_=String),
                 bindparam("user_id", type_=Integer), bindparam("created_at", type_=UTCDateTime)).where(still_valid)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = CheckIn.__table__  # a Core statement: with values given, an ORM insert would be a bulk insert
    return (dialect.insert(table)
            .from_select(["event_id", "attendee_id", "status", "scanned_at", "device", "method", "user_id",
                          "created_at"], row)
            .on_conflict_do_nothing(index_elements=["attendee_id"], index_where=text("status = 'active'"))
            .returning(table.c.id))


def _insert_if_still_valid(event_id: int, attendee_id: int, scanned_at: datetime, device: str | None,
                           actor_id: int | None, now: datetime,
                           method: CheckInMethod = CheckInMethod.scan) -> int | None:
    """The one statement that decides a live scan: insert the active check-in while the guest's
    registration is still confirmed for this event and the guest not erased; nothing when an
    active check-in exists (the unique index). The new check-in's id, or None."""
    return db.session.scalar(_deciding_insert(db.engine.dialect.name), {
        "event_id": event_id, "attendee_id": attendee_id, "scanned_at": scanned_at, "device": device,
        "method": method.value, "user_id": actor_id, "created_at": now})


def _created(attendee_id: int, event_id: int, when: datetime, device: str | None,
             method: CheckInMethod) -> dict[str, Any]:
    """The payload of a live check-in's audit entry (`checkin.create`)."""
    return {"attendee_id": attendee_id, "event_id": event_id, "scanned_at": when, "device": device,
            "method": method.value}


def _tables() -> tuple[Table, ...]:
    # A declarative class's __table__ is annotated FromClause; these are Tables (Core statements).
    return tuple(_table(m) for m in (Attendee, Registration, Organisation, CheckIn, AuditEntry))


def _table(model: Any) -> Table:
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model} is not mapped to a table")
    return table


@cache
def _guest(by: str):
    """The guest a live scan names (`by` "code": the ticket code; "attendee_id": a look-up) with what
    its answer needs — name, organisation, the registration's event and status — and the guest's
    active check-in, if any: one query, built once."""
    a, r, o, c, _log = _tables()
    first = c.alias("first_checkin")
    key = a.c.ticket_code if by == "code" else a.c.id
    return (select(a.c.id.label("attendee_id"), a.c.name, a.c.erased_at, r.c.event_id, r.c.status,
                   o.c.name.label("organisation"), o.c.kind, first.c.id.label("first_id"),
                   first.c.scanned_at.label("first_scanned_at"), first.c.device.label("first_device"),
                   first.c.method.label("first_method"), first.c.user_id.label("first_user_id"),
                   first.c.event_id.label("first_event_id"), first.c.created_at.label("first_created_at"))
            .select_from(a.join(r, r.c.id == a.c.registration_id).join(o, o.c.id == r.c.organisation_id)
                         .outerjoin(first, and_(first.c.attendee_id == a.c.id,
                                                first.c.status == CheckInStatus.active)))
            .where(key == bindparam("key")))


_AUDITED = tuple(_created(0, 0, utcnow(), None, CheckInMethod.scan))  # its keys, in its order
_FROM_STATEMENT = ("attendee_id", "event_id")  # what `_scan_in_one` fills in itself; the rest is bound


@cache
def _scan_in_one(by: str):
    """PostgreSQL: a live scan in one statement. The guest read (`_guest`), the deciding insert
    (``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``: only while the registration is confirmed for
    this event, the guest not erased and not checked in; the unique index decides a race) and the audit
    row of the check-in it inserted, as data-modifying CTEs; the answer is the guest's row with the new
    check-in's id. One snapshot for the whole statement: the re-check and the insert are as one, as
    the deciding insert's own EXISTS was."""
    _a, _r, _o, c, log = _tables()
    guest = _guest(by).cte("guest")
    event_id = bindparam("event_id", type_=Integer)
    admissible = (select(event_id, guest.c.attendee_id, literal(CheckInStatus.active.value),
                         bindparam("scanned_at", type_=UTCDateTime), bindparam("device", type_=String),
                         bindparam("method", type_=String), bindparam("user_id", type_=Integer),
                         bindparam("created_at", type_=UTCDateTime))
                  .where(guest.c.erased_at.is_(None), guest.c.event_id == event_id,
                         guest.c.status == RegistrationStatus.confirmed, guest.c.first_id.is_(None)))
    inserted = (postgresql.insert(c)
                .from_select(["event_id", "attendee_id", "status", "scanned_at", "device", "method", "user_id",
                              "created_at"], admissible)
                .on_conflict_do_nothing(index_elements=["attendee_id"], index_where=text("status = 'active'"))
                .returning(c.c.id, c.c.attendee_id)
                .cte("inserted"))
    # The payload as `audit.entry_values` makes it plain, but with the attendee the statement found.
    # (psycopg's dialect casts every typed bind parameter, so json_build_object knows their types.)
    values = {"attendee_id": inserted.c.attendee_id, "event_id": event_id,
              **{k: bindparam(f"audit_{k}", type_=String) for k in _AUDITED if k not in _FROM_STATEMENT}}
    payload = func.json_build_object(*(part for key in _AUDITED for part in (literal_column(f"'{key}'"), values[key])))
    audited = (log.insert()
               .from_select(["at", "user_id", "actor", "action", "entity_type", "entity_id", "changes"],
                            select(bindparam("created_at", type_=UTCDateTime), bindparam("user_id", type_=Integer),
                                   bindparam("actor", type_=String), bindparam("action", type_=String),
                                   bindparam("entity_type", type_=String), inserted.c.id, payload))
               .returning(log.c.id)
               .cte("audited"))
    return (select(guest, inserted.c.id.label("new_id"), audited.c.id.label("audit_id"))
            .select_from(guest.outerjoin(inserted, true()).outerjoin(audited, true())))


@cache
def _scan_compiled(by: str, dialect: Any) -> tuple[Any, list[Any], Any]:
    """`_scan_in_one` compiled once, sent through psycopg (services/driver.py): its result processors and a
    row type whose fields are the statement's columns."""
    compiled = _scan_in_one(by).compile(dialect=dialect)
    row_of = namedtuple("ScanRow", [column.keyname for column in compiled._result_columns])  # type: ignore
    return compiled, driver.result_processors(compiled), row_of


def _live_scan(event_id: int, by: str, key: object, method: CheckInMethod, device: str | None,
               scanned_at: datetime | None, actor: User | None) -> ScanResult | None:
    """The hot path of a scan: its answer when the guest is admissible and the scan decided
    (ok, or already checked in); None for everything else (unknown, wrong event, not confirmed, a
    race lost to a check-in not yet visible), which `_check_in` answers.

    PostgreSQL: one statement (`_scan_in_one`), then the commit. SQLite: the guest read, before the
    writer's turn (a guest checked in already is answered from it, without the turn); in the turn
    only the deciding insert and its audit row (then the commit)."""
    key = tickets.authentic_code(key) if by == "code" else _valid_id(key)
    if key is None:
        return None
    now = utcnow()
    when, device = _scan_time(scanned_at, now), _device(device)
    actor_id = actor.id if actor else None
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        start_writing()
        entry = audit.entry_values(actor, "checkin.create", "checkin", None,
                                   _created(0, event_id, when, device, method))
        connection = db.session.connection()
        compiled, processors, row_of = _scan_compiled(by, connection.dialect)
        found = driver.fetch_one(connection, compiled, processors, {
            "key": key, "event_id": event_id, "scanned_at": when, "device": device, "method": method.value,
            "user_id": actor_id, "created_at": now, "actor": entry["actor"], "action": entry["action"],
            "entity_type": entry["entity_type"],
            **{f"audit_{k}": v for k, v in entry["changes"].items() if k not in _FROM_STATEMENT}})
        row = None if found is None else row_of(*found)
    else:
        row = db.session.execute(_guest(by), {"key": key}).one_or_none()
    if (row is None or row.erased_at is not None or row.event_id != event_id
            or row.status is not RegistrationStatus.confirmed):
        return None
    guest = Guest(id=row.attendee_id, name=row.name, organisation=row.organisation, kind=row.kind)
    if row.first_id is not None:
        first = CheckIn(id=row.first_id, event_id=row.first_event_id, attendee_id=row.attendee_id,
                        status=CheckInStatus.active, scanned_at=row.first_scanned_at, device=row.first_device,
                        method=row.first_method, user_id=row.first_user_id, created_at=row.first_created_at)
        return ScanResult(ALREADY, attendee=guest, checkin=first)  # `first` stays outside the session
    if postgres:
        checkin_id = row.new_id
    else:
        start_writing()  # SQLite: the writer's turn starts here, after the read
        checkin_id = _insert_if_still_valid(event_id, row.attendee_id, when, device, actor_id, now, method)
        if checkin_id is not None:
            audit.write(actor, "checkin.create", "checkin", checkin_id,
                        _created(row.attendee_id, event_id, when, device, method))
    if checkin_id is None:
        return None
    checkin = CheckIn(id=checkin_id, event_id=event_id, attendee_id=row.attendee_id, status=CheckInStatus.active,
                      scanned_at=when, device=device, method=method, user_id=actor_id, created_at=now)
    return ScanResult(OK, attendee=guest, checkin=checkin)  # `checkin` stays outside the session


def check_in(event_id: int, code: object, device: str | None = None, scanned_at: datetime | None = None,
             actor: User | None = None) -> ScanResult:
    """Check the holder of `code` in at event `event_id`, exactly once.

    Raises NotFound for an unknown event; every answer about the ticket is a ScanResult."""
    return (_live_scan(event_id, "code", code, CheckInMethod.scan, device, scanned_at, actor)
            or _check_in(event_id, lambda: _classify(event_id, code), CheckInMethod.scan, device, scanned_at,
                         actor))


def check_in_attendee(event_id: int, attendee_id: object, device: str | None = None,
                      scanned_at: datetime | None = None, actor: User | None = None) -> ScanResult:
    """Check in a guest found by look-up (by attendee id), recorded as `lookup`: the same answers and the
    same exactly-once rule as a scan (the deciding insert and the unique index are the same), so a
    look-up at one door and a scan at another cannot both win. An unknown id is `unknown_ticket`."""
    return (_live_scan(event_id, "attendee_id", attendee_id, CheckInMethod.lookup, device, scanned_at, actor)
            or _check_in(event_id, lambda: _classify_id(event_id, attendee_id), CheckInMethod.lookup, device,
                         scanned_at, actor))


def _check_in(event_id: int, classify, method: CheckInMethod, device: str | None, scanned_at: datetime | None,
              actor: User | None) -> ScanResult:
    """Every answer the hot path (`_live_scan`) leaves: refusals, and a race it could not settle."""
    for _attempt in range(4):
        found = classify()
        if isinstance(found, ScanResult):
            return found
        attendee, now = found, utcnow()
        when, device = _scan_time(scanned_at, now), _device(device)
        start_writing()  # SQLite: the writer's turn starts here, after the read
        checkin_id = _insert_if_still_valid(event_id, attendee.id, when, device, actor.id if actor else None,
                                            now, method)
        if checkin_id is not None:
            checkin = CheckIn(id=checkin_id, event_id=event_id, attendee_id=attendee.id,
                              status=CheckInStatus.active, scanned_at=when, device=device, method=method,
                              user_id=actor.id if actor else None, created_at=now)
            audit.write(actor, "checkin.create", "checkin", checkin_id,
                        _created(attendee.id, event_id, when, device, method))
            return ScanResult(OK, attendee=attendee, checkin=checkin)  # `checkin` stays outside the session
        # Checked in already, or the registration changed since the read. The check-in that won is
        # committed, so it is visible (PostgreSQL reads committed rows per statement; on SQLite we hold
        # the write lock, so our snapshot is the latest).
        first = _active(attendee.id)
        if first is not None:
            return ScanResult(ALREADY, attendee=attendee, checkin=first)
        db.session.expire_all()  # classify again, afresh: cancelled, erased, or an undo in between
    raise Conflict()


@dataclass
class Scan:
    """One offline scan: a ticket's `code`, or the `attendee_id` of a guest found by look-up."""

    code: object = None
    scanned_at: datetime | None = None
    device: str | None = None
    attendee_id: object = None

    @property
    def method(self) -> CheckInMethod:
        return CheckInMethod.scan if self.attendee_id is None else CheckInMethod.lookup


def check_in_batch(event_id: int, scans: Iterable[Scan | dict], actor: User | None = None) -> list[ScanResult]:
    """Offline scans synced later: results in input order.

    Per attendee the earliest scan, in the batch or stored, is the check-in; an earlier scan
    from the batch replaces a later stored one (kept as `replaced`). A scan equal to the stored
    check-in (same attendee, time and device) is answered `ok` again, so a batch re-sent after a
    lost response changes nothing and answers the same.

    After an undo. A scan made at or before the attendee's latest undo (`scanned_at` <= the undone
    check-in's `ended_at`) was handled and then undone: it never checks the guest in again, nor replaces
    a check-in made since. The scan that *is* the undone check-in (same time and device, i.e. the batch
    replayed) is answered as the first time, `ok` with that check-in; any other such scan is
    `already_checked_in` naming it. Both carry `"checkin_status": "undone"`, so the door can tell the
    guest is not in now. Scans made after the undo count as usual."""
    batch = [s if isinstance(s, Scan) else Scan(**s) for s in scans]
    get_event(event_id)
    now = utcnow()
    results: dict[int, ScanResult] = {}  # by index in the batch; every index gets one below
    by_attendee: dict[int, list[int]] = {}
    attendees: dict[int, Attendee] = {}
    times: list[datetime] = []
    for index, scan in enumerate(batch):
        times.append(_scan_time(scan.scanned_at, now))
        found = (_classify(event_id, scan.code) if scan.attendee_id is None
                 else _classify_id(event_id, scan.attendee_id))
        if isinstance(found, ScanResult):
            results[index] = found
            continue
        attendees[found.id] = found
        by_attendee.setdefault(found.id, []).append(index)

    for attendee_id, indexes in by_attendee.items():
        attendee = attendees[attendee_id]
        undone = _last_undo(attendee_id)
        if undone is not None:
            # Scans made before the undo were handled (or would have been) and then undone.
            undone_at = undone.ended_at or undone.scanned_at  # an undone check-in always has ended_at
            handled = [i for i in indexes if times[i] <= undone_at]
            for index in handled:
                same = times[index] == undone.scanned_at and _device(batch[index].device) == undone.device
                results[index] = ScanResult(OK if same else ALREADY, attendee=attendee, checkin=undone,
                                            extra={"checkin_status": CheckInStatus.undone.value})
            indexes = [i for i in indexes if i not in handled]
            if not indexes:
                continue
        # Earliest first; the input order breaks ties.
        first = min(indexes, key=lambda i: (times[i], i))
        when, device = times[first], _device(batch[first].device)
        winner = _settle(event_id, attendee, when, device, actor, now, batch[first].method)
        for index in indexes:
            same = index == first and winner.scanned_at == when and winner.device == device
            results[index] = ScanResult(OK if same else ALREADY, attendee=attendee, checkin=winner)
    return [results[index] for index in range(len(batch))]


def _last_undo(attendee_id: int) -> CheckIn | None:
    """The attendee's most recently undone check-in, if any."""
    return db.session.scalar(
        select(CheckIn).where(CheckIn.attendee_id == attendee_id, CheckIn.status == CheckInStatus.undone,
                              CheckIn.ended_at.is_not(None))
        .order_by(CheckIn.ended_at.desc(), CheckIn.id.desc()).limit(1))


def _settle(event_id: int, attendee: Attendee, when: datetime, device: str | None, actor: User | None,
            now: datetime, method: CheckInMethod = CheckInMethod.scan) -> CheckIn:
    """Make the earliest of `when` and the stored active check-in the active one; return it."""
    for _attempt in range(3):
        stored = _active(attendee.id, lock=True)
        if stored is not None and stored.scanned_at <= when:
            return stored
        if stored is not None:
            stored.status = CheckInStatus.replaced
            stored.ended_at = now
            db.session.flush()
            audit.record(actor, "checkin.replace", "checkin", stored.id,
                         {"status": {"from": "active", "to": "replaced"}, "by_scanned_at": when})
        checkin = _insert(event_id, attendee, when, device, actor, method)
        if checkin is not None:
            audit.record(actor, "checkin.create", "checkin", checkin.id,
                         {"attendee_id": attendee.id, "event_id": event_id, "scanned_at": when,
                          "device": device, "method": method.value, "offline": True})
            return checkin
        # A live scan committed in between: compare with it.
    raise Conflict()


def undo(checkin_id: int, actor: User | None = None) -> CheckIn:
    """Undo an active check-in (the guest may be scanned again); audited."""
    checkin = db.session.get(CheckIn, checkin_id, populate_existing=True)
    if checkin is None:
        raise NotFound()
    if checkin.status is not CheckInStatus.active:
        raise Conflict(_("This check-in was already undone or replaced."), checkin_status=checkin.status.value)
    checkin.status = CheckInStatus.undone
    checkin.ended_at = utcnow()
    audit.record(actor, "checkin.undo", "checkin", checkin.id,
                 {"status": {"from": "active", "to": "undone"}, "attendee_id": checkin.attendee_id})
    db.session.flush()
    return checkin


def list_checkins(event: Event, since: datetime | None = None, *, offset: int = 0,
                  limit: int | None = None) -> tuple[list[CheckIn], int]:
    """The event's check-ins changed at or after `since` (created, undone or replaced), oldest
    first, with the attendee and organisation loaded; and how many there are."""
    where = [CheckIn.event_id == event.id]
    if since is not None:
        where.append(or_(CheckIn.created_at >= since, CheckIn.ended_at >= since))
    total = db.session.execute(select(func.count(CheckIn.id)).where(*where)).scalar_one()
    stmt = (select(CheckIn).where(*where).order_by(CheckIn.created_at, CheckIn.id)
            .options(joinedload(CheckIn.attendee).joinedload(Attendee.registration)
                     .joinedload(Registration.organisation)).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique()), total


def recent(event: Event, limit: int = 20) -> list[CheckIn]:
    """The latest active check-ins, newest first (the live view)."""
    return list(db.session.scalars(
        select(CheckIn).where(CheckIn.event_id == event.id, CheckIn.status == CheckInStatus.active)
        .order_by(CheckIn.scanned_at.desc(), CheckIn.id.desc()).limit(limit)
        .options(joinedload(CheckIn.attendee).joinedload(Attendee.registration)
                 .joinedload(Registration.organisation))).unique())


@dataclass
class Counts:
    registered: int
    checked_in: int
    by_kind: dict[OrgKind, tuple[int, int]]  # kind → (registered, checked in), kinds with guests only


def counts(event: Event) -> Counts:
    """Confirmed attendees and how many of them are checked in, in total and per organisation kind."""
    active = (select(CheckIn.attendee_id).where(CheckIn.event_id == event.id,
                                                CheckIn.status == CheckInStatus.active).subquery())
    rows = db.session.execute(
        select(Organisation.kind, func.count(Attendee.id), func.count(active.c.attendee_id))
        .select_from(Attendee)
        .join(Registration, Attendee.registration_id == Registration.id)
        .join(Organisation, Registration.organisation_id == Organisation.id)
        .outerjoin(active, active.c.attendee_id == Attendee.id)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed,
               Attendee.erased_at.is_(None))
        .group_by(Organisation.kind)).all()
    by_kind = {kind: (registered, checked) for kind, registered, checked in rows}
    ordered = {kind: by_kind[kind] for kind in OrgKind if kind in by_kind}
    return Counts(registered=sum(r for r, _c in by_kind.values()), checked_in=sum(c for _r, c in by_kind.values()),
                  by_kind=ordered)


# --- look-up at the door: by a name fragment or the phone's last four digits -----------------------

LOOKUP_LIMIT = 10
NAME_QUERY_MIN = 2  # one character (a surname) matches half the room; two narrow it to a few guests
PHONE_TAIL = 4  # digits of the phone shown and searched; never more


@dataclass(frozen=True)
class Found:
    """A confirmed guest as the door may see them: the phone's last four digits only."""

    attendee_id: int
    name: str
    organisation: str
    kind: str
    phone_tail: str | None
    checked_in: bool

    def as_dict(self) -> dict[str, Any]:
        return {"attendee_id": self.attendee_id, "name": self.name, "organisation": self.organisation,
                "kind": self.kind, "phone_tail": self.phone_tail, "checked_in": self.checked_in}


def phone_tail(phone: str | None) -> str | None:
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits[-PHONE_TAIL:] if len(digits) >= PHONE_TAIL else None


def clean_lookup_query(value: object) -> str:
    """The door's look-up text: at least NAME_QUERY_MIN characters of a name, or exactly the phone's last
    PHONE_TAIL digits (full-width digits and spaces are normalised). InvalidValue on `q` otherwise."""
    q = " ".join(unicodedata.normalize("NFKC", str(value or "")).split())
    if q.isdigit():
        if len(q) != PHONE_TAIL:
            raise InvalidValue("q", _("Type the last %(n)d digits of the phone number.", n=PHONE_TAIL))
        return q
    if len(q) < NAME_QUERY_MIN:
        raise InvalidValue("q", _("Type at least %(n)d characters of the name, or the last %(digits)d digits "
                                  "of the phone number.", n=NAME_QUERY_MIN, digits=PHONE_TAIL))
    if len(q) > values.PERSON_NAME_MAX:
        raise InvalidValue("q", values.too_long(values.PERSON_NAME_MAX))
    return q


def _guests(event_id: int):
    active = exists().where(CheckIn.attendee_id == Attendee.id, CheckIn.status == CheckInStatus.active)
    return (select(Attendee.id, Attendee.name, Organisation.name, Organisation.kind, Attendee.phone,
                   active.label("checked_in"))
            .join(Registration, Attendee.registration_id == Registration.id)
            .join(Organisation, Registration.organisation_id == Organisation.id)
            .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.confirmed,
                   Attendee.erased_at.is_(None)))


def _found(rows) -> list[Found]:
    # The whole number is read to cut its tail here and goes no further.
    return [Found(attendee_id=id_, name=name, organisation=org, kind=kind.value, phone_tail=phone_tail(phone),
                  checked_in=bool(checked)) for id_, name, org, kind, phone, checked in rows]


def lookup(event_id: int, q: object, limit: int = LOOKUP_LIMIT) -> tuple[list[Found], bool]:
    """Up to `limit` confirmed guests of the event whose name contains `q` (any case), or — `q` being
    four digits — whose phone ends with them; exact names first. And whether there were more."""
    query = clean_lookup_query(q)
    get_event(event_id)
    match = func.lower(Attendee.name).contains(query.lower(), autoescape=True)
    if query.isdigit():
        match = or_(match, Attendee.phone.endswith(query, autoescape=True))
    rows = db.session.execute(
        _guests(event_id).where(match)
        .order_by((Attendee.name == query).desc(), Registration.id, Attendee.position)
        .limit(limit + 1)).all()
    return _found(rows[:limit]), len(rows) > limit


def roster(event: Event) -> list[Found]:
    """Every confirmed guest of the event as the door may see them: what the door page keeps on the
    phone to answer look-ups while offline (names, organisations and phone tails; never a whole number)."""
    return _found(db.session.execute(_guests(event.id).order_by(Registration.id, Attendee.position)).all())


def admit_walk_in(registration: Registration, device: str | None = None, actor: User | None = None,
                  scanned_at: datetime | None = None) -> list[CheckIn]:
    """Check in every attendee of a registration just made at the door, recorded as `walk_in`. The
    caller holds the event's lock and made the registration in this unit of work, so nobody else can
    have checked these guests in; the unique index still says so if that were ever untrue."""
    when, device = _scan_time(scanned_at, utcnow()), _device(device)
    admitted = []
    for attendee in registration.attendees:
        checkin = _insert(registration.event_id, attendee, when, device, actor, CheckInMethod.walk_in)
        if checkin is None:
            raise Conflict()
        audit.record(actor, "checkin.create", "checkin", checkin.id,
                     {"attendee_id": attendee.id, "event_id": registration.event_id, "scanned_at": when,
                      "device": device, "method": CheckInMethod.walk_in.value})
        admitted.append(checkin)
    return admitted


def active_of(registration: Registration) -> list[CheckIn]:
    """The active check-ins of a registration's attendees."""
    ids = [a.id for a in registration.attendees]
    return list(db.session.scalars(select(CheckIn).where(CheckIn.attendee_id.in_(ids),
                                                         CheckIn.status == CheckInStatus.active)
                                   .order_by(CheckIn.id)))
