"""PostgreSQL: a registration decided and written in one statement under the event lock (issue 19).

A burst of registrations for one event queues on the event row's lock, so what runs while it is held
sets the burst's pace. On PostgreSQL that is two round trips: the lock sent together with this statement
(psycopg's pipeline mode, `lock_decide_and_insert`: the server runs the statement as soon as it grants the
lock, without waiting for this process to be scheduled again), and the commit. The statement, a chain of
data-modifying CTEs read in the snapshot taken after the lock (each statement of a READ COMMITTED
transaction takes its own):

- reads the event's capacity and approval from the locked row, and inserts nothing when the event is no
  longer published or the request's key (Idempotency-Key, the form's token) has a registration meanwhile;
- counts the confirmed seats, sees whether anyone is waiting and whether an attendee's phone number
  already has an active registration of the event, and compares the event's questions with the ones the
  answers were checked against (`questions_and_fingerprint`, read with them before the lock);
- decides the status as `registration._decided_status` does (walk-in: confirmed or nothing);
- inserts the registration, its attendees (ticket codes only when confirmed), its answers and their
  audit rows, and the registration's audit row — the payload of the status decided, made before the lock;
- lets the commit release the lock before the disk has it (`locks.RELEASE_BEFORE_FLUSH`: the unit of work
  waits for the disk after the commit, before it answers).

When it inserts nothing, the caller (holding the lock now) takes the general path under it: `lock_event`
reads the event afresh, and `decide_and_insert` runs the statement with the event's values as parameters; its
answer says why it inserts nothing (a phone taken, the walk-in refused, the questions changed), and the
caller raises the same errors as on SQLite, or checks the answers again and repeats. A registration from an
invitation takes that path from the start (the invitation is read again under the lock).
The objects the caller prepared are then made persistent as they are (no read back): the mail, the SMS
and the answer are built from them. SQLite keeps the general path (`registration._insert`): its writer's
turn is in-process and serial anyway.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    Integer,
    Select,
    String,
    TextClause,
    bindparam,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db
from ..models import Question, Registration, RegistrationStatus
from ..models.types import UTCDateTime
from . import driver
from .locks import RELEASE_BEFORE_FLUSH, durable_after_commit

# The questions' rules an answer is checked against (not their labels or order), as one text. The same
# expression is read with the questions before the lock (`questions_and_fingerprint`) and compared inside
# the statement; {event} is the event id's expression.
_FINGERPRINT_OF = """coalesce((SELECT md5(string_agg(q.id::text || '|' || q.kind || '|' || q.required::text || '|'
                                                    || coalesce(q.options::text, ''), ',' ORDER BY q.id))
                                FROM questions q WHERE q.event_id = {event}), '')"""
_FINGERPRINT = _FINGERPRINT_OF.format(event=":event_id")

_ACTIVE = "('pending', 'confirmed', 'waitlisted')"

_STATEMENT = f"""
WITH {{event}}state AS MATERIALIZED (  -- (once: `fits` reads its columns twice)
    SELECT (SELECT coalesce(sum(r.seats), 0) FROM registrations r
             WHERE r.event_id = :event_id AND r.status = 'confirmed') AS confirmed,
           EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = :event_id AND r.status = 'waitlisted') AS waiting,
           -- the attendees with those numbers first, each one's registration then (not every registration of
           -- the event: a subquery per attendee is not flattened into a join the planner could turn around)
           (SELECT a.phone FROM attendees a
             WHERE a.phone = ANY(:phones)
               AND (SELECT r.event_id = :event_id AND r.status IN {_ACTIVE} FROM registrations r
                     WHERE r.id = a.registration_id)
             LIMIT 1) AS taken,
           {_FINGERPRINT} <> :fingerprint AS questions_changed
), fits AS (
    SELECT state.*{{event_columns}},
           NOT waiting AND ({{capacity}} IS NULL OR confirmed + :seats <= {{capacity}}) AS fits
      FROM state{{event_from}}
), decided AS (
    SELECT CASE WHEN :walk_in THEN CASE WHEN fits THEN 'confirmed' END
                WHEN {{approval}} THEN 'pending'
                WHEN fits THEN 'confirmed'
                ELSE 'waitlisted' END AS status
      FROM fits WHERE taken IS NULL AND NOT questions_changed{{event_open}}
), reg AS (
    INSERT INTO registrations (event_id, invitation_id, organisation_id, status, seats, manage_token, consent_at,
                               consent_version, created_at, confirmed_at, idempotency_key, idempotency_hash)
    SELECT :event_id, :invitation_id, :organisation_id, status, :seats, :manage_token, :now, :consent_version, :now,
           CASE WHEN status = 'confirmed' THEN :now END, :idempotency_key, :idempotency_hash
      FROM decided WHERE status IS NOT NULL
    RETURNING id, status
), att AS (
    INSERT INTO attendees (registration_id, position, name, phone, email, title, ticket_code, created_at)
    SELECT reg.id, p.position, p.name, p.phone, p.email, p.title,
           CASE WHEN reg.status = 'confirmed' THEN p.code END, :now
      FROM reg, unnest(:positions, :names, :attendee_phones, :emails, :titles, :codes)
                AS p(position, name, phone, email, title, code)
    RETURNING id, position
), ans AS (
    INSERT INTO answers (registration_id, question_id, value, created_at)
    SELECT reg.id, g.question_id, CAST(g.value AS json), :now
      FROM reg, unnest(:question_ids, :answer_values) AS g(question_id, value)
    RETURNING question_id, value
), ans_audit AS (  -- (a data-modifying CTE runs to completion whether or not it is read)
    INSERT INTO audit_log (at, user_id, actor, action, entity_type, entity_id, changes)
    SELECT :now, NULL, 'system', 'registration.answers', 'registration', reg.id,
           json_build_object('answers', json_object_agg(ans.question_id::text, ans.value ORDER BY ans.question_id))
      FROM reg, ans GROUP BY reg.id
    RETURNING id
), reg_audit AS (
    INSERT INTO audit_log (at, user_id, actor, action, entity_type, entity_id, changes)
    SELECT :now, :user_id, :actor, 'registration.create', 'registration', reg.id,
           CAST(CASE reg.status WHEN 'confirmed' THEN :changes_confirmed WHEN 'waitlisted' THEN :changes_waitlisted
                                ELSE :changes_pending END AS json)
      FROM reg
    RETURNING id
)
SELECT {RELEASE_BEFORE_FLUSH}, fits.confirmed, fits.waiting, fits.taken, fits.questions_changed, reg.id, reg.status,
       (SELECT array_agg(att.id ORDER BY att.position) FROM att) AS attendee_ids
  FROM fits LEFT JOIN reg ON true
