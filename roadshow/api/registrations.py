"""Public registration (no token) and the organisers' registration list, approval and rejection."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from ..extensions import limiter
from ..models import OrgKind, Registration, RegistrationStatus
from ..permissions import P, current_actor, require
from ..ratelimits import attendees_in_request, token_guess_limit
from ..services import questions, values
from ..services import registration as service
from ..services.events import get_event
from ..uow import reads_then_writes
from . import bp, public, spec
from .schemas import Kind, OrganisationFields, Page, PageQuery, Problem

StatusName = Literal["pending", "confirmed", "waitlisted", "cancelled", "rejected"]


class OrganisationIn(OrganisationFields):
    """Taken from the invitation when omitted; another name is matched by credit code, then exact name,
    or created."""

    name: str | None = Field(None, max_length=values.ORG_NAME_MAX)
    kind: Kind | None = None


class AttendeeIn(BaseModel):
    name: str = Field(max_length=values.PERSON_NAME_MAX)
    phone: str = Field(max_length=values.PHONE_INPUT_MAX)
    email: str | None = Field(None, max_length=values.EMAIL_MAX)
    title: str | None = Field(None, max_length=values.TITLE_MAX)


AnswerValue = str | int | float | bool | list[str] | None


class RegistrationIn(BaseModel):
    invitation: str | None = Field(None, max_length=100, description="The invitation's token (from /r/{token}).")
    event_id: int | None = Field(None, description="Open events only.")
    organisation: OrganisationIn | None = None
    attendees: list[AttendeeIn] = Field(min_length=1, max_length=200)
    consent: bool = Field(False, description="Consent to the processing of personal information (PIPL).")
    # Any JSON value: the service checks each answer against its question, so the refusal is one message
    # under errors["answers.<id>"] in the registrant's language (not one per variant of a union).
    answers: dict[str, Any] | None = Field(
        None, max_length=questions.QUESTIONS_MAX,
        description="Answers to the event's questions (GET /events/{id}/questions), by question id: text, "
                    "one option (choice), a list of options (multi), a number, or true/false (yes_no). "
                    "422 with errors[\"answers.<id>\"] for a missing required answer, a value not among "
                    "the options, or not a number.")


class PublicAttendeeOut(BaseModel):
    id: int
    name: str
    title: str | None = None
    ticket_code: str | None = Field(None, description="Only when the registration is confirmed.")
    qr_png_url: str | None = None
    qr_svg_url: str | None = None


class OrganisationRef(BaseModel):
    id: int
    name: str
    kind: Kind


class PublicRegistrationOut(BaseModel):
    id: int
    status: StatusName
    event_id: int
    manage_url: str
    organisation: OrganisationRef
    attendees: list[PublicAttendeeOut]
    answers: dict[str, AnswerValue] = Field(default_factory=dict, description="By question id")


class CancelledOut(BaseModel):
    status: Literal["cancelled"]


class AttendeeOut(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str | None
    title: str | None
    ticket_code: str | None


class RegistrationOut(BaseModel):
    id: int
    event_id: int
    invitation_id: int | None
    status: StatusName
    seats: int
    organisation: OrganisationRef
    attendees: list[AttendeeOut]
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    decided_at: datetime | None
    decision_reason: str | None
    consent_at: datetime
    consent_version: str
    answers: dict[str, AnswerValue] = Field(default_factory=dict, description="By question id")


class ListQuery(PageQuery):
    model_config = ConfigDict(extra="ignore")

    status: StatusName | None = None
    kind: Kind | None = None


class RejectIn(BaseModel):
    reason: str | None = Field(None, max_length=2000)


def _org(reg: Registration) -> dict:
    return {"id": reg.organisation.id, "name": reg.organisation.name, "kind": reg.organisation.kind.value}


def _answers(reg: Registration, given: dict[int, dict[int, Any]] | None = None) -> dict[str, Any]:
    """The registration's answers by question id (`given`: answers loaded for a whole page)."""
    found = given[reg.id] if given is not None else questions.registration_answers(reg)
    if not found:
        return {}
    asked = {q.id: q for q in questions.list_questions(reg.event)}
    return {str(qid): questions.api_value(asked[qid], value) for qid, value in found.items() if qid in asked}


def public_view(reg: Registration) -> dict:
    confirmed = reg.status is RegistrationStatus.confirmed
    attendees = []
    for a in reg.attendees:
        item = {"id": a.id, "name": a.name, "title": a.title}
        if confirmed and a.ticket_code:
            png, svg = service.ticket_urls(a.ticket_code)
            item.update(ticket_code=a.ticket_code, qr_png_url=png, qr_svg_url=svg)
        attendees.append(item)
    return {"id": reg.id, "status": reg.status.value, "event_id": reg.event_id,
            "manage_url": service.manage_url(reg), "organisation": _org(reg), "attendees": attendees,
            "answers": _answers(reg)}


