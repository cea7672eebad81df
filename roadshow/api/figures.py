"""API v1: the bureau's figures — each project's monthly funds in place and fixed-asset investment."""
from __future__ import annotations

from flask import g
from pydantic import BaseModel, ConfigDict
from spectree import Response

from ..permissions import P, require
from ..services import figures, pipeline
from . import bp, spec
from .projects import AmountIn, Wan
from .schemas import Problem


class InvestmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    funds_in_place_wan: AmountIn | None = None
    fixed_asset_wan: AmountIn | None = None


class InvestmentOut(BaseModel):
    month: str
    funds_in_place_wan: Wan
    fixed_asset_wan: Wan


class InvestmentTotals(BaseModel):
    funds_in_place_wan: Wan
    fixed_asset_wan: Wan


class Investments(BaseModel):
    items: list[InvestmentOut]
    totals: InvestmentTotals


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem)


@bp.put("/projects/<int:project_id>/investments/<month>")
@require(P.manage_projects)
@spec.validate(resp=Response(HTTP_200=InvestmentOut, HTTP_422=Problem, **ERRORS), tags=["figures"])
def put_investment(project_id: int, month: str, json: InvestmentIn):
    """A month's figures of a project (month as YYYY-MM): the funds that arrived (到位资金) and the fixed-asset
    investment formed (实际形成固定资产投资), in 万元. The figures given replace the month's; those left out stay."""
    project = pipeline.get_project(project_id)
    row = figures.set_month(project, figures.parse_month(month), json.model_dump(exclude_unset=True),
                            actor=g.api_user)
    return InvestmentOut(month=figures.month_label(row.month), funds_in_place_wan=row.funds_in_place_wan,
                         fixed_asset_wan=row.fixed_asset_wan)


@bp.get("/projects/<int:project_id>/investments")
@require(P.read_projects)
@spec.validate(resp=Response(HTTP_200=Investments, **ERRORS), tags=["figures"])
def list_investments(project_id: int):
    """A project's monthly figures, oldest first, with their totals."""
    return Investments.model_validate(figures.project_investments(pipeline.get_project(project_id)))
