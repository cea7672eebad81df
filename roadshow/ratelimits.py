"""Rate limits shared by several areas (Flask-Limiter; configured in API.md "Configuration")."""
from __future__ import annotations

from flask import current_app, request

from .extensions import limiter


def public_limit() -> str:
    """Per client address on public registration endpoints."""
    return current_app.config["RATELIMIT_PUBLIC"]


# Someone trying personal links (/r/<token>, /m/<token>, …) at random gets 404 after 404. Only those
# 404s count, against one budget shared by every personal-link route: a guest who opens their own
# link is never slowed down, a guesser is stopped after a handful of misses.
token_guess_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_TOKEN_GUESS"], scope="token-guess",
                                         deduct_when=lambda response: response.status_code == 404)


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
