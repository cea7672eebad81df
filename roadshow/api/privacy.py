"""API v1: the audit log (admin) and erasure of a person's data, from an attendee or a contact (organiser)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g
from pydantic import BaseModel, Field
from spectree import Response

from ..permissions import P, require
from ..services import audit, privacy
from ..services.values import ID_MAX
from . import bp, spec
from .schemas import Page, PageQuery, Problem


class AuditQuery(PageQuery):
    actor: str | None = Field(None, max_length=audit.FILTER_MAX, description="a part of who did it")
    action: str | None = Field(None, max_length=audit.FILTER_MAX,
                               description='an action or its beginning ("registration." for all of them)')
    entity_type: str | None = Field(None, max_length=audit.FILTER_MAX)
    entity_id: int | None = Field(None, ge=0, le=ID_MAX)


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: int | None
    changes: dict[str, Any] | None


class ErasedOut(BaseModel):
    id: int
    name: str
    erased_at: datetime


@bp.get("/audit")
@require(P.read_audit)
@spec.validate(resp=Response(HTTP_200=Page[AuditOut], HTTP_401=Problem, HTTP_403=Problem), tags=["audit"])
def list_audit(query: AuditQuery):
    """The audit log, newest first (who, what, when, before and after)."""
    rows, total = audit.entries(audit.AuditFilters(actor=query.actor, action=query.action,
                                                   entity_type=query.entity_type, entity_id=query.entity_id),
                                query.page, query.per_page)
    return Page[AuditOut](items=[AuditOut(id=e.id, at=e.at, actor=e.actor, action=e.action,
                                          entity_type=e.entity_type, entity_id=e.entity_id, changes=e.changes)
                                 for e in rows], total=total, page=query.page, per_page=query.per_page)


class ErasedContactOut(BaseModel):
    id: int
    organisation_id: int
    name: str


@bp.post("/attendees/<int:attendee_id>/erase")
@require(P.erase_personal_data)
@spec.validate(resp=Response(HTTP_200=ErasedOut, HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem),
               tags=["privacy"])
def erase_attendee(attendee_id: int):
    """Erase an attendee's personal data on request (name placeholder; phone, email, title removed), and
    the same person everywhere: the organisation's contacts and attendee rows with the same phone or e-mail,
    their values in the audit log, their mail in the outbox. Counts and check-in history are kept. Idempotent."""
    attendee = privacy.erase_attendee_by_id(attendee_id, g.api_user)
    return ErasedOut(id=attendee.id, name=attendee.name, erased_at=attendee.erased_at)


@bp.post("/contacts/<int:contact_id>/erase")
@require(P.erase_personal_data)
@spec.validate(resp=Response(HTTP_200=ErasedContactOut, HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem),
               tags=["privacy"])
def erase_contact(contact_id: int):
    """Erase an organisation's contact on request (name placeholder; phone, email, title removed), and the
    same person everywhere, as the attendee erasure does. Invitations stay, without the person. Idempotent."""
    contact = privacy.erase_contact(contact_id, g.api_user)
    return ErasedContactOut(id=contact.id, organisation_id=contact.organisation_id, name=contact.name)
