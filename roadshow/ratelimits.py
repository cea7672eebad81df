"""Rate limits shared by several areas (Flask-Limiter; configured in API.md "Configuration")."""
from __future__ import annotations

from flask import current_app

from .extensions import limiter


def public_limit() -> str:
    """Per client address on public registration endpoints."""
    return current_app.config["RATELIMIT_PUBLIC"]


# Someone trying personal links (/r/<token>, /m/<token>, …) at random gets 404 after 404. Only those
# 404s count, against one budget shared by every personal-link route: a guest who opens their own
# link is never slowed down, a guesser is stopped after a handful of misses.
token_guess_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_TOKEN_GUESS"], scope="token-guess",
                                         deduct_when=lambda response: response.status_code == 404)
