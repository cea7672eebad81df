"""Public registration endpoints are limited per client address (RATELIMIT_PUBLIC; 5 per minute here)."""
from __future__ import annotations

import requests

from tests import factories


def test_public_registration_is_rate_limited(limited_server, app):
    with app.app_context():
        ev = factories.event(capacity=100)
        tokens = [factories.invitation(ev).token for _ in range(6)]
    answers = [requests.post(f"{limited_server}/api/v1/public/registrations", timeout=30,
                             json={"invitation": token, "consent": True,
                                   "attendees": [{"name": "限流测试", "phone": f"1380013800{i}"}]})
               for i, token in enumerate(tokens)]
    assert [a.status_code for a in answers[:5]] == [201] * 5
    assert answers[5].status_code == 429
    assert answers[5].headers["Content-Type"].startswith("application/problem+json")
    assert "Retry-After" in answers[5].headers or "X-RateLimit-Reset" in answers[5].headers
