"""API v1: an event's registration questions (the answers come with public registration)."""
from __future__ import annotations

from typing import Literal

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, Field
from spectree import Response

from ..models import Question
from ..permissions import P, can, current_actor, require
from ..services import calendar
from ..services import questions as service
from ..services import users as user_service
from ..services.errors import NotFound
from ..services.events import get_event
from . import bp, public, spec
from .schemas import Problem

KindName = Literal["text", "choice", "multi", "number", "yes_no"]


class QuestionIn(BaseModel):
    label: str = Field(max_length=service.LABEL_MAX)
    kind: KindName
    options: list[str] = Field(default_factory=list, max_length=service.OPTIONS_MAX,
                               description="For choice and multi: at least two, in the order shown")
    required: bool = False


class QuestionPatch(BaseModel):
    """Label, required and position may always change; once answered, `kind` may not and `options`
    may only be added to (or reordered): 409."""

    label: str | None = Field(None, max_length=service.LABEL_MAX)
    kind: KindName | None = None
    options: list[str] | None = Field(None, max_length=service.OPTIONS_MAX)
    required: bool | None = None
    position: int | None = Field(None, ge=0, le=10_000)


class QuestionOut(BaseModel):
    id: int
    event_id: int
    position: int
    label: str
    kind: KindName
    options: list[str]
    required: bool
    answered: bool = Field(description="Some registration has answered it (kind and options are then fixed)")


class QuestionList(BaseModel):
    items: list[QuestionOut]
    total: int


class Deleted(BaseModel):
    deleted: bool


def view(question: Question, answered: bool) -> QuestionOut:
    return QuestionOut(id=question.id, event_id=question.event_id, position=question.position,
                       label=question.label, kind=question.kind.value, options=list(question.options or []),
                       required=question.required, answered=answered)


ERRORS = dict(HTTP_401=Problem, HTTP_403=Problem, HTTP_404=Problem)


def _may_see_drafts() -> bool:
    """An anonymous caller sees a published event's questions; a valid token that reads events, any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    record = user_service.resolve_token(token.strip())
    return record is not None and can(record.user, P.read_events)


@bp.get("/events/<int:event_id>/questions")
@public
@spec.validate(resp=Response(HTTP_200=QuestionList, HTTP_404=Problem), tags=["questions"], security={})
def list_questions(event_id: int):
    """The event's registration questions in their order (anonymous too, for events that are or were
    public; with a token that reads events also for drafts)."""
    event = get_event(event_id)
    if not calendar.is_visible(event) and not _may_see_drafts():
        raise NotFound(_("There is no such event."))
    items = service.list_questions(event)
    answered = service.answered_ids(items)
    return QuestionList(items=[view(q, q.id in answered) for q in items], total=len(items))


@bp.post("/events/<int:event_id>/questions")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_201=QuestionOut, **ERRORS), tags=["questions"])
def create_question(event_id: int, json: QuestionIn):
    """Add a question, asked after the event's others. 422 without a label, or a choice/multi question
    with fewer than two options."""
    question = service.create_question(get_event(event_id), current_actor(), **json.model_dump())
    return view(question, False), 201


@bp.patch("/questions/<int:question_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=QuestionOut, HTTP_409=Problem, **ERRORS), tags=["questions"])
def update_question(question_id: int, json: QuestionPatch):
    """Change a question. 409 once answered, for a change of `kind` or the removal or renaming of an
    option (adding options stays possible)."""
    question = service.update_question(service.get_question(question_id), current_actor(),
                                       **json.model_dump(exclude_unset=True, exclude_none=True))
    return view(question, service.is_answered(question))


@bp.delete("/questions/<int:question_id>")
@require(P.manage_events)
@spec.validate(resp=Response(HTTP_200=Deleted, HTTP_409=Problem, **ERRORS), tags=["questions"])
def delete_question(question_id: int):
    """Delete a question nobody has answered (409 once answered)."""
    service.delete_question(service.get_question(question_id), current_actor())
    return Deleted(deleted=True)
