"""Forms of the programme: a session of the agenda (console), a guest's interest (manage page), a 1:1
meeting (console). The rules (times within the event, one interest per guest and project) are the
services'; their messages are put beside the fields."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from ..services import programme
from .events import FORMAT
from .validators import Text


def _optional_id(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


class SessionForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format=FORMAT, validators=[
        InputRequired(message=_l("Enter a date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format=FORMAT, validators=[
        InputRequired(message=_l("Enter a date and time."))])
    title = StringField(_l("Session title"), validators=[InputRequired(message=_l("Give the session a title.")),
                                                 Text(programme.TITLE_MAX)])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Text(programme.SPEAKER_MAX)])
    organisation_id = SelectField(_l("Organisation"), coerce=_optional_id, validate_choice=False)
    project_id = SelectField(_l("Pitched project"), coerce=_optional_id, validate_choice=False)

    def session_fields(self, zone: ZoneInfo) -> dict:
        """The service's fields: wall-clock times read in the event's zone."""
        def instant(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=zone) if value is not None else None

        return {"starts_at": instant(self.starts_at.data), "ends_at": instant(self.ends_at.data),
                "title": self.title.data, "speaker": self.speaker.data,
                "organisation_id": self.organisation_id.data, "project_id": self.project_id.data}


class InterestForm(FlaskForm):
    attendee_id = SelectField(_l("Guest"), coerce=_optional_id, validate_choice=False)
    project_id = StringField(validators=[InputRequired()])
    meeting = BooleanField(_l("I would like a one-to-one meeting"))
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Text(programme.NOTE_MAX)])


class MeetingForm(FlaskForm):
    meeting_at = DateTimeLocalField(_l("Meeting time"), format=FORMAT, validators=[
        InputRequired(message=_l("Give the meeting's time."))])
    meeting_place = StringField(_l("Place"), validators=[Optional(), Text(programme.PLACE_MAX)])


def put_errors(form: FlaskForm, errors: dict[str, list[str]]) -> list[str]:
    """The service's messages beside their fields; those of no field are returned."""
    general: list[str] = []
    for name, messages in errors.items():
        field: Field | None = form._fields.get(name)
        if field is None:
            general.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    return general