"""

# Under a lock taken before (`decide_and_insert`): the event's capacity and approval are parameters.
_GIVEN = dict(event="", capacity="CAST(:capacity AS integer)", event_columns="", event_from="", approval=":approval",
              event_open="")
# Sent with the lock in one round trip (`lock_decide_and_insert`): read from the locked row (this statement's
# snapshot is taken after the lock), and nothing inserted unless the event is still open for registration
# and the request's key has no registration yet.
_READ = dict(event="""ev AS MATERIALIZED (
    SELECT e.capacity, e.approval_required, e.status = 'published' AND NOT EXISTS (
               SELECT 1 FROM registrations r WHERE r.event_id = :event_id AND r.idempotency_key = :idempotency_key)
               AS open
      FROM events e WHERE e.id = :event_id
), """, capacity="ev.capacity", event_columns=", ev.approval_required, ev.open", event_from=", ev",
             approval="approval_required", event_open=" AND open")
_LOCK = "SELECT 1 FROM events WHERE id = %(event_id)s FOR UPDATE"

_TEXTS = ARRAY(String)
_DECIDABLE = (RegistrationStatus.confirmed, RegistrationStatus.waitlisted, RegistrationStatus.pending)


def compact(sql: str) -> str:
    """`sql` without its comments and runs of blanks: psycopg keeps its parsing of a statement of up to 4,096
    characters (`psycopg._queries.MAX_CACHED_STATEMENT_LENGTH`) and parses a longer one again each time."""
    return re.sub(r"\s+", " ", re.sub(r"--[^\n]*", "", sql)).strip()


@cache
def _statement(read_event: bool = False) -> TextClause:
    bound: list[BindParameter[Any]] = ([] if read_event else
                                       [bindparam("capacity", type_=Integer), bindparam("approval", type_=Boolean)])
    return text(compact(_STATEMENT.format(**(_READ if read_event else _GIVEN)))).bindparams(
        *bound,
        bindparam("event_id", type_=Integer), bindparam("seats", type_=Integer), bindparam("walk_in", type_=Boolean),
        bindparam("fingerprint", type_=String), bindparam("phones", type_=_TEXTS),
        bindparam("invitation_id", type_=Integer), bindparam("organisation_id", type_=Integer),
        bindparam("manage_token", type_=String), bindparam("now", type_=UTCDateTime),
        bindparam("consent_version", type_=String), bindparam("idempotency_key", type_=String),
        bindparam("idempotency_hash", type_=String), bindparam("positions", type_=ARRAY(Integer)),
        bindparam("names", type_=_TEXTS), bindparam("attendee_phones", type_=_TEXTS),
        bindparam("emails", type_=_TEXTS), bindparam("titles", type_=_TEXTS), bindparam("codes", type_=_TEXTS),
        bindparam("question_ids", type_=ARRAY(Integer)), bindparam("answer_values", type_=_TEXTS),
        bindparam("user_id", type_=Integer), bindparam("actor", type_=String),
        *(bindparam(f"changes_{status.value}", type_=String) for status in _DECIDABLE))


@cache
def _questions_statement() -> Select[Question, str]:
    fingerprint = literal_column(_FINGERPRINT_OF.format(event="questions.event_id"), String).label("fingerprint")
    return (select(Question, fingerprint).where(Question.event_id == bindparam("event_id", type_=Integer))
            .order_by(Question.position, Question.id))


def questions_and_fingerprint(event_id: int) -> tuple[list[Question], str]:
    """The event's questions in their order, and their fingerprint as the statement computes it, read
    together (one query, before the lock; no questions: none to read a fingerprint from, and it is '')."""
    rows = db.session.execute(_questions_statement(), {"event_id": event_id}).all()
    return [question for question, _fingerprint in rows], (rows[0][1] if rows else "")


@dataclass
class Outcome:
    """What the statement saw and did: `status` None when it inserted nothing."""
    confirmed: int
    waiting: bool
    taken: str | None
    questions_changed: bool
    status: RegistrationStatus | None


def parameters(reg: Registration, *, codes: list[str], answers: dict[int, Any], fingerprint: str, now: datetime,
               audit_entry: dict[str, Any], changes: dict[RegistrationStatus, Any]) -> dict[str, Any]:
    """The statement's parameters for the prepared `reg` (its organisation chosen), made before the lock;
    the event's capacity, approval and the walk-in flag are given under it (`decide_and_insert`).
    `audit_entry`: the registration audit row's user and actor (`audit.entry_values`); `changes`: its
    payload for each status the statement may decide."""
    people = list(reg.attendees)
    return {
        "event_id": reg.event_id, "seats": reg.seats, "phones": sorted({p.phone for p in people if p.phone}),
        "invitation_id": reg.invitation_id, "organisation_id": reg.organisation.id,
        "manage_token": reg.manage_token, "now": now, "consent_version": reg.consent_version,
        "idempotency_key": reg.idempotency_key, "idempotency_hash": reg.idempotency_hash,
        "positions": [p.position for p in people], "names": [p.name for p in people],
        "attendee_phones": [p.phone for p in people], "emails": [p.email for p in people],
        "titles": [p.title for p in people], "codes": codes,
        **answer_parameters(answers, fingerprint),
        "user_id": audit_entry["user_id"], "actor": audit_entry["actor"],
        **{f"changes_{status.value}": json.dumps(changes[status]) for status in _DECIDABLE},
    }


def answer_parameters(answers: dict[int, Any], fingerprint: str) -> dict[str, Any]:
    """The answers' part of the parameters (again when the questions changed)."""
    return {"question_ids": list(answers), "answer_values": [json.dumps(v) for v in answers.values()],
            "fingerprint": fingerprint}


