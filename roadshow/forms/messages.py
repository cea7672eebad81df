"""The compose form of messages by status."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from ..services import broadcasts
from .validators import Text


class MessageForm(FlaskForm):
    to = SelectField(_l("To"), choices=[])
    subject = StringField(_l("Subject"), validators=[DataRequired(message=_l("Write a subject.")),
                                                     Text(broadcasts.SUBJECT_MAX)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write the message.")),
                                                    Text(broadcasts.BODY_MAX)],
                         description=_l("Plain text. Each person also gets their own link."))
    sms = BooleanField(_l("Also by SMS (to mainland mobile numbers)"),
                       description=_l("With SMS, the subject, the message and the link must fit in three SMS "
                                      "(201 Chinese characters)."))
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.to.choices = [(a, broadcasts.audience_label(a)) for a in broadcasts.AUDIENCES]

    def channels(self) -> list[str]:
        return ["email", "sms"] if self.sms.data else ["email"]
