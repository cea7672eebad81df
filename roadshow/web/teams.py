"""The bureau's teams (招商工作队, 产业专班, 驻点招商组) and projects' follow-up records, in the console."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from .. import labels
from ..forms.teams import FollowUpForm, TeamForm
from ..models import FollowUpKind, TeamKind
from ..permissions import P, current_actor, require
from ..services import follow_ups, pipeline, teams
from ..services.errors import Invalid
from ..services.organisations import industry_names
from ..uow import atomic

bp = Blueprint("teams", __name__)


@bp.app_context_processor
def _labels():
    return {"team_kind_label": lambda kind: labels.TEAM_KIND[TeamKind(kind)],
            "follow_up_kind_label": lambda kind: labels.FOLLOW_UP_KIND[FollowUpKind(kind)]}


def _put_errors(form, exc: Invalid) -> None:
    for field, messages in exc.errors.items():
        target = getattr(form, field, None)
        if target is None:
            flash(" ".join(messages), "danger")
        else:
            target.errors = list(target.errors or []) + list(messages)


@bp.get("/teams")
@require(P.read_projects)
def index():
    by_kind = {kind: [] for kind in TeamKind}
    for team in teams.list_teams():
        by_kind[team.kind].append(team)
    return render_template("teams/index.html", by_kind=by_kind, counts=teams.work_counts(),
                           empty=teams.TeamWork())


@bp.get("/teams/<int:team_id>")
@require(P.read_projects)
def detail(team_id: int):
    team = teams.get_team(team_id)
    projects, trips, receptions = teams.team_work(team)
    return render_template("teams/detail.html", team=team, projects=projects, trips=trips,
                           receptions=receptions, today=pipeline.today())


def _fill_choices(form: TeamForm, team=None) -> None:
    users = teams.active_users()
    form.leader_id.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(u.id, u.name or u.email)
                                                                  for u in users]
    form.member_ids.choices = [SelectChoice(u.id, u.name or u.email) for u in users]
    form.industry.choices = [SelectChoice("", _("— none —"))] + [SelectChoice(n) for n in industry_names()]
    if team is not None and team.industry and team.industry not in industry_names():
        form.industry.choices.append(SelectChoice(team.industry))


def _fields(form: TeamForm) -> dict:
    return {"name": form.name.data, "kind": form.kind.data, "city": form.city.data,
            "industry": form.industry.data or None, "leader_id": form.leader_id.data,
            "member_ids": form.member_ids.data or []}


@bp.route("/teams/new", methods=["GET", "POST"])
@require(P.manage_projects)
def new():
    form = TeamForm()
    _fill_choices(form)
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in TeamKind.__members__ else "team"
    if form.validate_on_submit():
        try:
            with atomic():
                team = teams.create_team(_fields(form), actor=current_actor())
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The team was created."), "success")
            return redirect(url_for("teams.detail", team_id=team.id))
    status = 422 if request.method == "POST" else 200
    return render_template("teams/form.html", form=form, team=None), status


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@require(P.manage_projects)
def edit(team_id: int):
    team = teams.get_team(team_id)
    form = TeamForm(obj=team if request.method == "GET" else None)
    _fill_choices(form, team)
    if request.method == "GET":
        form.kind.data = team.kind.value
        form.industry.data = team.industry or ""
        form.member_ids.data = [u.id for u in team.members]
    if form.validate_on_submit():
        try:
            with atomic():
                teams.update_team(team, _fields(form), actor=current_actor())
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The team was saved."), "success")
            return redirect(url_for("teams.detail", team_id=team.id))
    status = 422 if request.method == "POST" else 200
    return render_template("teams/form.html", form=form, team=team), status


@bp.post("/pipeline/projects/<int:project_id>/follow-ups")
@require(P.manage_projects)
def add_follow_up(project_id: int):
    project = pipeline.get_project(project_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        at = form.at.data.replace(tzinfo=pipeline.SHANGHAI) if form.at.data else None
        data = {"at": at, "kind": form.kind.data, "note": form.note.data, "next_step": form.next_step.data,
                "next_follow_up": form.next_follow_up.data}
        try:
            with atomic():
                follow_ups.add_follow_up(project, data, actor=current_actor())
        except Invalid as exc:
            _put_errors(form, exc)
        else:
            flash(_("The follow-up was recorded."), "success")
            return redirect(url_for("pipeline.project", project_id=project.id) + "#follow-ups")
    # The project page again, with the record's errors beside its fields.
    from .pipeline import InvestmentForm, project_page

    return project_page(project, InvestmentForm(formdata=None), follow_up_form=form), 422
