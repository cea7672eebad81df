"""Schemas shared by every API module: problems, pagination, an organisation's optional fields.

Limits and enums come from the services and models (services/values.py, models.OrgKind): the schema
refuses what the service would refuse for its length, and the service then checks the rest."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ..models import OrgKind
from ..services import values

T = TypeVar("T")

# An organisation's kind: the model's enum, described in the document by its values where it is used
# (not as one more component under every schema that has a kind).
Kind = Annotated[OrgKind, WithJsonSchema({"type": "string", "enum": [kind.value for kind in OrgKind]})]

# 万元 out: a JSON number with at most 2 decimals (the Decimal's shortest float form prints the same digits).
Wan = Annotated[Decimal, PlainSerializer(lambda d: float(d), return_type=float, when_used="json")]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] | None = None


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


class OrganisationFields(BaseModel):
    """The optional fields of an organisation, as every API that takes one accepts them; the service
    (`organisations.clean_organisation`) checks them the same way on every path."""

    credit_code: str | None = Field(None, max_length=values.CREDIT_CODE_INPUT_MAX,
                                    description="统一社会信用代码, 18 characters (GB 32100); lower case accepted.")
    province: str | None = Field(None, max_length=values.PLACE_MAX)
    city: str | None = Field(None, max_length=values.PLACE_MAX)
    industry: str | None = Field(None, max_length=values.INDUSTRY_MAX,
                                 description="A name from GET /api/v1/industries.")
    website: str | None = Field(None, max_length=values.WEBSITE_MAX,
                                description="An http or https address; a bare host name is taken as https.")
