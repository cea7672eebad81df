"""A password change, a role change and a deactivation end every session, remember-me cookie and API token
of that user; logout ends the remember cookie too; the remember cookie follows the session cookie's flags and
lives 14 days (issue 14, item 4)."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import User
from tests.conftest import PASSWORD

CHANGES = {
    "password": {"password": "a-brand-new-passphrase"},
    "role": {"role": "viewer"},
    "deactivation": {"active": False},
}


def _csrf(client, path="/login", base_url="http://localhost"):
    page = client.get(path, base_url=base_url, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _sign_in_remembered(client, email: str, base_url: str = "http://localhost"):
    token = _csrf(client, base_url=base_url)
    r = client.post("/login", base_url=base_url, headers={"Referer": f"{base_url}/login"},
                    data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": token})
    assert r.status_code == 302
    return r


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _only_remember_cookie(app, client):
    """A browser that kept nothing but the remember-me cookie (its session ended, or it was copied)."""
    other = app.test_client()
    other.set_cookie("remember_token", client.get_cookie("remember_token").value, domain="localhost")
    return other


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_by_the_admin_ends_sessions_remember_cookies_and_tokens(app, client, make_user, auth, change):
    email = make_user("organiser")
    _sign_in_remembered(client, email)
    remembered = _only_remember_cookie(app, client)
    assert client.get("/events/").status_code == 200
    assert remembered.get("/events/").status_code == 200  # the remember cookie alone opens the console
    api = app.test_client()
    bearer = api.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {bearer}"}
    assert api.get("/api/v1/auth/me", headers=headers).status_code == 200

    r = app.test_client().patch(f"/api/v1/users/{_user_id(app, email)}", json=CHANGES[change],
                                headers=auth("admin"))
    assert r.status_code == 200, r.json

    assert client.get("/events/").status_code == 302  # the old session
    assert remembered.get("/events/").status_code == 302  # the old remember cookie
    assert api.get("/api/v1/auth/me", headers=headers).status_code == 401  # the old bearer token
    if change != "deactivation":
        password = CHANGES[change].get("password", PASSWORD)
        fresh = app.test_client()
        token = _csrf(fresh)
        assert fresh.post("/login", data={"email": email, "password": password,
                                          "csrf_token": token}).status_code == 302
        assert fresh.get("/events/").status_code == 200


def test_a_name_change_ends_nothing(app, client, make_user, auth):
    email = make_user("organiser")
    _sign_in_remembered(client, email)
    r = app.test_client().patch(f"/api/v1/users/{_user_id(app, email)}", json={"name": "王主任"},
                                headers=auth("admin"))
    assert r.status_code == 200
    assert client.get("/events/").status_code == 200


def test_logout_ends_the_remember_cookie(app, client, make_user):
    email = make_user("organiser")
    _sign_in_remembered(client, email)
    assert client.get_cookie("remember_token") is not None
    assert client.post("/logout", data={"csrf_token": _csrf(client, "/")}).status_code == 302
    assert client.get_cookie("remember_token") is None
    assert client.get("/events/").status_code == 302


def test_remember_cookie_follows_the_session_cookie_flags_and_lives_14_days(app, client, make_user,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    email = make_user("organiser")
    r = _sign_in_remembered(client, email, base_url="https://localhost")
    [cookie] = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    flags = [part.strip().lower() for part in cookie.split(";")]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    expires = parsedate_to_datetime(next(p for p in cookie.split(";") if p.strip().lower().startswith("expires="))
                                    .split("=", 1)[1])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=14))) < timedelta(minutes=5)
