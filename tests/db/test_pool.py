"""PostgreSQL's pooled connections are pinged on checkout only when idle past DB_PING_IDLE_SECONDS or told
off by the server (roadshow/pool.py), and a connection the server ended is replaced without a failed request."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine
from sqlalchemy import event as sa_event

from roadshow.extensions import db
from roadshow.pool import PINGS
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.postgres("pings and server-side termination are PostgreSQL's")


@pytest.fixture
def short_idle_app():
    """An app of its own whose connections count as idle after 0.3 s (the session app's: 10 s)."""
    from roadshow import create_app

    return create_app({"TESTING": True, "DB_PING_IDLE_SECONDS": 0.3})


def _pings_seen(application) -> list[int]:
    """The ping count of each connection checked out from now on (read after the pool's own listener)."""
    seen: list[int] = []
    with application.app_context():
        sa_event.listen(db.engine, "checkout", lambda dbapi, record, proxy: seen.append(record.info.get(PINGS, 0)))
    return seen


def _terminate_other_backends() -> int:
    """End every other session on this test database, as a restart or an administrator would, and wait (up
    to 5 s each) until they have ended: a restart has closed the connections before the next request comes."""
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()").scalar_one()
    finally:
        admin.dispose()


def test_a_connection_in_use_is_not_pinged_and_an_idle_one_is(short_idle_app, make_user, token_for):
    client = short_idle_app.test_client()
    headers = {"Authorization": f"Bearer {token_for('viewer')}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    seen = _pings_seen(short_idle_app)
    for _ in range(3):
        assert client.get("/api/v1/events", headers=headers).status_code == 200
    assert len(seen) == 3 and seen[0] == seen[-1]  # straight back from the pool: no ping
    time.sleep(0.5)
    assert client.get("/api/v1/events", headers=headers).status_code == 200
    assert seen[-1] == seen[0] + 1  # idle past the threshold: one ping


@pytest.mark.parametrize("idle", [False, True], ids=["just used", "idle past the threshold"])
def test_a_connection_the_server_ended_is_replaced_without_an_error(short_idle_app, token_for, idle):
    client = short_idle_app.test_client()
    headers = {"Authorization": f"Bearer {token_for('viewer')}"}
    assert client.get("/api/v1/events", headers=headers).status_code == 200
    with short_idle_app.app_context():
        pooled = db.engine.pool.checkedin()
    assert pooled >= 1
    assert _terminate_other_backends() >= pooled
    if idle:
        time.sleep(0.5)
    for _ in range(3):
        r = client.get("/api/v1/events", headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.json["items"] == []
