"""HTML sign-in: CSRF, session fixation, open redirects, rate limit."""
from __future__ import annotations

import re

from tests.conftest import PASSWORD


def _csrf(client, path="/login"):
    """The CSRF token of the page at `path` (the sign-in form, or the sign-out form once signed in)."""
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_login_requires_csrf_token(client, make_user):
    email = make_user("organiser")
    r = client.post("/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 400
    assert "表单已过期" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_login_renews_the_session(client, make_user):
    email = make_user("organiser")
    token = _csrf(client)
    client.set_cookie("session", "attacker-chosen", domain="localhost")
    before = client.get_cookie("session")
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 400 or r.status_code == 302
    token = _csrf(client)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    after = client.get_cookie("session")
    assert after is not None and (before is None or after.value != before.value)
    assert client.get("/").status_code == 200


def test_wrong_password_shows_form_error_in_chinese(client, make_user):
    email = make_user("viewer")
    r = client.post("/login", data={"email": email, "password": "nope-nope", "csrf_token": _csrf(client)})
    assert r.status_code == 200 and "邮箱或密码错误。" in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_leave_the_site(client, make_user):
    email = make_user("viewer")
    for target in ("//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"):
        client.post("/logout", data={"csrf_token": _csrf(client)})
        r = client.post(f"/login?next={target}", data={"email": email, "password": PASSWORD,
                                                        "csrf_token": _csrf(client)})
        assert r.status_code == 302 and r.headers["Location"] == "/", target


def test_logout_needs_post_and_csrf(client, make_user):
    email = make_user("viewer")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(client)})
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert client.get("/").status_code == 302


def test_login_form_is_rate_limited(limited_server, make_user):
    import requests

    email = make_user("viewer")
    session = requests.Session()

    def attempt():
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          session.get(f"{limited_server}/login").text).group(1)
        return session.post(f"{limited_server}/login", allow_redirects=False,
                            data={"email": email, "password": "wrong-one", "csrf_token": token})

    assert [attempt().status_code for _ in range(3)] == [200, 200, 200]
    blocked = attempt()
    assert blocked.status_code == 429 and "尝试次数过多" in blocked.text
    assert session.get(f"{limited_server}/login").status_code == 200  # reading the form is not limited
