"""Sign in and sign out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import limiter
from ..forms.auth import LoginForm
from ..services import users as user_service
from ..services.errors import AuthenticationFailed
from ..uow import reads

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("console.home")


@bp.route("/login", methods=["GET", "POST"])
@reads  # signing in writes no row (the session is a cookie)
@limiter.limit(lambda: current_app.config["RATELIMIT_AUTH"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = user_service.authenticate(form.email.data, form.password.data)
        except AuthenticationFailed as exc:
            form.password.errors.append(exc.detail)
        else:
            # A fresh session at login: nothing set before it (session fixation) carries over.
            session.clear()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.name or user.email), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    # Cleared first: logout_user() leaves the note that deletes the remember-me cookie in the session.
    session.clear()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
