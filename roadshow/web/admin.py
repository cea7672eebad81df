"""Administration: the audit log."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..permissions import P, require
from ..services import audit
from ..services.values import ID_MAX
from . import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 50


@bp.get("/audit")
@require(P.read_audit)
def audit_log():
    filters = {k: request.args.get(k, "").strip()[:audit.FILTER_MAX] for k in ("actor", "action", "entity_type")}
    entity_id = request.args.get("entity_id", type=int)
    page = page_number()
    entries, total = audit.entries(audit.AuditFilters(
        actor=filters["actor"] or None, action=filters["action"] or None,
        entity_type=filters["entity_type"] or None,
        entity_id=entity_id if entity_id is not None and 0 <= entity_id <= ID_MAX else None), page, PER_PAGE)
    if entity_id is not None:
        filters["entity_id"] = str(entity_id)
    return render_template("admin/audit.html", entries=entries, filters=filters, page=page, total=total,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), types=audit.entity_types())
