"""A 500 is logged with its traceback, method and path where the production command (gunicorn) writes
its log, and never with the statement's parameters (password hashes, phone numbers)."""
from __future__ import annotations

import requests

from tests.conftest import TEST_TMP, free_port, start_gunicorn, stop


def test_a_500_is_logged_by_gunicorn_with_traceback_and_without_parameters():
    # A database file without the schema: the first query fails, so the request is a genuine 500.
    empty = TEST_TMP / "no-schema.db"
    empty.unlink(missing_ok=True)
    port = free_port()
    proc = start_gunicorn(port, workers=1, DATABASE_URL=f"sqlite:///{empty}")
    try:
        response = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/token",
                                 json={"email": "marker-7f3a@example.com", "password": "secret-9b2c"}, timeout=30)
    finally:
        stop(proc)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/problem+json")
    log = (TEST_TMP / f"gunicorn-{port}.log").read_text()
    assert "Traceback (most recent call last)" in log
    assert "OperationalError" in log
    assert "POST /api/v1/auth/token" in log
    assert "marker-7f3a" not in log and "secret-9b2c" not in log
    assert "hidden due to hide_parameters" in log
