"""Console forms for organisations and their contacts. The domain rules (credit code, industry list,
web address, e-mail and phone shapes) are those of services.organisations and services.values: the
fields' validators run the same cleaners, and the view puts the service's other messages (a contact
that cannot be removed, a credit code taken) beside the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..labels import ORG_KIND
from ..models import Organisation, OrgKind
from ..services import values
from ..services.organisations import FIELDS as ORG_FIELDS
from .validators import CreditCode, Email, Industry, Phone, Text, Url


class ContactForm(Form):
    """One row of the contact list; a row left empty is ignored, `remove` drops a saved contact."""

    id = HiddenField()
    name = StringField(_l("Contact name"), validators=[Text(values.PERSON_NAME_MAX)])
    title = StringField(_l("Job title"), validators=[Text(values.TITLE_MAX)])
    phone = StringField(_l("Phone"), validators=[Phone()])
    email = StringField(_l("Email"), validators=[Email()])
    remove = BooleanField(_l("Remove this contact"))

    def is_blank(self) -> bool:
        return not self.id.data and not any((f.data or "").strip() for f in (self.name, self.title, self.phone,
                                                                              self.email))


class OrganisationForm(FlaskForm):
    # The organisation being edited (None for a new one): its industry stays acceptable off the list.
    current_organisation: Organisation | None = None

    name = StringField(_l("Organisation name"), validators=[DataRequired(message=_l("Enter the organisation's name.")),
                                               Text(values.ORG_NAME_MAX)])
    kind = SelectField(_l("Kind"), default=OrgKind.enterprise.value,
                       choices=[SelectChoice(kind.value, label) for kind, label in ORG_KIND.items()])
    credit_code = StringField(_l("Unified social credit code"), validators=[CreditCode()],
                              description=_l("18 characters, as on the business licence. Optional."))
    province = StringField(_l("Province"), validators=[Text(values.PLACE_MAX)])
    city = StringField(_l("City"), validators=[Text(values.PLACE_MAX)])
    # Choices come from the district's industry list at request time; the validator checks the value.
    industry = SelectField(_l("Industry"), choices=[], validate_choice=False, validators=[Industry()])
    website = StringField(_l("Website"), validators=[Url()])
    fund_size_wan = StringField(_l("Fund size (10k yuan)"), render_kw={"inputmode": "decimal", "autocomplete": "off"},
                                description=_l("Investment funds only."))
    submit = SubmitField(_l("Save"))

    def set_industries(self, names: list[str]) -> None:
        choices = [SelectChoice("", _l("— none —"))] + [SelectChoice(n) for n in names]
        if self.industry.data and self.industry.data not in names:
            choices.append(SelectChoice(self.industry.data))  # keep an old value visible
        self.industry.choices = choices

    def organisation_data(self) -> dict:
        return {name: getattr(self, name).data for name in ORG_FIELDS}


class OrganisationEditForm(OrganisationForm):
    contacts = FieldList(FormField(ContactForm), min_entries=0, max_entries=50)

    def contact_rows(self) -> list[tuple[int, dict]]:
        """(row index in the form, contact data) for every row kept: not blank, not marked for removal."""
        rows = []
        for index, entry in enumerate(self.contacts.entries):
            sub = entry.form
            if sub.is_blank() or sub.remove.data:
                continue
            rows.append((index, {"id": int(sub.id.data) if (sub.id.data or "").isdigit() else None,
                                 "name": sub.name.data, "title": sub.title.data, "phone": sub.phone.data,
                                 "email": sub.email.data}))
        return rows
