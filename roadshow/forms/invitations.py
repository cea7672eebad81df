"""Forms of the invitations console: invite one contact, upload a spreadsheet, send."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Regexp

from ..labels import ORG_KIND
from ..services import values
from ..services.invitations import MAX_SEATS
from .validators import CreditCode, Email, Phone, Text


class InvitationForm(FlaskForm):
    organisation = StringField(_l("Organisation"), validators=[
        DataRequired(message=_l("Enter the organisation's name.")), Text(values.ORG_NAME_MAX)],
        description=_l("An organisation already in the list is matched by its credit code, then by its exact name."))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in ORG_KIND.items()])
    credit_code = StringField(_l("Credit code"), validators=[CreditCode()])
    contact_name = StringField(_l("Contact"), validators=[DataRequired(message=_l("Enter the contact's name.")),
                                                          Text(values.PERSON_NAME_MAX)])
    email = EmailField(_l("Email"), validators=[Email()])
    phone = TelField(_l("Phone"), validators=[Phone()])
    seats = IntegerField(_l("Seats"), default=1, validators=[
        DataRequired(message=_l("Seats must be a whole number from 1 to %(max)s.", max=MAX_SEATS)),
        NumberRange(min=1, max=MAX_SEATS, message=_l("Seats must be a whole number from 1 to %(max)s.",
                                                     max=MAX_SEATS))])
    submit = SubmitField(_l("Invite"))


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file."))])
    submit = SubmitField(_l("Preview"))


class ConfirmImportForm(FlaskForm):
    upload = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{20,64}$")])
    confirm = SubmitField(_l("Import the good rows"))
    cancel = SubmitField(_l("Cancel"))


class SendForm(FlaskForm):
    """Only the CSRF token; the selected ids come as a list of checkboxes named `ids`."""