def organiser_view(reg: Registration, answers: dict[int, dict[int, Any]] | None = None) -> RegistrationOut:
    return RegistrationOut(
        id=reg.id, event_id=reg.event_id, invitation_id=reg.invitation_id, status=reg.status.value,
        seats=reg.seats, organisation=OrganisationRef(**_org(reg)),
        attendees=[AttendeeOut(id=a.id, name=a.name, phone=a.phone, email=a.email, title=a.title,
                               ticket_code=a.ticket_code) for a in reg.attendees],
        created_at=reg.created_at, confirmed_at=reg.confirmed_at, cancelled_at=reg.cancelled_at,
        decided_at=reg.decided_at, decision_reason=reg.decision_reason, consent_at=reg.consent_at,
        consent_version=reg.consent_version, answers=_answers(reg, answers))


def _public_limit() -> str:
    return current_app.config["RATELIMIT_PUBLIC"]


PUBLIC_ERRORS = dict(HTTP_404=Problem, HTTP_429=Problem)


@bp.post("/public/registrations")
@reads_then_writes  # the checks and the mails before the writer's turn; register() writes from its lock on
@limiter.limit(_public_limit, cost=attendees_in_request)
@public
@spec.validate(resp=Response(HTTP_201=PublicRegistrationOut, HTTP_409=Problem, HTTP_410=Problem,
                             **PUBLIC_ERRORS), tags=["public registration"], security={})
def create_registration(json: RegistrationIn):
    """Register for an event from an invitation (`invitation`) or, for open events, by `event_id`.

    Confirmed when the whole party fits, otherwise waitlisted whole; `pending` when the event needs
    approval. 404 unknown invitation, 409 the invitation already has an active registration or a phone
    number of an attendee already has one for this event, 410 event cancelled or not published or outside its
    registration window (`registration_opens_at` .. `registration_closes_at`), 422
    invalid input (consent, phone numbers, more attendees than the event's
    `max_attendees_per_registration` or the invitation's seats).

    An `Idempotency-Key` header (at most 100 visible ASCII characters) makes retries safe: a request
    with a key already used for this event answers that request's registration again (201, the same
    body) and sends no second mail; the same key with another body is refused (422). The public rate
    limit counts attendees, not requests."""
    reg = service.register(
        invitation_token=json.invitation, event_id=json.event_id,
        organisation=json.organisation.model_dump(exclude_none=True) if json.organisation else None,
        attendees=[a.model_dump() for a in json.attendees], consent=json.consent,
        client_ip=request.remote_addr, idempotency_key=request.headers.get("Idempotency-Key"),
        answers=json.answers)
    return public_view(reg), 201


@bp.get("/public/registrations/<manage_token>")
@token_guess_limit
@limiter.limit(_public_limit)
@public
@spec.validate(resp=Response(HTTP_200=PublicRegistrationOut, **PUBLIC_ERRORS), tags=["public registration"],
               security={})
def get_public_registration(manage_token: str):
    """The registration behind a manage link."""
    return public_view(service.by_manage_token(manage_token))


@bp.delete("/public/registrations/<manage_token>")
@token_guess_limit
@limiter.limit(_public_limit)
@public
@spec.validate(resp=Response(HTTP_200=CancelledOut, HTTP_409=Problem, **PUBLIC_ERRORS),
               tags=["public registration"], security={})
def cancel_public_registration(manage_token: str):
    """Cancel; the seats go to the waitlist in order of arrival and the promoted get tickets by email."""
    reg = service.cancel_registration(service.by_manage_token(manage_token))
    return {"status": reg.status.value}


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem)


@bp.get("/events/<int:event_id>/registrations")
@require(P.read_personal_data)
@spec.validate(resp=Response(HTTP_200=Page[RegistrationOut], **ERRORS), tags=["registrations"])
def list_registrations(event_id: int, query: ListQuery):
    """An event's registrations with their attendees (organisers and admins: contains phone numbers)."""
    rows, total = service.list_registrations(
        get_event(event_id), status=RegistrationStatus(query.status) if query.status else None,
        kind=OrgKind(query.kind) if query.kind else None, page=query.page, per_page=query.per_page)
    answers = questions.answers_of(r.id for r in rows)
    return Page[RegistrationOut](items=[organiser_view(r, answers) for r in rows], total=total,
                                 page=query.page, per_page=query.per_page)


@bp.post("/registrations/<int:registration_id>/approve")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=RegistrationOut, HTTP_409=Problem, **ERRORS), tags=["registrations"])
def approve_registration(registration_id: int):
    """Approve a pending registration: confirmed if it fits whole now, otherwise waitlisted. 409 unless pending."""
    return organiser_view(service.approve(service.get_registration(registration_id), current_actor()))


@bp.post("/registrations/<int:registration_id>/reject")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=RegistrationOut, HTTP_409=Problem, **ERRORS), tags=["registrations"])
def reject_registration(registration_id: int, json: RejectIn):
    """Decline an active registration with a reason (mailed to the registrant); freed seats are promoted."""
    return organiser_view(service.reject(service.get_registration(registration_id), json.reason, current_actor()))
