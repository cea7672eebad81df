"""Guessing personal links is rate limited: only misses (404) count, across every personal-link route."""
from __future__ import annotations

import secrets

import requests

from roadshow.extensions import db
from tests import factories


def test_misses_on_personal_links_are_limited(app, limited_server):
    with app.app_context():
        ev = factories.event()
        inv = factories.invitation(ev)
        token = inv.token
        db.session.commit()
    # opening one's own link is never counted
    for _ in range(8):
        assert requests.get(f"{limited_server}/r/{token}").status_code == 200
    guesses = [f"/r/{secrets.token_urlsafe(24)}", f"/m/{secrets.token_urlsafe(24)}",
               f"/m/{secrets.token_urlsafe(24)}/event.ics", f"/api/v1/public/registrations/{secrets.token_urlsafe(24)}",
               f"/r/{secrets.token_urlsafe(24)}"]
    assert [requests.get(limited_server + path).status_code for path in guesses] == [404] * 5
    blocked = requests.get(f"{limited_server}/m/{secrets.token_urlsafe(24)}")
    assert blocked.status_code == 429
    api = requests.get(f"{limited_server}/api/v1/public/registrations/{secrets.token_urlsafe(24)}")
    assert api.status_code == 429 and api.headers["Content-Type"] == "application/problem+json"
    # The guest's own link is still served from that address: only misses are refused.
    assert requests.get(f"{limited_server}/r/{token}").status_code == 200
