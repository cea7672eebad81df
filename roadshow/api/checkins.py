"""API v1: check-in at the door (API.md "Check-in"). The answers come from services/checkin.py,
which the door page uses too; this module only parses and serialises."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g, jsonify
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from spectree import Response

from ..models import CheckIn
from ..models.types import utcnow
from ..permissions import P, require
from ..services import checkin as service
from ..services.events import get_event
from ..uow import reads_then_writes
from . import bp, spec
from .schemas import Problem

Result = Literal["ok", "already_checked_in", "unknown_ticket", "wrong_event", "not_confirmed"]


class ScanIn(BaseModel):
    # No length rule: any string that is not a real ticket is answered `unknown_ticket` (404).
    code: str = Field(max_length=100_000)
    device: str | None = Field(None, max_length=1000)
    scanned_at: AwareDatetime | None = None


class BatchScanIn(BaseModel):
    code: str = Field(max_length=100_000)
    scanned_at: AwareDatetime
    device: str | None = Field(None, max_length=1000)


class BatchIn(BaseModel):
    scans: list[BatchScanIn] = Field(max_length=service.BATCH_MAX)


class AttendeeOut(BaseModel):
    id: int
    name: str
    organisation: str
    kind: str


class CheckinRef(BaseModel):
    id: int
    scanned_at: datetime
    device: str | None


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


class BatchOut(BaseModel):
    results: list[BatchAnswer]


class CheckinOut(BaseModel):
    id: int
    status: Literal["active", "undone", "replaced"]
    scanned_at: datetime
    device: str | None
    created_at: datetime
    ended_at: datetime | None
    attendee: AttendeeOut

    @classmethod
    def of(cls, checkin: CheckIn) -> CheckinOut:
        return cls(id=checkin.id, status=checkin.status.value, scanned_at=checkin.scanned_at,
                   device=checkin.device, created_at=checkin.created_at, ended_at=checkin.ended_at,
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


@bp.post("/events/<int:event_id>/checkins")
@reads_then_writes  # the scan takes the write lock only for its deciding insert (services/checkin.py)
@require(P.check_in)
@spec.validate(resp=Response(HTTP_201=ScanAnswer, HTTP_404=ScanAnswer, HTTP_409=ScanAnswer,
                             HTTP_422=ScanAnswer, **ERRORS), tags=["check-in"])
def create_checkin(event_id: int, json: ScanIn):
    """Check a ticket in. ok 201; already_checked_in 409; unknown_ticket 404; wrong_event 422;
    not_confirmed 409. An unknown event is a 404 problem."""
    answer = service.check_in(event_id, json.code, json.device, json.scanned_at, g.api_user)
    return jsonify(answer.as_dict()), answer.status


@bp.post("/events/<int:event_id>/checkins/batch")
@require(P.check_in)
@spec.validate(resp=Response(HTTP_200=BatchOut, HTTP_404=Problem, **ERRORS), tags=["check-in"])
def create_checkin_batch(event_id: int, json: BatchIn):
    """Offline scans synced later; results in input order. Per attendee the earliest scanned_at
    (in the batch or stored) is the check-in, the others are already_checked_in. Re-sending a batch
    answers the same and changes nothing. A scan made before the guest's latest undo never checks them in
    again: the replayed scan of the undone check-in is `ok` with it, any other is already_checked_in
    naming it; both with `checkin_status: "undone"`."""
    answers = service.check_in_batch(
        event_id, [service.Scan(s.code, s.scanned_at, s.device) for s in json.scans], g.api_user)
    return jsonify({"results": [{"code": scan.code, **answer.as_dict()}
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
