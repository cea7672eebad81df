"""Fixtures of the organisations tests."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


def csrf_token(client, path: str) -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def login(client, make_user):
    """login("organiser") signs the test client in as a fresh user of that role."""

    def sign_in(role: str):
        email = make_user(role)
        r = client.post("/login", data={"email": email, "password": PASSWORD,
                                        "csrf_token": csrf_token(client, "/login")})
        assert r.status_code == 302
        return email

    return sign_in
