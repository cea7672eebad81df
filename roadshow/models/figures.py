"""The bureau's figures: what each project brought in, month by month."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class ProjectInvestment(Model):
    """One month of a project: the funds that arrived (到位资金) and the fixed-asset investment formed
    (实际形成固定资产投资), both in 万元. `month` is the first day of the month (Beijing's calendar)."""

    __tablename__ = "project_investments"
    __table_args__ = (UniqueConstraint("project_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(index=True)
    funds_in_place_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    fixed_asset_wan: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