def decide_and_insert(reg: Registration, params: dict[str, Any], *, capacity: int | None, walk_in: bool,
                      approval: bool, codes: list[str]) -> Outcome:
    """Under the event lock: run the statement. On success `reg` and its attendees are persistent in the
    session, as inserted (nothing is read back)."""
    row = db.session.execute(_statement(), {**params, "capacity": capacity, "walk_in": walk_in,
                                            "approval": approval}).one()
    return _outcome(reg, row, codes, params["now"])


def lock_decide_and_insert(reg: Registration, params: dict[str, Any], *, walk_in: bool,
                           codes: list[str]) -> RegistrationStatus | None:
    """Lock the event and run the statement in one round trip (psycopg's pipeline mode): the lock is held
    from the moment the server grants it to the commit, with no wait for this process in between but the
    commit's. The statement reads the event's capacity and approval from the locked row.

    None when it inserted nothing, whatever the reason (the event closed meanwhile, the request's key has
    a registration, a phone taken, the questions changed, a walk-in refused): the lock is held, and the
    caller takes the general path under it (`lock_event`, then `decide_and_insert`), which answers each
    case. On success `reg` is persistent in the session as `decide_and_insert` leaves it."""
    connection = db.session.connection()
    compiled = _compiled(connection.dialect)
    values = driver.bound(compiled, {**params, "walk_in": walk_in})
    lock = {"event_id": params["event_id"]}
    driver.announce(connection, [(_LOCK, lock), (compiled.string, values)])
    psycopg_connection = driver.psycopg_connection(connection)
    with driver.as_sqlalchemy_raises(compiled.string, values):
        with psycopg_connection.pipeline():
            psycopg_connection.execute(_LOCK, lock)
            cursor = psycopg_connection.execute(compiled.string, values)
        row = cursor.fetchone()
    outcome = _outcome(reg, row, codes, params["now"])
    return outcome.status


