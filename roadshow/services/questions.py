"""Registration questions and answers, and the registration window.

An event asks its questions (关注产业, 投资意向, 融资需求 …) on the registration form and through the
public API; the answers are checked here, for both, before the registration takes its lock, and stored
with the registration in the same unit of work (nothing is written when one answer is refused).

Once any registration has answered a question, the question can no longer be deleted nor change its
kind, and its options may only grow (new options appended or the order changed; an option someone
may have chosen is never removed nor renamed): 409. Its label and whether it is required may change.
Changes of questions take the event's lock, as registration does before it stores answers (and checks
them once more): a question is never deleted or changed under a registration answering it.

The registration window: `registration_opens_at` / `registration_closes_at` (both optional). Outside it
public registration answers 410 (Gone) with a message saying when it opens or that it has closed; the
registrant's manage page keeps working (see services/registration.py `update_attendees`).
"""
from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, inspect, select

from ..extensions import db
from ..models import Event, Registration, User
from ..models.questions import WITH_OPTIONS, Answer, Question, QuestionKind
from ..models.types import utcnow
from . import audit, values
from .errors import Conflict, Gone, Invalid, NotFound
from .locks import lock_event

LABEL_MAX = 200  # a question's label (the column's length)
OPTION_MAX = 100  # one option of a choice or multi question
OPTIONS_MAX = 50  # options of one question
QUESTIONS_MAX = 50  # questions of one event
TEXT_ANSWER_MAX = 2000  # a text answer
NUMBER_DIGITS_MAX = 18  # digits of a number answer (before and after the point)

YES_WORDS = {"yes", "true", "1", "y", "是"}
NO_WORDS = {"no", "false", "0", "n", "否"}


# --- questions ------------------------------------------------------------------------------------

def list_questions(event: Event) -> list[Question]:
    """The event's questions in the order they are asked."""
    return list(db.session.scalars(select(Question).where(Question.event_id == event.id)
                                   .order_by(Question.position, Question.id)))


def get_question(question_id: int, *, fresh: bool = False) -> Question:
    question = db.session.get(Question, question_id, populate_existing=fresh)
    if question is None:
        raise NotFound(_("There is no such question."))
    return question


def is_answered(question: Question) -> bool:
    return db.session.scalar(select(Answer.id).where(Answer.question_id == question.id).limit(1)) is not None


def answered_ids(questions: Iterable[Question]) -> set[int]:
    ids = [q.id for q in questions]
    if not ids:
        return set()
    return set(db.session.scalars(select(Answer.question_id).where(Answer.question_id.in_(ids)).distinct()))


def _kind(value: object) -> QuestionKind:
    try:
        return QuestionKind(value.value if isinstance(value, enum.Enum) else value)
    except ValueError:
        raise Invalid({"kind": [_("Choose text, choice, multiple choice, number or yes/no.")]}) from None


def _options(raw: object, kind: QuestionKind) -> list[str]:
    """Options of a choice/multi question: trimmed, no blanks nor repeats, 2..OPTIONS_MAX of them.
    Other kinds take none (what is sent is dropped)."""
    if kind not in WITH_OPTIONS:
        return []
    if raw is None:
        raw = []
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, (list, tuple)):
        raise Invalid({"options": [_("Give the options as a list.")]})
    options: list[str] = []
    for item in raw:
        text = values.clean_text(item, "options", max_length=OPTION_MAX)
        if text is not None and text not in options:
            options.append(text)
    if len(options) < 2:
        raise Invalid({"options": [_("Give at least two options.")]})
    if len(options) > OPTIONS_MAX:
        raise Invalid({"options": [_("At most %(n)d options.", n=OPTIONS_MAX)]})
    return options


def _label(value: object) -> str:
    return values.require_text(value, "label", max_length=LABEL_MAX, missing=_("Enter the question."))


