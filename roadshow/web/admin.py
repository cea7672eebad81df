"""Administration: the audit log."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from ..extensions import db
from ..models import AuditEntry
from ..permissions import P, require

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@bp.get("/audit")
@require(P.read_audit)
def audit_log():
    stmt = select(AuditEntry)
    filters = {k: request.args.get(k, "").strip()[:50] for k in ("actor", "action", "entity_type")}
    if filters["actor"]:
        stmt = stmt.where(AuditEntry.actor.contains(filters["actor"], autoescape=True))
    if filters["action"]:
        stmt = stmt.where(AuditEntry.action.startswith(filters["action"], autoescape=True))
    if filters["entity_type"]:
        stmt = stmt.where(AuditEntry.entity_type == filters["entity_type"])
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    entries = db.session.scalars(stmt.order_by(AuditEntry.id.desc()).offset((page - 1) * PER_PAGE)
                                 .limit(PER_PAGE)).all()
    types = db.session.scalars(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)).all()
    return render_template("admin/audit.html", entries=entries, filters=filters, page=page, total=total,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), types=types)
