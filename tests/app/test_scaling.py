"""Several app servers on one database share their rate limits through Redis, and the client's
address comes from X-Forwarded-For only when TRUSTED_PROXIES says so."""
from __future__ import annotations

import re
import socket
import uuid

import pytest
import requests

from tests.conftest import free_port, start_gunicorn, stop


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_two_servers_share_rate_limits_in_redis(app, make_user):
    env = dict(RATELIMIT_ENABLED="true", RATELIMIT_AUTH="3 per minute",
               RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    a = start_gunicorn(free_port(), workers=1, **env)
    b = start_gunicorn(free_port(), workers=1, **env)
    try:
        email = make_user("viewer")
        urls = [f"{base}/api/v1/auth/token" for base in (_base(a), _base(b))]
        body = {"email": email, "password": "wrong"}
        assert [requests.post(urls[i % 2], json=body).status_code for i in range(3)] == [401, 401, 401]
        # the fourth attempt is refused whichever server gets it: the count lives in Redis
        assert requests.post(urls[1], json=body).status_code == 429
        assert requests.post(urls[0], json=body).status_code == 429
    finally:
        stop(a)
        stop(b)


def _base(proc) -> str:
    port = re.search(r"127\.0\.0\.1:(\d+)", " ".join(proc.args)).group(1)
    return f"http://127.0.0.1:{port}"


def test_forwarded_for_is_ignored_unless_trusted(app, make_user):
    """Without TRUSTED_PROXIES a client cannot dodge the limit by inventing X-Forwarded-For;
    with one trusted proxy, each forwarded client has its own budget."""
    email = make_user("viewer")
    body = {"email": email, "password": "wrong"}
    common = dict(RATELIMIT_ENABLED="true", RATELIMIT_AUTH="2 per minute", RATELIMIT_STORAGE_URI="memory://")
    untrusted = start_gunicorn(free_port(), workers=1, **common)
    trusted = start_gunicorn(free_port(), workers=1, TRUSTED_PROXIES="1", **common)
    try:
        url = f"{_base(untrusted)}/api/v1/auth/token"
        codes = [requests.post(url, json=body, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                 for i in range(3)]
        assert codes == [401, 401, 429]
        url = f"{_base(trusted)}/api/v1/auth/token"
        codes = [requests.post(url, json=body, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
                 for i in range(3)]
        assert codes == [401, 401, 401]
        same = [requests.post(url, json=body, headers={"X-Forwarded-For": "10.9.9.9"}).status_code
                for _ in range(3)]
        assert same == [401, 401, 429]
    finally:
        stop(untrusted)
        stop(trusted)
