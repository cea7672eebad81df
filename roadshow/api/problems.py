"""Every error under /api/ as application/problem+json (RFC 9457)."""
from __future__ import annotations

import json
import logging

from flask import Response
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..services.errors import DomainError

log = logging.getLogger(__name__)

# Titles in the user's language; the status code says the same thing to machines.
def _titles() -> dict[int, str]:
    return {
        400: _("Malformed request"),
        401: _("Authentication required"),
        403: _("Not allowed for your role"),
        404: _("Not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        410: _("No longer available"),
        413: _("Request too large"),
        415: _("Unsupported content type"),
        422: _("Invalid input"),
        429: _("Too many requests"),
        500: _("Internal server error"),
    }


def _details() -> dict[int, str]:
    return {
        400: _("The request body is not valid JSON."),
        401: _("Send a valid bearer token in the Authorization header."),
        403: _("Your role does not allow this action."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that method."),
        413: _("The request body is larger than allowed."),
        415: _("Send the body as application/json."),
        429: _("Too many requests; wait a moment and try again."),
        500: _("Something went wrong on our side; it has been logged."),
    }


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            errors: dict[str, list[str]] | None = None, headers=None, **extra) -> Response:
    body = {
        "type": "about:blank",
        "title": title or _titles().get(status, _("Error")),
        "status": status,
        "detail": detail or _details().get(status) or title or _titles().get(status, _("Error")),
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
