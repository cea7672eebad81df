"""Console forms for organisations and their contacts. The domain rules (credit code, industry list,
web address, e-mail and phone shapes) are checked by services.organisations, whose messages the view
puts beside the fields; the forms only hold the input."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..labels import ORG_KIND
from ..models import OrgKind

ORG_FIELDS = ("name", "kind", "credit_code", "province", "city", "industry", "website")


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("At most %(n)d characters.", n=n))


class ContactForm(Form):
    """One row of the contact list; a row left empty is ignored, `remove` drops a saved contact."""

    id = HiddenField()
    name = StringField(_l("Contact name"), validators=[Optional(), _at_most(100)])
    title = StringField(_l("Job title"), validators=[Optional(), _at_most(100)])
    phone = StringField(_l("Phone"), validators=[Optional(), _at_most(30)])
    email = StringField(_l("Email"), validators=[Optional(), _at_most(254)])
    remove = BooleanField(_l("Remove this contact"))

    def is_blank(self) -> bool:
        return not self.id.data and not any((f.data or "").strip() for f in (self.name, self.title, self.phone,
                                                                              self.email))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"), validators=[DataRequired(message=_l("Enter the organisation's name.")),
                                               _at_most(200)])
    kind = SelectField(_l("Kind"), default=OrgKind.enterprise.value,
                       choices=[SelectChoice(kind.value, label) for kind, label in ORG_KIND.items()])
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), _at_most(40)],
                              description=_l("18 characters, as on the business licence. Optional."))
    province = StringField(_l("Province"), validators=[Optional(), _at_most(50)])
    city = StringField(_l("City"), validators=[Optional(), _at_most(50)])
    # Choices come from the district's industry list at request time; the service checks the value.
    industry = SelectField(_l("Industry"), choices=[], validate_choice=False)
    website = StringField(_l("Website"), validators=[Optional(), _at_most(300)])
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
