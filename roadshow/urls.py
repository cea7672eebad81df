"""Absolute links the app hands out (mails, calendar files, the API): the one place that knows the host.

`PUBLIC_BASE_URL` (configured) wins; otherwise the host of the request being served, but only a trusted one:
with `TRUSTED_HOSTS` set every host that reaches a view is trusted (the others were refused with 400,
`roadshow/hosts.py`); without it only a loopback name (`localhost`, `127.0.0.1`, `[::1]`: the developer's own
machine) is. Any other host — a `Host: evil.example` — and outside a request (CLI, jobs, the mail deliverer)
without the setting, links go to `http://localhost`: a link that does not work is better than one that hands
a guest's personal token to whoever chose the Host header. Production requires `PUBLIC_BASE_URL`. Services
build their links with these helpers and never read the request themselves.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, request

from .hosts import ConfigurationError, is_loopback, is_production

FALLBACK = "http://localhost"


def base_url() -> str:
    """The site's root without a trailing slash, e.g. `https://roadshow.example.gov.cn`."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context() and (current_app.config.get("TRUSTED_HOSTS") or is_loopback(request.host)):
        return request.host_url.rstrip("/")
    return FALLBACK


def check_production(app: Flask) -> None:
    """Production (`hosts.is_production`) does not start without `PUBLIC_BASE_URL`."""
    if is_production(app) and not app.config.get("PUBLIC_BASE_URL"):
        raise ConfigurationError(
            "Roadshow refuses to start: PUBLIC_BASE_URL is not set (production needs it, e.g. "
            "PUBLIC_BASE_URL=https://roadshow.example.gov.cn; links in mail are built from it)")


def absolute(path: str) -> str:
    """`path` (starting with "/") on the site's root."""
    return f"{base_url()}{path}"


def event_page(event_id: int) -> str:
    return absolute(f"/e/{event_id}")


def poster(event_id: int) -> str:
    """The event's shareable poster (PNG)."""
    return absolute(f"/events/{event_id}/poster.png")


def event_file(event_id: int) -> str:
    return absolute(f"/events/{event_id}.ics")


def feed(industry: str | None = None) -> str:
    return absolute("/calendar.ics") + (f"?{urlencode({'industry': industry})}" if industry else "")


def manage(manage_token: str) -> str:
    """The registrant's page: see, change or cancel the registration."""
    return absolute(f"/m/{manage_token}")


def ticket_images(code: str) -> tuple[str, str]:
    """(PNG, SVG) of one ticket's QR code."""
    return absolute(f"/tickets/{code}.png"), absolute(f"/tickets/{code}.svg")


def invitation(token: str) -> str:
    """The invitee's personal link."""
    return absolute(f"/r/{token}")
