"""WTForms validators that run the services' own cleaners (services/values.py, services/organisations.py),
so a form refuses exactly what the service refuses, with the same message, beside the field and in the
user's language. They only check: the view passes what was typed to the service, which cleans it again
and stores the cleaned value."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wtforms import Field, Form
from wtforms.validators import ValidationError

from ..services import organisations, values
from ..services.errors import Invalid

Cleaner = Callable[[Any, str], Any]


class Cleaned:
    """Run `cleaner(value, field_name)` on the field's data; its Invalid becomes the field's error."""

    field_flags: dict[str, Any] = {}

    def __init__(self, cleaner: Cleaner) -> None:
        self.cleaner = cleaner

    def __call__(self, form: Form, field: Field) -> None:
        try:
            self.clean(form, field)
        except Invalid as exc:
            raise ValidationError(" ".join(m for messages in exc.errors.values() for m in messages)) from None

    def clean(self, form: Form, field: Field) -> None:
        self.cleaner(field.data, field.name)


class Text(Cleaned):
    """At most `max_length` characters once stripped (and the input's maxlength attribute)."""

    def __init__(self, max_length: int) -> None:
        super().__init__(lambda value, name: values.clean_text(value, name, max_length=max_length))
        self.field_flags = {"maxlength": max_length}


class Phone(Cleaned):
    def __init__(self) -> None:
        super().__init__(values.clean_phone)
        self.field_flags = {"maxlength": values.PHONE_INPUT_MAX}


class Email(Cleaned):
    def __init__(self) -> None:
        super().__init__(values.clean_email)
        self.field_flags = {"maxlength": values.EMAIL_MAX}


class Url(Cleaned):
    def __init__(self) -> None:
        super().__init__(values.clean_url)
        self.field_flags = {"maxlength": values.WEBSITE_MAX}


class CreditCode(Cleaned):
    def __init__(self) -> None:
        super().__init__(organisations.clean_credit_code)
        self.field_flags = {"maxlength": values.CREDIT_CODE_INPUT_MAX}


class Industry(Cleaned):
    """A name of the district's industry list; the industry the form's `current_organisation` already has
    stays acceptable."""

    def __init__(self) -> None:
        super().__init__(organisations.clean_industry)

    def clean(self, form: Form, field: Field) -> None:
        current = getattr(form, "current_organisation", None)
        organisations.clean_industry(field.data, field.name, current=current)
