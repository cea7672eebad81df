"""API v1: organisations, their contacts, and the district's industry list."""
from __future__ import annotations

from datetime import datetime

from flask import g
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response

from ..models import Organisation
from ..permissions import P, can, require
from ..services import organisations as service
from ..services import values
from . import bp, spec
from .projects import AmountIn
from .schemas import Kind, OrganisationFields, Page, PageQuery, Problem, Wan

FUND_SIZE = "An industry fund's size in 万元 (organisations of kind fund only; 422 on other kinds)."


class ContactIn(BaseModel):
    id: int | None = Field(None, description="An existing contact's id to keep or change it; omit to add one.")
    name: str = Field(min_length=1, max_length=values.PERSON_NAME_MAX)
    title: str | None = Field(None, max_length=values.TITLE_MAX)
    email: str | None = Field(None, max_length=values.EMAIL_MAX)
    phone: str | None = Field(None, max_length=values.PHONE_INPUT_MAX)


class OrganisationIn(OrganisationFields):
    name: str = Field(min_length=1, max_length=values.ORG_NAME_MAX)
    kind: Kind
    contacts: list[ContactIn] | None = Field(None, max_length=service.CONTACTS_MAX)
    fund_size_wan: AmountIn | None = Field(None, description=FUND_SIZE)


class OrganisationPatch(OrganisationFields):
    """Only the fields sent change. `contacts`, when sent, is the whole new list: contacts left out are
    removed (unless they have been invited), rows with an `id` update that contact, rows without add one."""

    name: str | None = Field(None, min_length=1, max_length=values.ORG_NAME_MAX)
    kind: Kind | None = None
    contacts: list[ContactIn] | None = Field(None, max_length=service.CONTACTS_MAX)
    fund_size_wan: AmountIn | None = Field(None, description=FUND_SIZE)


class ContactOut(BaseModel):
    id: int
    name: str
    title: str | None
    email: str | None = Field(description="Only for roles that may read personal data.")
    phone: str | None = Field(description="Only for roles that may read personal data.")


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: Kind
    credit_code: str | None
    province: str | None
    city: str | None
    industry: str | None
    website: str | None
    fund_size_wan: Wan | None
    contacts: list[ContactOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        personal = can(g.api_user, P.read_personal_data)
        return cls(id=org.id, name=org.name, kind=org.kind.value, credit_code=org.credit_code,
                   province=org.province, city=org.city, industry=org.industry, website=org.website,
                   fund_size_wan=org.fund_size_wan,
                   contacts=[ContactOut(id=c.id, name=c.name, title=c.title,
                                        email=c.email if personal else None,
                                        phone=c.phone if personal else None) for c in org.contacts],
                   created_at=org.created_at, updated_at=org.updated_at)


class OrganisationQuery(PageQuery):
    q: str | None = Field(None, max_length=values.ORG_NAME_MAX,
                          description="Part of the name (or the start of the credit code).")
    kind: Kind | None = None
    industry: str | None = Field(None, max_length=values.INDUSTRY_MAX,
                                 description="Exactly this industry name.")


class IndustryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    position: int


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem)


@bp.get("/organisations")
@require(P.read_events)
@spec.validate(resp=Response(HTTP_200=Page[OrganisationOut], **ERRORS), tags=["organisations"])
def list_organisations(query: OrganisationQuery):
    """Organisations, newest first; `q` finds any part of the name, `kind` and `industry` filter."""
    rows, total = service.search_organisations(query.q, query.kind, industry=query.industry, page=query.page,
                                               per_page=query.per_page)
    return Page[OrganisationOut](items=[OrganisationOut.of(o) for o in rows], total=total, page=query.page,
                                 per_page=query.per_page)


@bp.post("/organisations")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_201=OrganisationOut, HTTP_409=Problem, **ERRORS), tags=["organisations"])
def create_organisation(json: OrganisationIn):
    """Create an organisation. 409 with `existing_id` when the credit code is already registered."""
    org = service.create_organisation(json.model_dump(exclude_unset=True), actor=g.api_user)
    return OrganisationOut.of(org), 201


@bp.get("/organisations/<int:org_id>")
@require(P.read_events)
@spec.validate(resp=Response(HTTP_200=OrganisationOut, HTTP_404=Problem, **ERRORS), tags=["organisations"])
def get_organisation(org_id: int):
    """One organisation with its contacts."""
    return OrganisationOut.of(service.get_organisation(org_id))


@bp.patch("/organisations/<int:org_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=OrganisationOut, HTTP_404=Problem, HTTP_409=Problem, **ERRORS),
               tags=["organisations"])
def update_organisation(org_id: int, json: OrganisationPatch):
    """Change some fields of an organisation."""
    org = service.get_organisation(org_id)
    org = service.update_organisation(org, json.model_dump(exclude_unset=True), actor=g.api_user)
    return OrganisationOut.of(org)


@bp.get("/industries")
@require(P.read_events)
@spec.validate(resp=Response(HTTP_200=Page[IndustryOut], **ERRORS), tags=["organisations"])
def list_industries(query: PageQuery):
    """The district's industry list (its industry teams), in the district's order."""
    rows = service.industries()
    start = (query.page - 1) * query.per_page
    return Page[IndustryOut](items=[IndustryOut.model_validate(i) for i in rows[start:start + query.per_page]],
                             total=len(rows), page=query.page, per_page=query.per_page)
