"""API v1: check-in at the door (API.md "Check-in"; "At the door: look-up and walk-ins"). The answers
come from services/checkin.py and services/walk_ins.py, which the door page uses too; this module only
parses and serialises."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g, jsonify, request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from spectree import Response

from ..models import CheckIn
from ..models.types import utcnow
from ..permissions import P, require
from ..services import checkin as service
from ..services import values, walk_ins
from ..services.events import get_event
from ..uow import reads_then_writes
from . import bp, spec
from .schemas import Kind, OrganisationFields, Problem

Result = Literal["ok", "already_checked_in", "unknown_ticket", "wrong_event", "not_confirmed"]


class _CodeOrAttendee(BaseModel):
    # No length rule on codes: any string that is not a real ticket is answered `unknown_ticket` (404).
    code: str | None = Field(None, max_length=100_000, description="The ticket's code (a scan).")
    attendee_id: int | None = Field(None, description="A guest found by look-up, instead of `code`; "
                                                      "recorded with method `lookup`.")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.code is None) == (self.attendee_id is None):
            raise ValueError("give either code or attendee_id")
        return self


class ScanIn(_CodeOrAttendee):
    device: str | None = Field(None, max_length=1000)
    scanned_at: AwareDatetime | None = None


class BatchScanIn(_CodeOrAttendee):
    scanned_at: AwareDatetime
    device: str | None = Field(None, max_length=1000)


class BatchIn(BaseModel):
    scans: list[BatchScanIn] = Field(max_length=service.BATCH_MAX)


class AttendeeOut(BaseModel):
    id: int
    name: str
    organisation: str
    kind: str


Method = Literal["scan", "lookup", "walk_in"]


class CheckinRef(BaseModel):
    id: int
    scanned_at: datetime
    device: str | None
    method: Method


class EventRef(BaseModel):
    id: int
    title: str


class ScanAnswer(BaseModel):
    """One scan's answer; which fields appear depends on `result` (API.md)."""

    model_config = ConfigDict(extra="allow")

    result: Result | None = None
    checkin: CheckinRef | None = None
    attendee: AttendeeOut | None = None
    first_checked_in_at: datetime | None = None
    device: str | None = None
    event: EventRef | None = None
    status: str | None = None


class BatchAnswer(ScanAnswer):
    code: str | None = None
    attendee_id: int | None = None


class BatchOut(BaseModel):
    results: list[BatchAnswer]


class CheckinOut(BaseModel):
    id: int
    status: Literal["active", "undone", "replaced"]
    scanned_at: datetime
    device: str | None
    method: Method
    created_at: datetime
    ended_at: datetime | None
    attendee: AttendeeOut

    @classmethod
    def of(cls, checkin: CheckIn) -> CheckinOut:
        return cls(id=checkin.id, status=checkin.status.value, scanned_at=checkin.scanned_at,
                   device=checkin.device, method=checkin.method.value, created_at=checkin.created_at,
                   ended_at=checkin.ended_at,
                   attendee=AttendeeOut(**service.attendee_dict(checkin.attendee)))


class CheckinQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    since: AwareDatetime | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(200, ge=1, le=200)


class CheckinPage(BaseModel):
    items: list[CheckinOut]
    total: int
    page: int
    per_page: int
    now: datetime = Field(description="Server time of this answer: pass it as `since` next time.")


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


def scan_of(scan: BatchScanIn) -> service.Scan:
    return service.Scan(scan.code, scan.scanned_at, scan.device, scan.attendee_id)


def echo(scan: BatchScanIn) -> dict:
    """What a batch answer repeats of its scan, so a device can match answers to its queue."""
    return {"code": scan.code} if scan.attendee_id is None else {"attendee_id": scan.attendee_id}


@bp.post("/events/<int:event_id>/checkins")
@reads_then_writes  # the scan takes the write lock only for its deciding insert (services/checkin.py)
@require(P.check_in)
@spec.validate(resp=Response(HTTP_201=ScanAnswer, HTTP_404=ScanAnswer, HTTP_409=ScanAnswer,
                             HTTP_422=ScanAnswer, **ERRORS), tags=["check-in"])
def create_checkin(event_id: int, json: ScanIn):
    """Check a ticket in (`code`, method `scan`), or a guest found by look-up (`attendee_id`, method
    `lookup`; an unknown id is unknown_ticket). ok 201; already_checked_in 409; unknown_ticket 404;
    wrong_event 422; not_confirmed 409. An unknown event is a 404 problem."""
    if json.attendee_id is not None:
        answer = service.check_in_attendee(event_id, json.attendee_id, json.device, json.scanned_at, g.api_user)
    else:
        answer = service.check_in(event_id, json.code, json.device, json.scanned_at, g.api_user)
    return jsonify(answer.as_dict()), answer.status


@bp.post("/events/<int:event_id>/checkins/batch")
@require(P.check_in)
@spec.validate(resp=Response(HTTP_200=BatchOut, HTTP_404=Problem, **ERRORS), tags=["check-in"])
def create_checkin_batch(event_id: int, json: BatchIn):
    """Offline scans synced later (each a `code`, or an `attendee_id` checked in by look-up while
    offline); results in input order, each echoing its `code` or `attendee_id`. Per attendee the earliest scanned_at
    (in the batch or stored) is the check-in, the others are already_checked_in. Re-sending a batch
    answers the same and changes nothing. A scan made before the guest's latest undo never checks them in
    again: the replayed scan of the undone check-in is `ok` with it, any other is already_checked_in
    naming it; both with `checkin_status: "undone"`."""
    answers = service.check_in_batch(event_id, [scan_of(s) for s in json.scans], g.api_user)
    return jsonify({"results": [{**echo(scan), **answer.as_dict()}
                                for scan, answer in zip(json.scans, answers)]}), 200


