"""Console: an event's registration questions (add, change, delete)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..forms.questions import KIND_LABELS, ConfirmForm, QuestionForm
from ..permissions import P, current_actor, require
from ..services import questions as service
from ..services.errors import Conflict, Invalid
from ..services.events import get_event
from ..uow import atomic

bp = Blueprint("questions", __name__, url_prefix="/events/<int:event_id>/questions")


def _put_errors_on(form: QuestionForm, exc: Invalid) -> None:
    for name, messages in exc.errors.items():
        field = getattr(form, name, None)
        if field is None or not hasattr(field, "errors"):
            flash(" ".join(messages), "error")
        else:
            field.errors = list(field.errors) + list(messages)


def _page(event, form: QuestionForm, editing: int | None = None, edit_form: QuestionForm | None = None,
          status: int = 200):
    items = service.list_questions(event)
    return render_template("questions/index.html", event=event, items=items, form=form,
                           answered=service.answered_ids(items), kind_labels=KIND_LABELS, editing=editing,
                           edit_form=edit_form, confirm=ConfirmForm()), status


@bp.get("/")
@require(P.manage_events)
def index(event_id: int):
    """The questions the registration form asks, in order, with the form to add one."""
    return _page(get_event(event_id), QuestionForm(prefix="new"))


@bp.post("/")
@require(P.manage_events)
def create(event_id: int):
    event = get_event(event_id)
    form = QuestionForm(prefix="new")
    if form.validate_on_submit():
        try:
            with atomic():
                service.create_question(event, current_actor(), **form.question_fields())
        except Invalid as exc:
            _put_errors_on(form, exc)
            return _page(event, form, status=422)
        flash(_("The question has been added."), "success")
    return redirect(url_for("questions.index", event_id=event.id))


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@require(P.manage_events)
def edit(event_id: int, question_id: int):
    event = get_event(event_id)
    question = service.get_question(question_id)
    if question.event_id != event.id:
        return redirect(url_for("questions.index", event_id=event.id))
    form = QuestionForm(prefix="edit")
    if not form.is_submitted():
        form = QuestionForm(prefix="edit", label=question.label, kind=question.kind.value,
                            options="\n".join(question.options or []), required=question.required)
    elif form.validate_on_submit():
        try:
            with atomic():
                service.update_question(question, current_actor(), **form.question_fields())
        except Invalid as exc:
            _put_errors_on(form, exc)
            return _page(event, QuestionForm(prefix="new", formdata=None), question.id, form, 422)
        except Conflict as exc:
            form.options.errors = [exc.detail]
            return _page(event, QuestionForm(prefix="new", formdata=None), question.id, form, 409)
        flash(_("Changes saved."), "success")
        return redirect(url_for("questions.index", event_id=event.id))
    return _page(event, QuestionForm(prefix="new", formdata=None), question.id, form)


@bp.post("/<int:question_id>/delete")
@require(P.manage_events)
def delete(event_id: int, question_id: int):
    event = get_event(event_id)
    question = service.get_question(question_id)
    if question.event_id == event.id and ConfirmForm().validate_on_submit():
        try:
            with atomic():
                service.delete_question(question, current_actor())
        except Conflict as exc:
            flash(exc.detail, "error")
        else:
            flash(_("The question has been deleted."), "success")
    return redirect(url_for("questions.index", event_id=event.id))
