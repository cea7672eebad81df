"""The bureau's figures: what each project brought in, month by month."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class ProjectInvestment(Model):
    """One month of a project: the funds that arrived (到位资金) and the fixed-asset investment formed
    (实际形成固定资产投资), both in 万元. `month` is the first day of the month (Beijing's calendar)."""

    __tablename__ = "project_investments"
    __table_args__ = (
        UniqueConstraint("project_id", "month"),
        # The reports' sums (services/figures.py `investment_totals`): each project's months of a period read
        # from the index alone, project by project, without touching the table or sorting the year's rows.
        Index("ix_project_investments_sums", "project_id", "month", "funds_in_place_wan", "fixed_asset_wan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    month: Mapped[dt.date]
    funds_in_place_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    fixed_asset_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Target(Model):
    """A year's targets (目标考核) for the district (team_id NULL) or for one team. A metric left NULL has no
    target, so its completion rate is not computed."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("year", "team_id"),
        # NULLs never collide in a unique constraint: the district's one row per year needs its own index.
        Index("uq_targets_district_year", "year", unique=True, sqlite_where=text("team_id IS NULL"),
              postgresql_where=text("team_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    signed_count: Mapped[int | None]
    signed_amount_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    started_count: Mapped[int | None]
    producing_count: Mapped[int | None]
    out_of_province_over_100m_funds_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    industrial_fixed_asset_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    trips: Mapped[int | None]
    receptions: Mapped[int | None]
    companies_visited: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
