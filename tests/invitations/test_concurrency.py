"""Inviting the same new contact from many requests at once, against a real server: one invitation,
one organisation, one contact; every other request gets 409 with the existing id."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from roadshow.extensions import db
from roadshow.models import Contact, Invitation, Organisation
from tests import factories
from tests.conftest import PASSWORD


def test_same_contact_invited_concurrently_once(app, make_user, live_server):
    email = make_user("organiser")
    token = requests.post(f"{live_server}/api/v1/auth/token", json={"email": email, "password": PASSWORD},
                          timeout=30).json()["token"]
    with app.app_context():
        event_id = factories.event().id
    body = {"organisation": {"name": "淮南市牛肉汤食品有限公司", "kind": "enterprise"},
            "contact_name": "张经理", "email": "zhang@example.com", "phone": "13800138000", "seats": 2}

    def invite(_):
        return requests.post(f"{live_server}/api/v1/events/{event_id}/invitations", json=body, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(invite, range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 11, [r.text for r in responses if r.status_code not in (201, 409)]
    created = next(r.json() for r in responses if r.status_code == 201)
    assert {r.json()["existing_id"] for r in responses if r.status_code == 409} == {created["id"]}
    with app.app_context():
        assert db.session.query(Invitation).count() == 1
        assert db.session.query(Organisation).count() == 1
        assert db.session.query(Contact).count() == 1
