"""API v1: an event's invitations — create, import from a spreadsheet, list, send."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import g, request
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from spectree import Response

from ..models import Invitation, OutboxMessage
from ..permissions import P, require
from ..services import imports, values
from ..services import invitations as service
from ..services.events import get_event
from . import MULTIPART_ENDPOINTS, RequestInvalid, bp, spec
from .schemas import Kind, OrganisationFields, Page, PageQuery, Problem

StatusName = Literal["pending", "sent", "opened", "registered", "declined"]


class OrganisationRef(OrganisationFields):
    """A new organisation, or one matched by credit code then exact name."""

    name: str = Field(min_length=1, max_length=values.ORG_NAME_MAX)
    kind: Kind


class InvitationIn(BaseModel):
    organisation_id: int | None = None
    organisation: OrganisationRef | None = None
    contact_name: str = Field(min_length=1, max_length=values.PERSON_NAME_MAX)
    email: str | None = Field(None, max_length=values.EMAIL_MAX)
    phone: str | None = Field(None, max_length=values.PHONE_INPUT_MAX)
    seats: int = Field(1, ge=1, le=service.MAX_SEATS)


class OrganisationBrief(BaseModel):
    id: int
    name: str
    kind: Kind
    credit_code: str | None


class DeliveryOut(BaseModel):
    """The latest invitation mail of this invitation in the outbox."""

    status: Literal["pending", "sent", "failed"]
    to: str
    attempts: int
    last_error: str | None
    queued_at: datetime
    sent_at: datetime | None


class InvitationOut(BaseModel):
    id: int
    event_id: int
    status: StatusName
    url: str
    seats: int
    organisation: OrganisationBrief
    contact_name: str
    email: str | None
    phone: str | None
    created_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    declined_at: datetime | None
    delivery: DeliveryOut | None

    @classmethod
    def of(cls, inv: Invitation, delivery: OutboxMessage | None) -> InvitationOut:
        org = inv.organisation
        return cls(
            id=inv.id, event_id=inv.event_id, status=inv.status.value, url=service.personal_url(inv),
            seats=inv.seats,
            organisation=OrganisationBrief(id=org.id, name=org.name, kind=org.kind.value,
                                           credit_code=org.credit_code),
            contact_name=inv.contact.name, email=inv.contact.email, phone=inv.contact.phone,
            created_at=inv.created_at, sent_at=inv.sent_at, opened_at=inv.opened_at,
            declined_at=inv.declined_at,
            delivery=None if delivery is None else DeliveryOut(
                status=delivery.status.value, to=delivery.to, attempts=delivery.attempts,
                last_error=delivery.last_error, queued_at=delivery.created_at, sent_at=delivery.sent_at),
        )


class InvitationQuery(PageQuery):
    status: StatusName | None = None


UploadFile = Annotated[Any, WithJsonSchema({"type": "string", "format": "binary"})]


class ImportForm(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    file: UploadFile = Field(description=".csv (UTF-8, with or without BOM, or GB18030) or .xlsx with the "
                                         "header organisation,kind,credit_code,contact_name,email,phone,seats")


class ImportQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dry_run: bool = Field(False, description="Only report what the import would do; nothing is written.")


class RowError(BaseModel):
    row: int
    message: str


class PreviewRow(BaseModel):
    row: int
    organisation: str
    kind: Kind | None
    credit_code: str | None
    contact_name: str
    email: str | None
    phone: str | None
    seats: int | None
    match: Literal["existing", "new", "file"] | None
    organisation_id: int | None
    match_row: int | None
    error: str | None


class ImportOut(BaseModel):
    created: int
    errors: list[RowError]
    dry_run: bool = False
    rows: list[PreviewRow] | None = None


class SendIn(BaseModel):
    ids: list[int] | None = Field(None, max_length=10_000,
                                  description="Invitations to (re)send; all pending ones when omitted.")


class Skipped(BaseModel):
    id: int
    reason: str


class SendOut(BaseModel):
    sent: int
    skipped: list[Skipped]


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem)


@bp.post("/events/<int:event_id>/invitations")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_201=InvitationOut, HTTP_409=Problem, HTTP_410=Problem, **ERRORS),
               tags=["invitations"])
def create_invitation(event_id: int, json: InvitationIn):
    """Invite one contact of an organisation (given by id, or matched/created from `organisation`)."""
    event = get_event(event_id)
    invitation = service.create_invitation(
        event, organisation_id=json.organisation_id,
        organisation=json.organisation.model_dump(exclude_none=True) if json.organisation else None,
        contact_name=json.contact_name, email=json.email, phone=json.phone, seats=json.seats,
        actor=g.api_user)
    return InvitationOut.of(invitation, None), 201


@bp.get("/events/<int:event_id>/invitations")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=Page[InvitationOut], **ERRORS), tags=["invitations"])
def list_invitations(event_id: int, query: InvitationQuery):
    """The event's invitations with their status and the delivery state of their mail."""
    event = get_event(event_id)
    items, total = service.list_invitations(event, query.status, page=query.page, per_page=query.per_page)
    delivery = service.deliveries([i.id for i in items])
    return Page[InvitationOut](items=[InvitationOut.of(i, delivery.get(i.id)) for i in items], total=total,
                               page=query.page, per_page=query.per_page)


@bp.post("/events/<int:event_id>/invitations/import")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=ImportOut, HTTP_410=Problem, HTTP_413=Problem, HTTP_415=Problem,
                             **ERRORS), tags=["invitations"])
def import_invitations(event_id: int, form: ImportForm, query: ImportQuery):
    """Import invitations from a .csv or .xlsx file (multipart field `file`). Good rows are kept;
    each bad row is reported with its row number (the header is row 1). `?dry_run=true` only previews."""
    event = get_event(event_id)
    upload = request.files.get("file")
    if upload is None:
        raise RequestInvalid({"file": ["Field required"]})
    if query.dry_run:
        result = imports.preview(event, upload, actor=g.api_user)
        return ImportOut(created=result["created"], errors=result["errors"], dry_run=True, rows=result["rows"])
    result = imports.import_invitations(event, upload, actor=g.api_user)
    return ImportOut(created=result["created"], errors=result["errors"])


MULTIPART_ENDPOINTS.add("api.import_invitations")


@bp.post("/events/<int:event_id>/invitations/send")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=SendOut, HTTP_410=Problem, **ERRORS), tags=["invitations"])
def send_invitations(event_id: int, json: SendIn):
    """Mail the invitations (personal link, the event as .ics): the given ids, or all pending ones."""
    event = get_event(event_id)
    result = service.send_invitations(event, json.ids, actor=g.api_user)
    return SendOut(sent=len(result.sent), skipped=[Skipped(id=i, reason=r) for i, r in result.skipped])
