"""Flask-WTF forms for the HTML side. Labels and messages go through the catalogue."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email.")),
                                                Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in"))
    submit = SubmitField(_l("Sign in"))
