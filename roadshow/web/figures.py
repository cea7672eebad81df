"""Console: the bureau's figures — the monthly report (月调度), printable, with its spreadsheet and charts, and the
year summary (年度招商工作综述) written as prose."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, send_file, url_for

from ..permissions import P, require
from ..services import figures, monthly, pipeline, summary
from ..services.errors import Invalid
from ..services.figures import month_label
from . import page_number

bp = Blueprint("figures", __name__, url_prefix="/reports")

# The console page's stalled list, a page at a time (about 1,700 projects at 10,000: rendered whole, the page took
# 349 ms on SQLite); `?print=1` shows them all for the paper report.
STALLED_PER_PAGE = 50


def _month():
    """?month=YYYY-MM, this month by default; a malformed one is a 422 page, never silently replaced."""
    raw = request.args.get("month")
    return figures.parse_month(raw) if raw else pipeline.today().replace(day=1)


@bp.get("/monthly")
@require(P.read_reports)
def monthly_report():
    """The month's report; its stalled list `STALLED_PER_PAGE` a page (`?page=`: junk gives the first page, one
    past the end the last), or all of it in the print view (`?print=1`)."""
    printing = request.args.get("print") == "1"
    try:
        month = _month()
    except Invalid as exc:
        return render_template("figures/monthly.html", report=None, month=request.args.get("month", "")[:7],
                               error=" ".join(m for ms in exc.errors.values() for m in ms), printing=printing,
                               page_url=_page_url), 422
    report = monthly.monthly_report(month, with_stalled=False)
    if printing:
        stalled = {"items": monthly.stalled(month), "page": 1, "pages": 1}
        stalled["total"] = len(stalled["items"])
    else:
        stalled = monthly.stalled_page(month, page_number(), STALLED_PER_PAGE)
    chart = {"teams": [t["name"] for t in report["teams"] if t["score"] is not None],
             "scores": [round(t["score"] * 100, 1) for t in report["teams"] if t["score"] is not None]}
    return render_template("figures/monthly.html", report=report, stalled=stalled, month=month_label(month),
                           chart=chart, error=None, printing=printing, page_url=_page_url)


def _page_url(**changes) -> str:
    """This page's address with `changes` to its query (None drops a parameter): the month and any other
    filter stay."""
    args = request.args.to_dict(flat=False)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = [str(value)]
    return url_for("figures.monthly_report", **args)


@bp.get("/monthly.xlsx")
@require(P.read_reports)
def monthly_xlsx():
    month = _month()
    return send_file(monthly.monthly_workbook(monthly.monthly_report(month)), as_attachment=True,
                     download_name=f"monthly-{month_label(month)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/summary")
@require(P.read_reports)
def year_summary():
    """The year's summary as the bureau writes it (this year by default); a malformed year is a 422 page."""
    raw = request.args.get("year")
    try:
        year = summary.parse_year(raw) if raw else pipeline.today().year
    except Invalid as exc:
        return render_template("figures/summary.html", summary=None, paragraphs=[], year=(raw or "")[:4],
                               error=" ".join(m for ms in exc.errors.values() for m in ms)), 422
    data = summary.year_summary(year)
    return render_template("figures/summary.html", summary=data, paragraphs=summary.summary_prose(data), year=year,
                           error=None)


@bp.get("/summary.json")
@require(P.read_reports)
def year_summary_json():
    """The page's data as the API gives it (`GET /api/v1/reports/summary`), on the session (the API wants bearer
    tokens): the page links to it."""
    from ..api.problems import from_domain_error
    from ..api.reports import YearSummary

    try:
        year = summary.parse_year(request.args.get("year"))
    except Invalid as exc:
        return from_domain_error(exc)
    return Response(YearSummary.model_validate(summary.year_summary(year)).model_dump_json(),
                    mimetype="application/json", headers={"Cache-Control": "no-store"})
