"""While the database is unreachable every request is a 503 with Retry-After and one log line, never a
500 with a traceback (issue 14, item 7): PostgreSQL on a closed port, SQLite at a path it cannot open."""
from __future__ import annotations

import logging

import pytest

from tests.conftest import PASSWORD, TEST_TMP, free_port

URLS = {
    "postgresql": lambda: f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere?connect_timeout=2",
    "sqlite": lambda: f"sqlite:///{TEST_TMP / 'no-such-folder' / 'nested' / 'roadshow.db'}",
}


@pytest.fixture(params=sorted(URLS))
def down(request, app):
    from roadshow import create_app

    application = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": URLS[request.param]()})
    return application.test_client()


REQUESTS = [
    ("get", "/r/some-invitation-token", None),
    ("get", "/calendar.ics", None),
    ("get", "/e/1", None),
    ("get", "/api/v1/events", None),
    ("post", "/api/v1/auth/token", {"email": "admin@example.com", "password": PASSWORD}),
    ("post", "/api/v1/public/registrations", {"event_id": 1, "attendees": [{"name": "张三", "phone": "13800138000"}],
                                             "consent": True}),
]


@pytest.mark.parametrize("method,path,body", REQUESTS, ids=[f"{m} {p}" for m, p, _b in REQUESTS])
def test_every_request_is_a_503_with_retry_after(down, caplog, monkeypatch, method, path, body):
    # The migrations' logging set-up (alembic's fileConfig, run by the session's app) disables
    # loggers that existed before it; production processes never run it.
    monkeypatch.setattr(logging.getLogger("roadshow"), "disabled", False)
    caplog.set_level(logging.INFO)
    headers = {"Authorization": "Bearer not-checked-anyway"} if path == "/api/v1/events" else {}
    kwargs = {"json": body} if body is not None else {}
    response = getattr(down, method)(path, headers=headers, **kwargs)
    assert response.status_code == 503, (path, response.status_code)
    assert int(response.headers["Retry-After"]) > 0
    if path.startswith("/api/"):
        assert response.headers["Content-Type"] == "application/problem+json"
    else:
        assert response.mimetype == "text/html"
        assert "数据库" in response.get_data(as_text=True) or "稍后" in response.get_data(as_text=True)
    mine = [r for r in caplog.records if "database" in r.getMessage().lower()]
    assert len(mine) == 1, [r.getMessage() for r in caplog.records]
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