def _required(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid({"required": [_("Say whether an answer is required.")]})
    return value


def create_question(event: Event, actor: User | None, *, label: object, kind: object,
                    options: object = None, required: object = False) -> Question:
    """A new question, asked after the event's others."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, clean in (("label", lambda: _label(label)), ("kind", lambda: _kind(kind)),
                        ("required", lambda: _required(required))):
        try:
            cleaned[name] = clean()
        except Invalid as exc:
            errors.update(exc.errors)
    if "kind" in cleaned:
        try:
            cleaned["options"] = _options(options, cleaned["kind"])
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    lock_event(event.id)
    count, last = db.session.execute(select(func.count(Question.id), func.max(Question.position))
                                     .where(Question.event_id == event.id)).one()
    if count >= QUESTIONS_MAX:
        raise Invalid({"label": [_("An event asks at most %(n)d questions.", n=QUESTIONS_MAX)]})
    question = Question(event_id=event.id, position=(last or 0) + 1, **cleaned)
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.create", "question", question.id, {"event_id": event.id, **cleaned})
    return question


def update_question(question: Question, actor: User | None, **fields: Any) -> Question:
    """Change some of label, kind, options, required, position. Once answered: 409 for a change of
    kind, or of options other than adding ones (or reordering them)."""
    unknown = set(fields) - {"label", "kind", "options", "required", "position"}
    if unknown:
        raise ValueError(f"not question fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    if "label" in fields:
        cleaned["label"] = _label(fields["label"])
    if "required" in fields:
        cleaned["required"] = _required(fields["required"])
    if "position" in fields:
        position = fields["position"]
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 10_000:
            raise Invalid({"position": [_("Give a position from 0 to 10000.")]})
        cleaned["position"] = position
    kind = _kind(fields["kind"]) if "kind" in fields else question.kind
    lock_event(question.event_id)
    question = get_question(question.id, fresh=True)
    if "kind" in fields or "options" in fields:
        options = _options(fields.get("options", question.options), kind)
        cleaned["kind"], cleaned["options"] = kind, options
        changes_kind = kind is not question.kind
        drops_option = not set(question.options or []) <= set(options)
        if (changes_kind or drops_option) and is_answered(question):
            raise Conflict(_("This question has been answered: its kind can no longer change, and its "
                             "options can only be added to."))
    changes = audit.diff(question, cleaned)
    if changes:
        db.session.flush()
        audit.record(actor, "question.update", "question", question.id, changes)
    return question


def delete_question(question: Question, actor: User | None) -> None:
    """Remove an unanswered question (409 once answered)."""
    lock_event(question.event_id)
    question = get_question(question.id, fresh=True)
    if is_answered(question):
        raise Conflict(_("This question has been answered and can no longer be deleted."))
    audit.record(actor, "question.delete", "question", question.id,
                 {"event_id": question.event_id, "label": question.label, "kind": question.kind})
    db.session.delete(question)
    db.session.flush()


# --- answers ---------------------------------------------------------------------------------------

def _number(value: object) -> str:
    """A number answer as a decimal string (exact; never a float in storage)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError
    text = str(value).strip().replace(",", "")
    if not text:
        raise ValueError
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or len(number.as_tuple().digits) > NUMBER_DIGITS_MAX \
            or abs(number.as_tuple().exponent) > NUMBER_DIGITS_MAX:  # type: ignore[arg-type]
        raise ValueError
    return format(number.normalize(), "f") if number != 0 else "0"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)


def clean_answer(question: Question, value: object, *, require: bool = True) -> Any:  # noqa: C901 — one rule a kind
    """The stored form of an answer (None when unanswered); Invalid under `answers.<id>`. Without `require`
    (a walk-in registered at the door) a required question may stay unanswered."""
    field = f"answers.{question.id}"

    def fail(message: str) -> Invalid:
        return Invalid({field: [message]})

    if _blank(value):
        if question.required and require:
            raise fail(_("Please answer this question."))
        return None
    kind = question.kind
    if kind is QuestionKind.text:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise fail(_("Enter text."))
        return values.clean_text(value, field, max_length=TEXT_ANSWER_MAX)
    if kind is QuestionKind.number:
        try:
            return _number(value)
        except ValueError:
            raise fail(_("Enter a number.")) from None
    if kind is QuestionKind.yes_no:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, (str, int)) else None
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
        raise fail(_("Answer yes or no."))
    if kind is QuestionKind.choice:
        if not isinstance(value, str) or value.strip() not in question.options:
            raise fail(_("Choose one of the options."))
        return value.strip()
    # multi
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, list) or not all(isinstance(v, str) for v in chosen):
        raise fail(_("Choose among the options."))
    picked = {v.strip() for v in chosen if v.strip()}
    if not picked <= set(question.options):
        raise fail(_("Choose among the options."))
    if not picked and question.required:
        raise fail(_("Please answer this question."))
    return [option for option in question.options if option in picked] or None


