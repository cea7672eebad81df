"""Roadshow: investment-promotion events, end to end."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from . import config as config_module
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .jsonbody import BoundedJSONProvider
from .services.values import ID_MAX

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def _at_most(limit: int) -> str:
    """A regular expression of the decimal numbers from 0 to `limit` (no sign, no leading zeros beyond its
    length): shorter numbers, then each prefix of `limit` followed by a smaller digit, then `limit` itself."""
    digits = str(limit)
    parts = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            parts.append(digits[:i] + f"[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class BoundedInt(IntegerConverter):
    """`<int:...>` in every route: ids are INTEGER columns (int4 on PostgreSQL), so a larger number matches no
    route at all and is a 404 whatever the method. (Refusing it in `to_python`, as `max=` does, happens after
    Werkzeug chose the route: a PATCH or DELETE of a route that also has a GET would answer 405.)"""

    regex = _at_most(ID_MAX)

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets readers work while one request writes; foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def create_app(config: dict | None = None) -> Flask:
    from .uow import RoadshowFlask

    app = RoadshowFlask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config = config_module.RoadshowConfig(app.config.root_path, app.config)
    app.config.update(config_module.load(app.instance_path))
    if config:
        app.config.update(config)
    # From the final URL: a config override may point at another kind of database than the environment.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS",
                          config_module.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    # Ids in paths fit the INTEGER id columns; a larger number is simply not found (404), not a 500.
    app.url_map.converters["int"] = BoundedInt
    app.json = BoundedJSONProvider(app)  # request bodies nested absurdly deep are a 400, not a 500

    from . import hosts, urls

    urls.check_production(app)
    # Inside ProxyFix: the host checked is the one the trusted proxy passed on.
    hosts.init_app(app)
    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import static_files

    static_files.init_app(app)  # versioned URLs cached for a year, gzipped CSS and JS
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            from .pool import ping_when_idle

            ping_when_idle(db.engine, app.config["DB_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    _init_login(app)
    _init_i18n(app)
    from . import ratelimit_storage  # noqa: F401  (registers the sqlite:// counters before the limiter starts)

    limiter.init_app(app)
    from .services import mail

    mail.init_app(app)
    from . import jobs

    jobs.init_app(app)

    from . import api, web  # noqa: F401
    from .services import locks  # noqa: F401  (SQLite transaction control)
    from .web import (
        admin,
        auth,
        calendar,
        checkin,
        console,
        events,
        exports,
        figures,
        invitations,
        messages,
        organisations,
        pipeline,
        programme,
        public,
        questions,
        registrations,
        teams,
        visits,
    )

    for module in (auth, console, organisations, events, invitations, registrations, public, checkin, calendar,
                   pipeline, exports, admin, programme, messages, questions, teams, figures):
        app.register_blueprint(module.bp)
    from .web import privacy as privacy_pages
    app.register_blueprint(privacy_pages.bp)

    app.register_blueprint(visits.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens, never cookies: no CSRF to guard against
    api.spec.app = app  # spectree reads the routes from the app; the document is served by api.bp

    _init_logging(app)
    _init_errors(app)
    _init_headers(app)
    _init_templates(app)

    from .cli import register as register_cli

    register_cli(app)
    return app


def _init_login(app: Flask) -> None:
    from .services.users import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "strong"

    login_manager.user_loader(load_session_user)


def _init_i18n(app: Flask) -> None:
    from .i18n import remember_choice, request_locale

    babel.init_app(app, locale_selector=request_locale,
                   default_translation_directories=str(ROOT / "roadshow" / "translations"))
    app.after_request(remember_choice)


def _init_logging(app: Flask) -> None:
    """The app's log (every 500 with its traceback, method and path) goes where the server writes its
    own: gunicorn's error log in production, Flask's stderr handler otherwise."""
    server = logging.getLogger("gunicorn.error")
    if server.handlers:
        app.logger.handlers = list(server.handlers)
        app.logger.setLevel(server.level)
        app.logger.propagate = False
    else:
        app.logger.setLevel(logging.INFO)  # the log, not only warnings (Flask adds its stderr handler)


# Seconds a client is asked to wait while the database cannot be reached.
RETRY_AFTER = 30
# SQLite's result codes for a database file that cannot be opened or read (the low byte of extended codes).
_SQLITE_UNREACHABLE = {10, 14}  # SQLITE_IOERR, SQLITE_CANTOPEN
# PostgreSQL: connection exceptions (class 08) and the server shutting down or starting up.
_PG_UNREACHABLE = ("08", "57P01", "57P02", "57P03")


def is_unreachable(exc: DBAPIError) -> bool:
    """Whether a database error means the database cannot be reached now (refused, down, unopenable,
    connection lost), as opposed to a bug or a bad schema ("no such table" stays a 500)."""
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _SQLITE_UNREACHABLE
    if type(orig).__module__.startswith("psycopg"):
        sqlstate = getattr(orig, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(_PG_UNREACHABLE)  # None: no server answered at all
    return False


def unavailable(exc: DBAPIError):
    """The database cannot be reached (refused, unopenable, connection lost): a 503 with Retry-After and
    one log line, no traceback; the page is rendered without touching the database (anonymous user)."""
    from flask import g
    from flask_login import AnonymousUserMixin

    from .api import problems

    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0][:300])
    g._login_user = AnonymousUserMixin()  # the error page must not ask the database who is signed in
    message = _("The service is temporarily unavailable. Please try again in a minute.")
    headers = [("Retry-After", str(RETRY_AFTER))]
    if _wants_problem():
        return problems.problem(503, message, headers=headers)
    return render_template("errors/error.html", status=503, message=message), 503, dict(headers)


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def _init_errors(app: Flask) -> None:
    from .api import RequestInvalid, problems
    from .services.errors import DomainError

    def page(status: int, message: str):
        return render_template("errors/error.html", status=status, message=message), status

    messages = {
        400: lambda: _("The request could not be understood."),
        401: lambda: _("Please sign in first."),
        403: lambda: _("Your role does not allow you to open this page."),
        404: lambda: _("This page does not exist."),
        405: lambda: _("This page does not accept that action."),
        410: lambda: _("This is no longer available."),
        413: lambda: _("The upload is larger than allowed."),
        429: lambda: _("Too many attempts. Please wait a minute and try again."),
        500: lambda: _("Something went wrong on our side. Please try again later."),
    }

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_problem():
            return problems.from_http_exception(exc)
        status = exc.code or 500
        return page(status, messages.get(status, messages[400])())

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if _wants_problem():
            return problems.problem(400, exc.description)
        return page(400, _("The form has expired. Please go back, reload the page and try again."))

    @app.errorhandler(RequestInvalid)
    def invalid_request(exc: RequestInvalid):
        return problems.problem(422, _("Some fields are invalid."), errors=exc.errors)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if _wants_problem():
            return problems.from_domain_error(exc)
        return page(exc.status, exc.detail)

    @app.errorhandler(DataError)
    def unstorable_value(exc: DataError):
        # The database refused a value the schema let through (a NUL byte, a number out of range):
        # the request's fault, so a 422, not a 500.
        log.info("database refused a value on %s %s: %s", request.method, request.path, exc.orig)
        message = _("A value is out of range or contains characters that cannot be stored.")
        if _wants_problem():
            return problems.problem(422, message)
        return page(422, message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: DBAPIError):
        return unavailable(exc) if is_unreachable(exc) else unexpected(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_problem():
            return problems.problem(500)
        return page(500, messages[500]())


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; media-src 'self'; worker-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _init_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        # Pages and API answers carry personal data: no cache keeps them unless a view says otherwise
        # (QR images and calendar feeds set their own Cache-Control).
        if "Cache-Control" not in headers and response.mimetype in {"text/html", "application/json",
                                                                      "application/problem+json"}:
            headers["Cache-Control"] = "no-store"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _init_templates(app: Flask) -> None:
    from zoneinfo import ZoneInfo

    from flask_babel import get_locale

    from . import labels
    from .permissions import P, can

    @app.context_processor
    def globals_for_templates():
        return {
            "can": can,
            "P": P,
            "current_locale": "en" if get_locale() is not None and get_locale().language == "en" else "zh_CN",
            "stage_label": lambda stage: labels.STAGE[stage],
            "event_status_label": lambda status: labels.EVENT_STATUS[status],
            "org_kind_label": lambda kind: labels.ORG_KIND[kind],
            "origin_label": lambda origin: labels.ORIGIN[origin],
            "metric_label": lambda metric: labels.METRIC[metric],
        }

    @app.template_global()
    def lang_url(lang: str) -> str:
        """This page in another language, keeping its query (e.g. ?next= on the sign-in page)."""
        from urllib.parse import urlencode

        args = {k: v for k, v in request.args.items(multi=True) if k != "lang"}
        return request.path + "?" + urlencode([*args.items(), ("lang", lang)])

    @app.template_filter("in_zone")
    def in_zone(value, zone: str = "Asia/Shanghai", fmt: str = "%Y-%m-%d %H:%M"):
        """An instant shown in the event's own time zone."""
        return value.astimezone(ZoneInfo(zone)).strftime(fmt) if value else ""

    app.add_template_filter(labels.wan, "wan")
    app.add_template_filter(labels.yi, "yi")
