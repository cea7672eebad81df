"""Forms of the bureau's pages: teams, and a project's follow-up records."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..labels import TEAM_KIND
from ..models import TeamKind
from ..services import follow_ups, teams
from .pipeline import MultiCheckboxField, _int_or_none


class TeamForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=teams.NAME_MAX)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, TEAM_KIND[k]) for k in TeamKind],
                       validate_choice=False)
    city = StringField(_l("City (stationed teams)"), validators=[Length(max=teams.CITY_MAX)])
    industry = SelectField(_l("Industry (industry teams)"), validate_choice=False)
    leader_id = SelectField(_l("Leader"), coerce=_int_or_none, validate_choice=False)
    member_ids = MultiCheckboxField(_l("Members"), coerce=int, validate_choice=False)


class FollowUpForm(FlaskForm):
    """Two taps on a phone: write the note, tap the kind (each kind is a submit button)."""

    note = TextAreaField(_l("What was said or done"), validators=[Length(max=follow_ups.NOTE_MAX)],
                         render_kw={"rows": 2})
    kind = StringField(_l("Kind"))
    at = DateTimeLocalField(_l("When (default now)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    next_step = StringField(_l("Next step"), validators=[Length(max=follow_ups.NEXT_STEP_MAX)])
    next_follow_up = DateField(_l("Next follow-up"), validators=[Optional()])
