"""Console: the bureau's figures — the monthly report (月调度), printable, with its spreadsheet and charts."""
from __future__ import annotations

from flask import Blueprint, render_template, request, send_file

from ..permissions import P, require
from ..services import figures, monthly, pipeline
from ..services.errors import Invalid
from ..services.figures import month_label

bp = Blueprint("figures", __name__, url_prefix="/reports")


def _month():
    """?month=YYYY-MM, this month by default; a malformed one is a 422 page, never silently replaced."""
    raw = request.args.get("month")
    return figures.parse_month(raw) if raw else pipeline.today().replace(day=1)


@bp.get("/monthly")
@require(P.read_reports)
def monthly_report():
    try:
        month = _month()
    except Invalid as exc:
        return render_template("figures/monthly.html", report=None, month=request.args.get("month", "")[:7],
                               error=" ".join(m for ms in exc.errors.values() for m in ms)), 422
    report = monthly.monthly_report(month)
    chart = {"teams": [t["name"] for t in report["teams"] if t["score"] is not None],
             "scores": [round(t["score"] * 100, 1) for t in report["teams"] if t["score"] is not None]}
    return render_template("figures/monthly.html", report=report, month=month_label(month), chart=chart, error=None)


@bp.get("/monthly.xlsx")
@require(P.read_reports)
def monthly_xlsx():
    month = _month()
    return send_file(monthly.monthly_workbook(monthly.monthly_report(month)), as_attachment=True,
                     download_name=f"monthly-{month_label(month)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
