"""Rate limits are counted once for all workers (issue 14, item 7): with the default storage, a
server with several worker processes allows the sign-in attempts of RATELIMIT_AUTH, not one budget
per process."""
from __future__ import annotations

import requests

from tests.conftest import TEST_TMP, free_port, start_gunicorn, stop


def test_sign_in_attempts_are_limited_across_workers(app):
    port = free_port()
    proc = start_gunicorn(port, workers=3, threads=1, RATELIMIT_ENABLED="true", RATELIMIT_AUTH="3 per minute",
                          RATELIMIT_STORAGE_URI="",  # the default: a file in the instance folder
                          INSTANCE_PATH=str(TEST_TMP / f"instance-{port}"))
    try:
        statuses = []
        for _ in range(9):
            # A new connection each time, so the attempts land on different workers.
            r = requests.post(f"http://127.0.0.1:{port}/api/v1/auth/token", timeout=30,
                              json={"email": "nobody@example.com", "password": "wrong-password"},
                              headers={"Connection": "close"})
            statuses.append(r.status_code)
    finally:
        stop(proc)
    assert statuses.count(429) == 6, statuses
    assert statuses[:3] == [401, 401, 401], statuses