@bp.delete("/checkins/<int:checkin_id>")
@require(P.check_in)
@spec.validate(resp=Response(HTTP_200=CheckinOut, HTTP_404=Problem, HTTP_409=Problem, **ERRORS),
               tags=["check-in"])
def delete_checkin(checkin_id: int):
    """Undo a check-in; it stays in the history (status undone) and in the audit log."""
    return CheckinOut.of(service.undo(checkin_id, g.api_user))


@bp.get("/events/<int:event_id>/checkins")
@require(P.check_in)
@spec.validate(resp=Response(HTTP_200=CheckinPage, HTTP_404=Problem, **ERRORS), tags=["check-in"])
def list_checkins(event_id: int, query: CheckinQuery):
    """The event's check-ins created, undone or replaced at or after `since`, oldest first."""
    now = utcnow()
    event = get_event(event_id)
    rows, total = service.list_checkins(event, query.since, offset=(query.page - 1) * query.per_page,
                                        limit=query.per_page)
    return CheckinPage(items=[CheckinOut.of(c) for c in rows], total=total, page=query.page,
                       per_page=query.per_page, now=now)


# --- at the door: look-up and walk-ins ----------------------------------------------------------

class LookupQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str = Field(max_length=200, description=f"At least {service.NAME_QUERY_MIN} characters of a name, "
                                               f"or the phone's last {service.PHONE_TAIL} digits (手机尾号).")


class FoundOut(BaseModel):
    attendee_id: int
    name: str
    organisation: str
    kind: Kind
    phone_tail: str | None = Field(description="The phone's last four digits; the whole number is never sent.")
    checked_in: bool


class LookupOut(BaseModel):
    items: list[FoundOut]
    more: bool = Field(description="More guests match: type more of the name.")


@bp.get("/events/<int:event_id>/checkins/lookup")
@require(P.check_in)
@spec.validate(resp=Response(HTTP_200=LookupOut, HTTP_404=Problem, HTTP_422=Problem, **ERRORS),
               tags=["check-in"])
def lookup_checkins(event_id: int, query: LookupQuery):
    """Up to 10 confirmed guests whose name contains `q` (at least two characters, any case), or whose
    phone ends with `q` (exactly four digits); exact names first. Check one in with
    `POST /events/{id}/checkins {"attendee_id"}`. 422 when `q` is neither."""
    found, more = service.lookup(event_id, query.q)
    return jsonify({"items": [f.as_dict() for f in found], "more": more})


class WalkInOrganisation(OrganisationFields):
    name: str = Field(max_length=values.ORG_NAME_MAX)
    kind: Kind


class WalkInAttendee(BaseModel):
    name: str = Field(max_length=values.PERSON_NAME_MAX)
    phone: str = Field(max_length=values.PHONE_INPUT_MAX)
    email: str | None = Field(None, max_length=values.EMAIL_MAX, description="Gets the ticket by mail.")
    title: str | None = Field(None, max_length=values.TITLE_MAX)


class WalkInIn(BaseModel):
    organisation: WalkInOrganisation
    attendees: list[WalkInAttendee] = Field(min_length=1, max_length=200)
    consent: bool = Field(False, description="The guest's consent to the processing of personal information.")
    device: str | None = Field(None, max_length=1000)


class WalkInAttendeeOut(BaseModel):
    id: int
    name: str
    checkin: CheckinRef


class WalkInOrganisationOut(BaseModel):
    id: int
    name: str
    kind: Kind


class WalkInOut(BaseModel):
    id: int
    status: Literal["confirmed"]
    event_id: int
    organisation: WalkInOrganisationOut
    attendees: list[WalkInAttendeeOut]


def walk_in_dict(result: walk_ins.WalkIn) -> dict:
    """The walk-in's registration as the door may see it: no phones, no manage link, no ticket codes."""
    reg = result.registration
    by_attendee = {c.attendee_id: c for c in result.checkins}
    return {"id": reg.id, "status": reg.status.value, "event_id": reg.event_id,
            "organisation": {"id": reg.organisation.id, "name": reg.organisation.name,
                             "kind": reg.organisation.kind.value},
            "attendees": [{"id": a.id, "name": a.name, "checkin": service.checkin_dict(by_attendee[a.id])}
                          for a in reg.attendees]}


@bp.post("/events/<int:event_id>/walk-ins")
@require(P.check_in)
@spec.validate(resp=Response(HTTP_201=WalkInOut, HTTP_404=Problem, HTTP_409=Problem, HTTP_410=Problem,
                             HTTP_422=Problem, **ERRORS), tags=["check-in"])
def create_walk_in(event_id: int, json: WalkInIn):
    """Register guests at the door and check them in at once (method `walk_in`): 201 the confirmed
    registration. 409 `{"result": "capacity_full"}` when the party does not fit whole (or people are
    on the waiting list); 409 `{"result": "already_registered"}` when a phone already has a registration
    for the event (look the guest up instead); 422 on invalid values or without consent; 410 when the
    event is not published. An `Idempotency-Key` header makes a retry answer the same registration."""
    result = walk_ins.walk_in(
        event_id, organisation=json.organisation.model_dump(exclude_none=True),
        attendees=[a.model_dump() for a in json.attendees], consent=json.consent, device=json.device,
        actor=g.api_user, idempotency_key=request.headers.get("Idempotency-Key"))
    return walk_in_dict(result), 201
