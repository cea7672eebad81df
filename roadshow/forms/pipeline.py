"""Forms of the pipeline pages: projects, lead capture, stage moves."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..labels import ORIGIN, STAGE
from ..models import Origin, Stage


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def origin_field() -> SelectField:
    """Where the investor comes from (the project form and the visits' lead form): not known, or an Origin."""
    return SelectField(_l("Investor from"), choices=[SelectChoice("", _l("— not known —"))] + [
        SelectChoice(o.value, ORIGIN[o]) for o in Origin], validate_choice=False)


class ProjectForm(FlaskForm):
    name = StringField(_l("Project name"), validators=[DataRequired(message=_l("Enter the project's name.")),
                                                       Length(max=200)])
    organisation_id = SelectField(_l("Organisation"), coerce=_int_or_none, validate_choice=False)
    attendee_id = SelectField(_l("Guest met"), coerce=_int_or_none, validate_choice=False)
    industry = SelectField(_l("Industry"), validate_choice=False)
    amount_wan = StringField(_l("Amount (10k yuan)"), validators=[Length(max=20)],
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    origin = origin_field()
    industrial = BooleanField(_l("Industrial project"))
    team_id = SelectField(_l("Team"), coerce=_int_or_none, validate_choice=False)
    officer_id = SelectField(_l("Responsible officer"), coerce=_int_or_none, validate_choice=False)
    next_follow_up = DateField(_l("Next follow-up"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)], render_kw={"rows": 3})
    referred_by_id = SelectField(_l("Referred by (fund or agent)"), coerce=_int_or_none, validate_choice=False)
    submit = SubmitField(_l("Save"))


class InvestmentForm(FlaskForm):
    """One month of a project's figures, on the project page."""

    month = StringField(_l("Month"), validators=[InputRequired(message=_l("Enter the month."))],
                        render_kw={"placeholder": "2025-06", "autocomplete": "off"})
    funds_in_place_wan = StringField(_l("Funds in place (10k yuan)"), validators=[Length(max=20)],
                                     render_kw={"inputmode": "decimal", "autocomplete": "off"})
    fixed_asset_wan = StringField(_l("Fixed-asset investment formed (10k yuan)"), validators=[Length(max=20)],
                                  render_kw={"inputmode": "decimal", "autocomplete": "off"})
    submit = SubmitField(_l("Record the month"))


class MoveForm(FlaskForm):
    stage = SelectField(_l("New stage"), choices=[SelectChoice(s.value, STAGE[s]) for s in Stage],
                        validators=[InputRequired(message=_l("Choose the new stage."))])
    date = DateField(_l("Date of the change"), validators=[InputRequired(message=_l("Enter the date."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Move"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BulkLeadForm(FlaskForm):
    organisation_ids = MultiCheckboxField(_l("Checked-in organisations"), coerce=int, validate_choice=False)
    industry = SelectField(_l("Industry"), validate_choice=False)
    next_follow_up = DateField(_l("Next follow-up"), validators=[Optional()])
    submit = SubmitField(_l("Mark as leads"))
