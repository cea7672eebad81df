"""Console form for an event's registration questions; services.questions checks the rules (options of a
choice, what may change once answered) and the view puts its messages beside the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..models import QuestionKind

KIND_LABELS = {
    QuestionKind.text: _l("Text"),
    QuestionKind.choice: _l("One choice"),
    QuestionKind.multi: _l("Multiple choice"),
    QuestionKind.number: _l("A number"),
    QuestionKind.yes_no: _l("Yes / no"),
}


class QuestionForm(FlaskForm):
    label = StringField(_l("Question"))
    kind = SelectField(_l("Kind of answer"), default=QuestionKind.text.value, validate_choice=False,
                       choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()])
    options = TextAreaField(_l("Options (one a line)"), render_kw={"rows": 4},
                            description=_l("For one choice and multiple choice."))
    required = BooleanField(_l("An answer is required"))

    def question_fields(self) -> dict:
        return {"label": self.label.data, "kind": self.kind.data,
                "options": [line for line in (self.options.data or "").splitlines()],
                "required": bool(self.required.data)}


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons (CSRF only)."""
