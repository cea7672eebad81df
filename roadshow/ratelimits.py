"""Rate limits shared by several areas (Flask-Limiter; configured in API.md "Configuration")."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, make_response, request
from limits import parse
from werkzeug.exceptions import HTTPException, TooManyRequests

from .extensions import limiter
from .services.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def public_limit() -> str:
    """Per client address on public registration endpoints."""
    return current_app.config["RATELIMIT_PUBLIC"]


def _missed() -> None:
    """Count one miss on a personal link for this client; past the budget the miss is a 429 instead of
    a 404. Nothing is checked before the view runs: a valid link is always served."""
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    limit = current_app.config["RATELIMIT_TOKEN_GUESS"]
    item = parse(limit)
    if not limiter.limiter.hit(item, "token-guess", limiter._key_func()):
        raise TooManyRequests(limit)


def token_guess_limit(view: F) -> F:
    """Someone trying personal links (/r/<token>, /m/<token>, …) at random gets 404 after 404. Only
    those 404s count, against one budget shared by every personal-link route: a guesser is stopped after
    a handful of misses, and a guest who opens their own (valid) link is never refused, even from an
    address that guessed before."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            rv = view(*args, **kwargs)
        except (HTTPException, DomainError) as exc:
            if getattr(exc, "code", None) == 404 or getattr(exc, "status", None) == 404:
                _missed()
            raise
        response = make_response(rv)
        if response.status_code == 404:
            _missed()
        return response

    return wrapper  # type: ignore[return-value]


def attendees_in_request() -> int:
    """The cost of a registration request against the public limit: the attendees it names (at least 1),
    so ten requests of ten made-up guests cost a hundred, not ten. JSON bodies (the API) and the
    registration forms' `attendees-<i>-name` fields alike."""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except (ValueError, RecursionError):
            return 1
        rows = body.get("attendees") if isinstance(body, dict) else None
        return max(len(rows), 1) if isinstance(rows, list) else 1
    rows = {key for key, value in request.form.items()
            if key.startswith("attendees-") and key.endswith("-name") and value.strip()}
    return max(len(rows), 1)