def clean_answers(event: Event, raw: dict | None, *, require: bool = True,
                  questions: list[Question] | None = None) -> dict[int, Any]:
    """Every answer checked against the event's questions, all errors at once (`answers.<id>`, and
    `answers` for an answer to no question of the event). Unanswered optional questions are left out.
    `questions`: the event's questions (`list_questions`) when the caller has read them already."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise Invalid({"answers": [_("Give the answers as an object of question ids.")]})
    if questions is None:
        questions = list_questions(event)
    known = {str(q.id) for q in questions}
    errors: dict[str, list[str]] = {}
    strangers = [key for key in raw if str(key) not in known]
    for key in strangers:
        errors[f"answers.{key}"] = [_("This is not a question of this event.")]
    given = {str(k): v for k, v in raw.items()}
    cleaned: dict[int, Any] = {}
    for question in questions:
        try:
            value = clean_answer(question, given.get(str(question.id)), require=require)
        except Invalid as exc:
            errors.update(exc.errors)
            continue
        if value is not None:
            cleaned[question.id] = value
    if errors:
        raise Invalid(errors)
    return cleaned


def remember_answers(reg: Registration, cleaned: dict[int, Any]) -> None:
    """Keep a new registration's stored answers with it for the rest of the unit of work, so its answer
    (`registration_answers`) does not read them back."""
    inspect(reg).info["answers"] = dict(cleaned)


def registration_answers(reg: Registration) -> dict[int, Any]:
    """The registration's answers: those remembered when it was made in this unit of work, or read."""
    remembered = inspect(reg).info.get("answers")
    return dict(remembered) if remembered is not None else answers_of([reg.id])[reg.id]


def save_answers(reg: Registration, cleaned: dict[int, Any]) -> None:
    """Store a new registration's answers (cleaned by `clean_answers`), audited with it."""
    remember_answers(reg, cleaned)
    for question_id, value in cleaned.items():
        db.session.add(Answer(registration_id=reg.id, question_id=question_id, value=value))
    if cleaned:
        db.session.flush()
        audit.record(None, "registration.answers", "registration", reg.id,
                     {"answers": {str(k): v for k, v in cleaned.items()}})


def answers_of(registration_ids: Iterable[int]) -> dict[int, dict[int, Any]]:
    """{registration id: {question id: value}} for the given registrations (one query)."""
    ids = list(registration_ids)
    out: dict[int, dict[int, Any]] = {i: {} for i in ids}
    if not ids:
        return out
    for reg_id, question_id, value in db.session.execute(
            select(Answer.registration_id, Answer.question_id, Answer.value)
            .where(Answer.registration_id.in_(ids))):
        out[reg_id][question_id] = value
    return out


def answers_for_event(event: Event) -> dict[int, dict[int, Any]]:
    """Every answer of the event's registrations: {registration id: {question id: value}}."""
    out: dict[int, dict[int, Any]] = {}
    for reg_id, question_id, value in db.session.execute(
            select(Answer.registration_id, Answer.question_id, Answer.value)
            .join(Registration, Registration.id == Answer.registration_id)
            .where(Registration.event_id == event.id)):
        out.setdefault(reg_id, {})[question_id] = value
    return out


def api_value(question: Question, value: Any) -> Any:
    """An answer as the API returns it: numbers as JSON numbers, the rest as stored."""
    if question.kind is QuestionKind.number and isinstance(value, str):
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    return value


def display(question: Question, value: Any) -> str:
    """An answer as a person reads it (pages, exports), in the current language."""
    if value is None:
        return ""
    if question.kind is QuestionKind.yes_no:
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


# --- the registration window -----------------------------------------------------------------------

class Window(str, enum.Enum):
    not_yet = "not_yet"
    open = "open"
    closed = "closed"


def window_state(event: Event, now: datetime | None = None) -> Window:
    now = now or utcnow()
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return Window.not_yet
    if event.registration_closes_at is not None and now >= event.registration_closes_at:
        return Window.closed
    return Window.open


def _in_zone(event: Event, value: datetime) -> str:
    return value.astimezone(ZoneInfo(event.timezone or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def window_message(event: Event, state: Window | None = None) -> str | None:
    """What the page says outside the window (None inside it)."""
    state = state or window_state(event)
    if state is Window.not_yet and event.registration_opens_at is not None:
        zone = event.timezone or "Asia/Shanghai"
        return _("Registration opens on %(at)s (%(zone)s).", at=_in_zone(event, event.registration_opens_at),
                 zone=_("Beijing time") if zone == "Asia/Shanghai" else zone)
    if state is Window.closed:
        return _("Registration for this event has closed.")
    return None


def ensure_window_open(event: Event) -> None:
    """Gone (410) outside the event's registration window."""
    message = window_message(event)
    if message is not None:
        raise Gone(message, window=window_state(event).value)
