"""Fixtures of the organisations tests."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD

INDUSTRIES = ["新一代信息技术", "绿色食品", "新能源", "现代服务业"]


@pytest.fixture
def industries(app):
    """A few names of the district's industry list (the migration's seed is emptied between tests)."""
    from roadshow.extensions import db
    from roadshow.models import Industry

    with app.app_context():
        present = set(db.session.scalars(select(Industry.name)))
        for position, name in enumerate(INDUSTRIES):
            if name not in present:
                db.session.add(Industry(name=name, position=position))
        db.session.commit()
    return INDUSTRIES


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
