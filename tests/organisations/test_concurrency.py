"""Unique credit codes hold when many requests bring the same new code at once (real server, real threads)."""
from __future__ import annotations

import threading

import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Organisation
from tests.conftest import PASSWORD

CODE = "91350100M000100Y43"
THREADS = 12


def test_simultaneous_creates_with_one_code_give_one_organisation(app, live_server, make_user):
    email = make_user("organiser")
    token = requests.post(f"{live_server}/api/v1/auth/token", json={"email": email, "password": PASSWORD},
                          timeout=30).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    barrier = threading.Barrier(THREADS)
    results: list[requests.Response] = []
    lock = threading.Lock()

    def post(i: int):
        body = {"name": f"并发测试单位{i}", "kind": "enterprise", "credit_code": CODE.lower() if i % 2 else CODE}
        with requests.Session() as session:
            barrier.wait()
            r = session.post(f"{live_server}/api/v1/organisations", json=body, headers=headers, timeout=60)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * (THREADS - 1), [(r.status_code, r.text[:200]) for r in results]
    winner = next(r.json() for r in results if r.status_code == 201)
    assert all(r.json()["existing_id"] == winner["id"] for r in results if r.status_code == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
        assert db.session.scalar(select(Organisation.credit_code)) == CODE


def test_a_lost_race_on_the_unique_index_is_a_conflict_not_an_error(app):
    """The path a request takes when another one inserted the same code after its own check: the
    database refuses, and the service answers with the winner's id (and its transaction stays usable)."""
    import pytest

    from roadshow.services import organisations as service
    from roadshow.services.errors import Conflict
    from tests import factories

    with app.test_request_context():
        winner = factories.organisation("先到的单位", credit_code=CODE)
        kept = factories.organisation("同一事务里的单位")
        kept.city = "淮南市"
        with pytest.raises(Conflict) as err:
            # what create_organisation does once its own check has passed
            with service._unique_credit_code(CODE):
                db.session.add(Organisation(name="后到的单位", kind="enterprise", credit_code=CODE))
        assert err.value.extra["existing_id"] == winner.id
        # only the savepoint was rolled back: the rest of the transaction is intact and usable
        assert db.session.get(Organisation, kept.id).city == "淮南市"
        db.session.rollback()
