"""Every error under /api/ as application/problem+json (RFC 9457)."""
from __future__ import annotations

import json
import logging

from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..services.errors import DomainError

log = logging.getLogger(__name__)

# Titles in the user's language; the status code says the same thing to machines. Lazy: an answer
# translates only its own title and detail (a 401 or 404 problem translated all of them).
_TITLES = {
    400: _l("Malformed request"),
    401: _l("Authentication required"),
    403: _l("Not allowed for your role"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    410: _l("No longer available"),
    413: _l("Request too large"),
    415: _l("Unsupported content type"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Internal server error"),
}

_DETAILS = {
    400: _l("The request body is not valid JSON."),
    401: _l("Send a valid bearer token in the Authorization header."),
    403: _l("Your role does not allow this action."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept that method."),
    413: _l("The request body is larger than allowed."),
    415: _l("Send the body as application/json."),
    429: _l("Too many requests; wait a moment and try again."),
    500: _l("Something went wrong on our side; it has been logged."),
}


def _title(status: int) -> str:
    return str(_TITLES[status]) if status in _TITLES else _("Error")


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            errors: dict[str, list[str]] | None = None, headers=None, **extra) -> Response:
    body = {
        "type": "about:blank",
        "title": title or _title(status),
        "status": status,
        "detail": detail or (str(_DETAILS[status]) if status in _DETAILS else None) or title or _title(status),
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        mimetype="application/problem+json")
    if headers:
        for key, value in headers:
            response.headers[key] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="roadshow"'
    return response


def from_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    detail = None
    if status == 429:
        detail = _("Too many requests; the limit is %(limit)s.", limit=str(getattr(exc, "description", "")))
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}]
    if status == 405 and getattr(exc, "valid_methods", None):
        headers.append(("Allow", ", ".join(exc.valid_methods)))
    return problem(status, detail, headers=headers)


def from_domain_error(exc: DomainError) -> Response:
    return problem(exc.status, exc.detail, title=str(exc.title), errors=getattr(exc, "errors", None),
                   **exc.extra)


def validation_errors(pydantic_errors) -> dict[str, list[str]]:
    """pydantic's error list → {"field.path": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    for err in pydantic_errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query")]
        key = ".".join(loc) or "body"
        out.setdefault(key, []).append(err.get("msg", _("Invalid value")))
    return out
