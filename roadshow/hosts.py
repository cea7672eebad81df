"""Which request hosts the app believes (issue 14, item 3): links in mail, calendar files and QR pages are
built from the request's host only when it is trusted (`roadshow/urls.py`).

- `TRUSTED_HOSTS` (Flask's own setting, from the environment): a request for any other host is refused
  with 400 before a view runs, so nothing is written and no link is built from it. Flask itself refuses such a
  host too, but only after it has given up on building URLs for the request (the error page could not be
  rendered); the WSGI wrapper here lets the request through under a trusted name, marked, and the first
  before-request hook answers the 400 with the usual problem+json or error page in the user's language.
- Without `TRUSTED_HOSTS` every host is served, but only a loopback name (the developer's own machine) is
  believed for links; anything else gets the safe fallback of `urls.base_url()`.
- In production `PUBLIC_BASE_URL` is required (`urls.check_production`).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError
from werkzeug.sansio.utils import get_host

UNTRUSTED = "roadshow.untrusted_host"
LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]"})


class ConfigurationError(RuntimeError):
    """A setting production cannot run without; its message is one line (`app.py` hands it to gunicorn,
    which prints it and stops instead of booting workers again and again)."""


def is_production(app: Flask) -> bool:
    """`PRODUCTION` when set; otherwise a start under gunicorn (the README's production server), unless the
    app is configured for tests or debugging."""
    explicit = app.config.get("PRODUCTION")
    if explicit is not None:
        return bool(explicit)
    if app.config.get("TESTING") or app.config.get("DEBUG"):
        return False
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def name_of(host: str) -> str:
    """`host[:port]` → the lower-cased name, IPv6 literals keeping their brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.partition(":")[0]


def is_loopback(host: str) -> bool:
    return name_of(host) in LOOPBACK


class TrustedHostGuard:
    """WSGI wrapper: a request for a host outside `TRUSTED_HOSTS` reaches the app under the first trusted
    name, marked `UNTRUSTED`, so that `refuse_untrusted` can answer it with a proper 400."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        trusted = self.app.config.get("TRUSTED_HOSTS")
        if trusted:
            try:
                get_host(environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"),
                         _server(environ), trusted)
            except SecurityError:
                environ = dict(environ, HTTP_HOST=trusted[0].lstrip("."))
                environ[UNTRUSTED] = True
        return self.wsgi_app(environ, start_response)


def _server(environ: dict[str, Any]) -> tuple[str, int | None] | None:
    name = environ.get("SERVER_NAME")
    if not name:
        return None
    port = environ.get("SERVER_PORT")
    return name, int(port) if port and port.isdigit() else None


def refuse_untrusted() -> None:
    if request.environ.get(UNTRUSTED):
        abort(400, _("This site is not served under the host name the request used."))


def init_app(app: Flask) -> None:
    app.wsgi_app = TrustedHostGuard(app, app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(refuse_untrusted)
