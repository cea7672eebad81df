"""Console: organisations — the list with search, kind filter and pages; create and edit forms."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.organisations import OrganisationEditForm, OrganisationForm
from ..models import OrgKind
from ..permissions import P, require
from ..services import organisations as service
from ..services.errors import Conflict, Invalid
from ..uow import atomic
from . import page_number

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

PER_PAGE = 20


def _actor():
    return current_user._get_current_object()


@bp.get("/")
@require(P.read_events)
def index():
    q = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind", "")
    kind = kind if kind in OrgKind.__members__ else ""
    industries = service.industry_names()
    industry = request.args.get("industry", "")
    industry = industry if industry in industries else ""
    page = page_number()
    rows, total = service.search_organisations(q, kind or None, industry=industry or None, page=page,
                                               per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template("organisations/index.html", organisations=rows, total=total, page=page, pages=pages,
                           q=q, kind=kind, kinds=list(OrgKind), industry=industry, industries=industries)


def _put_errors(form, errors: dict[str, list[str]], rows: list[tuple[int, dict]] | None = None) -> list[str]:
    """Put the service's messages beside their fields; return those that belong to no field."""
    general: list[str] = []
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "contacts" and len(parts) == 3 and rows is not None and parts[1].isdigit() \
                and int(parts[1]) < len(rows):
            sub = form.contacts.entries[rows[int(parts[1])][0]].form
            field = getattr(sub, parts[2], None)
            if field is not None and parts[2] != "id":
                field.errors = list(field.errors) + messages
                continue
        elif len(parts) == 1 and parts[0] in form._fields and parts[0] != "contacts":
            field = form[parts[0]]
            field.errors = list(field.errors) + messages
            continue
        general.extend(messages)
    return general


@bp.get("/<int:org_id>")
@require(P.read_events)
def detail(org_id: int):
    """An organisation's page: its fields, and for those who read the pipeline, every visit and reception it
    had and the projects it referred."""
    from ..permissions import can, current_actor
    from ..services import visits

    org = service.get_organisation(org_id)
    history = visits.organisation_history(org) if can(current_actor(), P.read_projects) else None
    return render_template("organisations/detail.html", org=org, history=history)


@bp.route("/new", methods=["GET", "POST"])
@require(P.manage_events)
def new():
    form = OrganisationForm()
    form.set_industries(service.industry_names())
    general: list[str] = []
    existing_id = None
    if form.validate_on_submit():
        try:
            with atomic():
                org = service.create_organisation(form.organisation_data(), actor=_actor())
        except Invalid as exc:
            general = _put_errors(form, exc.errors)
        except Conflict as exc:
            form.credit_code.errors = list(form.credit_code.errors) + [exc.detail]
            existing_id = exc.extra.get("existing_id")
        else:
            flash(_("Organisation %(name)s created.", name=org.name), "success")
            return redirect(url_for(".index"))
    return render_template("organisations/form.html", form=form, org=None, general=general,
                           existing_id=existing_id)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@require(P.manage_events)
def edit(org_id: int):
    org = service.get_organisation(org_id)
    form = OrganisationEditForm(obj=org)
    form.current_organisation = org
    if request.method == "GET":
        form.kind.data = org.kind.value
        form.contacts.append_entry()  # an empty row to add a contact
    form.set_industries(service.industry_names())
    general: list[str] = []
    existing_id = None
    if form.validate_on_submit():
        rows = form.contact_rows()
        data = dict(form.organisation_data(), contacts=[row for _, row in rows])
        try:
            with atomic():
                service.update_organisation(org, data, actor=_actor())
        except Invalid as exc:
            general = _put_errors(form, exc.errors, rows)
        except Conflict as exc:
            form.credit_code.errors = list(form.credit_code.errors) + [exc.detail]
            existing_id = exc.extra.get("existing_id")
        else:
            flash(_("Changes to %(name)s saved.", name=form.name.data.strip()), "success")
            return redirect(url_for(".edit", org_id=org_id))
        org = service.get_organisation(org_id)
    return render_template("organisations/form.html", form=form, org=org, general=general,
                           existing_id=existing_id)
