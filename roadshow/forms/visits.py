"""Forms of the reception and trip pages. The rules are services.visits': the view hands the data to the
service and puts its messages beside the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..services import visits as service
from .pipeline import origin_field


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value) if str(value).isdigit() else -1


class ReceptionForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    organisation_ids = SelectMultipleField(_l("Visiting organisations"), coerce=int, validate_choice=False,
                                           description=_l("Choose one or more."))
    visitors = StringField(_l("Number of visitors"), default="1", validators=[Length(max=6)],
                           render_kw={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"})
    team_id = SelectField(_l("Hosting team"), coerce=_int_or_none, validate_choice=False)
    hosts = StringField(_l("Hosts"), validators=[Length(max=service.HOSTS_MAX)],
                        description=_l("Who received them, e.g. 王主任、李科长."))
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=service.PURPOSE_MAX)], render_kw={"rows": 2})
    project_ids = SelectMultipleField(_l("Projects discussed"), coerce=int, validate_choice=False)
    notes = TextAreaField(_l("Notes"), validators=[Length(max=service.NOTES_MAX)], render_kw={"rows": 3})
    submit = SubmitField(_l("Save"))

    def data_for_service(self) -> dict:
        return {"date": self.date.data, "organisation_ids": self.organisation_ids.data or [],
                "visitors": (self.visitors.data or "").strip(), "team_id": self.team_id.data,
                "hosts": self.hosts.data, "purpose": self.purpose.data, "project_ids": self.project_ids.data or [],
                "notes": self.notes.data}


class VisitForm(Form):
    """One company visited; a row without an organisation is ignored."""

    organisation_id = SelectField(_l("Company visited"), coerce=_int_or_none, validate_choice=False)
    date = DateField(_l("Day of the visit"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=service.VISIT_NOTE_MAX)])


class TripForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=_int_or_none, validate_choice=False)
    destination = StringField(_l("Destination city"), validators=[Length(max=service.DESTINATION_MAX)],
                              render_kw={"list": "destinations", "autocomplete": "off"})
    starts_on = DateField(_l("First day"), validators=[InputRequired(message=_l("Enter the date."))])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(message=_l("Enter the date."))])
    leader = StringField(_l("Led by"), validators=[Length(max=service.LEADER_MAX)])
    members = StringField(_l("Who went"), validators=[Length(max=service.MEMBERS_MAX)])
    visits = FieldList(FormField(VisitForm), min_entries=0, max_entries=service.VISITS_MAX)
    notes = TextAreaField(_l("What came of it"), validators=[Length(max=service.NOTES_MAX)], render_kw={"rows": 3})
    submit = SubmitField(_l("Save"))

    def visit_rows(self) -> list[tuple[int, dict]]:
        """(row index in the form, visit) for every row with an organisation chosen."""
        return [(i, {"organisation_id": entry.form.organisation_id.data, "date": entry.form.date.data,
                     "note": entry.form.note.data})
                for i, entry in enumerate(self.visits.entries) if entry.form.organisation_id.data is not None]

    def data_for_service(self) -> dict:
        return {"team_id": self.team_id.data, "destination": self.destination.data, "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "leader": self.leader.data, "members": self.members.data,
                "visits": [row for _i, row in self.visit_rows()], "notes": self.notes.data}


class VisitLeadForm(FlaskForm):
    """A lead met on a trip or at a reception."""

    organisation_id = SelectField(_l("Organisation"), coerce=_int_or_none, validate_choice=False)
    name = StringField(_l("Project name"), validators=[DataRequired(message=_l("Enter the project's name.")),
                                                       Length(max=200)])
    industry = SelectField(_l("Industry"), validate_choice=False)
    amount_wan = StringField(_l("Amount (10k yuan)"), validators=[Length(max=20)],
                             render_kw={"inputmode": "decimal", "autocomplete": "off"})
    origin = origin_field()
    next_follow_up = DateField(_l("Next follow-up"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=5000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Capture the lead"))

    def data_for_service(self) -> dict:
        return {"organisation_id": self.organisation_id.data, "name": self.name.data,
                "industry": self.industry.data or None, "amount_wan": self.amount_wan.data,
                "origin": self.origin.data or None, "next_follow_up": self.next_follow_up.data,
                "notes": self.notes.data}
