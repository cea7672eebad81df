"""Security headers on every response; session cookies HttpOnly and SameSite."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize("path", ["/login", "/", "/api/v1/openapi.json", "/api/v1/users", "/no-such-page",
                                  "/static/css/app.css"])
def test_security_headers(client, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP


def test_hsts_over_https(client):
    r = client.get("/login", base_url="https://roadshow.example.com")
    assert "max-age=" in r.headers["Strict-Transport-Security"]


def test_no_inline_script_in_pages(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html and "style=" not in html


def test_session_cookie_flags(client, make_user):
    import re

    email = make_user("organiser")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    cookies = [v for k, v in r.headers.items() if k == "Set-Cookie" and v.startswith("session=")]
    assert cookies and all("HttpOnly" in c and "SameSite=Lax" in c for c in cookies)
