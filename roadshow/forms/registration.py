"""Public registration forms (invitation and open events), attendee edits, and the organisers' decisions.

The rules (phone numbers, seats, consent) live in services/registration.py and services/values.py; the
fields' validators run the same cleaners, and `apply_errors` puts the service's other messages beside
the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import EmailField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..labels import ORG_KIND
from ..models import OrgKind, Question, QuestionKind
from ..services import values
from .validators import CreditCode, Email, Phone, Text


class AttendeeForm(Form):
    id = HiddenField()
    name = StringField(_l("Name"), validators=[Text(values.PERSON_NAME_MAX)])
    phone = TelField(_l("Mobile phone"), validators=[Phone()])
    email = EmailField(_l("Email"), validators=[Email()])
    title = StringField(_l("Job title"), validators=[Text(values.TITLE_MAX)])


class AttendeesForm(FlaskForm):
    attendees = FieldList(FormField(AttendeeForm), min_entries=1, max_entries=50)

    def attendee_rows(self) -> list[dict]:
        rows = []
        for entry in self.attendees:
            row = {k: (entry.form[k].data or "").strip() for k in ("id", "name", "phone", "email", "title")}
            if any(row[k] for k in ("name", "phone", "email", "title")):
                rows.append(row)
        return rows


class ManageAttendeesForm(AttendeesForm):
    """The manage page's attendee edit: people added there consent too."""

    consent = BooleanField()


class RegistrationForm(AttendeesForm):
    organisation = StringField(_l("Organisation"), validators=[Text(values.ORG_NAME_MAX)])
    kind = SelectField(_l("Kind of organisation"), default=OrgKind.enterprise.value)
    credit_code = StringField(_l("Unified social credit code (optional)"), validators=[CreditCode()])
    consent = BooleanField()
    # One-time token of this rendering of the form (web/public.py): a second sending finds the first.
    submission_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, str(label)) for kind, label in ORG_KIND.items()]

    # The event's questions, each asked by a field `q_<id>` (see `asking`).
    questions: list[Question] = []

    def asked_fields(self) -> list[tuple[Question, Field]]:
        """(question, its field), in the event's order."""
        return [(q, self[f"q_{q.id}"]) for q in self.questions]

    def answers_data(self) -> dict[str, object]:
        """The answers as the API takes them ({"<question id>": value}); blanks left for the service."""
        return {str(q.id): field.data for q, field in self.asked_fields()}

    def organisation_data(self) -> dict:
        return {"name": (self.organisation.data or "").strip(), "kind": self.kind.data,
                "credit_code": (self.credit_code.data or "").strip() or None}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _question_field(question: Question) -> Field:
    """The input of one question. Its answer is checked by services.questions (the API's rule), whose
    message `apply_errors` puts beside it; the field itself refuses nothing."""
    label = question.label  # the organiser's text, shown as typed
    if question.kind is QuestionKind.choice:
        return RadioField(label, choices=[SelectChoice(o, o) for o in question.options], validate_choice=False)
    if question.kind is QuestionKind.multi:
        return CheckboxesField(label, choices=[SelectChoice(o, o) for o in question.options], validate_choice=False)
    if question.kind is QuestionKind.yes_no:
        return RadioField(label, choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
                          validate_choice=False)
    if question.kind is QuestionKind.number:
        return StringField(label, render_kw={"inputmode": "decimal"})
    return TextAreaField(label, render_kw={"rows": 2})


def asking(form_class: type[RegistrationForm], questions: list[Question]) -> type[RegistrationForm]:
    """The registration form with one field per question of the event (`q_<id>`), in their order."""
    fields = {f"q_{q.id}": _question_field(q) for q in questions}
    asked = type("AskingRegistrationForm", (form_class,), fields)
    asked.questions = list(questions)
    return asked


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the registrant)"), validators=[Length(max=2000)])


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF only)."""


def apply_errors(form, errors: dict[str, list[str]]) -> list[str]:
    """Put service errors (`attendees.0.phone`, `organisation.name`, `consent` …) beside their fields.
    Returns the messages that belong to no single field."""
    general: list[str] = []
    for key, messages in errors.items():
        parts = key.split(".")
        field = None
        if parts[0] == "attendees" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(form.attendees.entries):
                field = form.attendees.entries[index].form._fields.get(parts[2])
        elif parts[0] == "organisation" and len(parts) == 2:
            field = getattr(form, {"name": "organisation", "kind": "kind", "credit_code": "credit_code"}
                            .get(parts[1], ""), None)
        elif key == "consent":
            field = getattr(form, "consent", None)
        elif parts[0] == "answers" and len(parts) == 2:
            field = getattr(form, f"q_{parts[1]}", None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
        else:
            general.extend(messages)
    return general