@cache
def _compiled(dialect: Any) -> Any:
    return _statement(read_event=True).compile(dialect=dialect)


def _outcome(reg: Registration, row: Any, codes: list[str], now: datetime) -> Outcome:
    _setting, confirmed, waiting, taken, questions_changed, reg_id, status, attendee_ids = row
    durable_after_commit()
    outcome = Outcome(int(confirmed), bool(waiting), taken, bool(questions_changed),
                      RegistrationStatus(status) if status else None)
    if outcome.status is not None:
        _persistent(reg, reg_id, outcome.status, attendee_ids, codes, now)
    return outcome


def _persistent(reg: Registration, reg_id: int, status: RegistrationStatus, attendee_ids: list[int],
                codes: list[str], now: datetime) -> None:
    """Give the prepared objects what the statement wrote and put them in the session as loaded."""
    confirmed = status is RegistrationStatus.confirmed
    reg.id, reg.status, reg.organisation_id, reg.created_at = reg_id, status, reg.organisation.id, now
    reg.confirmed_at = now if confirmed else None
    reg.cancelled_at = reg.reminded_at = reg.decided_at = reg.decided_by_id = reg.decision_reason = None
    for attendee, attendee_id, code in zip(reg.attendees, attendee_ids, codes, strict=True):
        attendee.id, attendee.registration_id, attendee.created_at = attendee_id, reg_id, now
        attendee.ticket_code = code if confirmed else None
        attendee.erased_at = attendee.consent_at = attendee.consent_version = None
        make_transient_to_detached(attendee)
    make_transient_to_detached(reg)
    db.session.add(reg)
