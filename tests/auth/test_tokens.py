"""POST/DELETE /api/v1/auth/token, expiry and revocation."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import ApiToken, AuditEntry
from roadshow.models.types import utcnow
from tests.conftest import PASSWORD


def test_token_issue_shape_and_use(client, make_user):
    email = make_user("organiser")
    r = client.post("/api/v1/auth/token", json={"email": email.upper(), "password": PASSWORD})
    assert r.status_code == 201
    assert set(r.json) >= {"token", "role"} and r.json["role"] == "organiser"
    assert len(r.json["token"]) >= 40
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert me.status_code == 200 and me.json["email"] == email


def test_bad_credentials_are_401_problem(client, make_user):
    email = make_user("viewer")
    for body in ({"email": email, "password": "wrong-password"}, {"email": "nobody@example.com", "password": PASSWORD}):
        r = client.post("/api/v1/auth/token", json=body)
        assert r.status_code == 401
        assert r.mimetype == "application/problem+json"
        assert r.json["status"] == 401 and r.json["title"] and r.json["detail"]


def test_token_is_stored_hashed(app, client, make_user):
    email = make_user("door")
    token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json["token"]
    with app.app_context():
        stored = db.session.scalars(select(ApiToken)).all()
        assert len(stored) == 1 and stored[0].token_hash != token and token not in stored[0].token_hash
        # the audit log records the issue but never the token
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "token.issue")).all()
        assert entries and all(token not in str(e.changes) for e in entries)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_expired_token_is_refused(app, client, make_user):
    """The expiry is in the signed token: past it, 401 without asking the database."""
    from roadshow.services.users import find_by_email, issue_token
    from roadshow.uow import unit_of_work

    email = make_user("viewer")
    with app.app_context(), unit_of_work():
        expired, _record = issue_token(find_by_email(email), timedelta(seconds=-1))
        live, _record = issue_token(find_by_email(email), timedelta(hours=1))
    assert client.get("/api/v1/auth/me", headers=_bearer(live)).status_code == 200
    r = client.get("/api/v1/auth/me", headers=_bearer(expired))
    assert r.status_code == 401 and r.mimetype == "application/problem+json"


def test_token_expired_early_in_the_database_is_refused_within_the_interval(app, client, token_for, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_SECONDS", 0.3)
    token = token_for("viewer")
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    with app.app_context():  # as another process would: this one's cache is not told
        record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    time.sleep(0.4)
    r = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert r.status_code == 401 and r.mimetype == "application/problem+json"


def test_token_expiry_follows_the_configured_lifetime(app, client, make_user):
    email = make_user("viewer")
    before = utcnow()
    r = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    with app.app_context():
        record = db.session.scalar(select(ApiToken))
        hours = app.config["API_TOKEN_TTL_HOURS"]
        assert before + timedelta(hours=hours) <= record.expires_at <= utcnow() + timedelta(hours=hours)
    assert r.json["expires_at"]


def test_revoked_token_is_refused(client, token_for):
    headers = {"Authorization": f"Bearer {token_for('organiser')}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_disabled_user_token_is_refused(client, auth, make_user):
    admin = auth("admin")
    email = make_user("viewer")
    token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json["token"]
    users = client.get("/api/v1/users?per_page=200", headers=admin).json["items"]
    user_id = next(u["id"] for u in users if u["email"] == email)
    assert client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin).status_code == 200
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_garbage_tokens_are_401(client):
    for header in ["", "Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 5000, "Bearer \u2603", "bearer nope"]:
        r = client.get("/api/v1/auth/me", headers={"Authorization": header} if header else {})
        assert r.status_code == 401, header
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_in_use_still_ends_at_its_expiry_and_only_with_its_key(app, client, make_user, monkeypatch):
    """Each process keeps what a token's signature vouched for (services/tokens.py, `_claims_signed_with`),
    so a door device's token is checked once, not per scan: its expiry is still looked at on every request,
    and what was checked under one key says nothing under another."""
    from roadshow.services import tokens
    from roadshow.services.users import find_by_email, issue_token
    from roadshow.uow import unit_of_work

    email = make_user("door")
    with app.app_context(), unit_of_work():
        token, record = issue_token(find_by_email(email), timedelta(minutes=5))
        db.session.flush()
        ends = record.expires_at.timestamp()
    for _ in range(3):
        assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    monkeypatch.setattr(tokens.time, "time", lambda: ends + 1)
    r = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    monkeypatch.undo()
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-deployment's-key")
    with app.test_request_context():
        assert tokens.verify(token) is None and not tokens.authentic(token)


def test_tampered_and_forged_tokens_are_401(app, client, token_for):
    from itsdangerous import URLSafeSerializer

    token = token_for("admin")
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    payload, _dot, signature = token.rpartition(".")
    claims = URLSafeSerializer("x").load_payload(payload.encode())  # [token id, user id, role, version, iat, exp]
    forged_with = lambda key, data: URLSafeSerializer(key, salt="roadshow.api-token").dumps(data)  # noqa: E731
    with app.app_context():
        key = app.config["SECRET_KEY"]
    bad = [
        payload + "." + signature[:-2] + ("AA" if not signature.endswith("AA") else "BB"),  # signature changed
        URLSafeSerializer("x").dump_payload([claims[0], claims[1] + 1, *claims[2:]]).decode() + "." + signature,
        forged_with("not-the-secret-key", claims),  # well formed, signed with another key
        forged_with(key, [claims[0], claims[1], "admin", claims[3], claims[4]]),  # the right key, a wrong shape
        forged_with(key, {"id": claims[0]}),
        forged_with(key, [claims[0], claims[1], "door", *claims[3:]]),  # another role than the user's
        token + "x", "." + token, "a.b", "..",
    ]
    for candidate in bad:
        r = client.get("/api/v1/auth/me", headers=_bearer(candidate))
        assert r.status_code == 401, candidate
        assert r.mimetype == "application/problem+json"


def test_token_of_the_old_format_still_works_through_the_database(app, client, make_user):
    """Tokens issued before signed ones (256 random bits, only their hash stored) keep working until they
    expire, and their revocation counts at once."""
    import secrets

    from roadshow.services.users import find_by_email

    email = make_user("organiser")
    old = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(ApiToken(user=find_by_email(email), token_hash=ApiToken.hash(old),
                                expires_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    me = client.get("/api/v1/auth/me", headers=_bearer(old))
    assert me.status_code == 200 and me.json["email"] == email
    assert client.delete("/api/v1/auth/token", headers=_bearer(old)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=_bearer(old)).status_code == 401


def test_revocation_in_another_process_counts_within_the_interval(app, client, token_for, monkeypatch):
    """This process's cache is not told of a revocation another process made: it still accepts the token
    until the interval is over, then refuses it."""
    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_SECONDS", 0.5)
    token = token_for("organiser")
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    with app.app_context():
        record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
        record.revoked_at = utcnow()
        db.session.commit()
    time.sleep(0.6)
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401


def test_token_the_cache_does_not_know_is_decided_by_the_database(app, client, token_for, make_user, monkeypatch):
    """A signed token whose user this process's cache has not seen (made, and the token issued, after the cache
    loaded, as by another process) is accepted at once, without reloading the cache: the database vouches for
    it. Revoked here, it is refused at once."""
    from roadshow.services import tokens
    from roadshow.services.users import find_by_email, issue_token
    from roadshow.uow import unit_of_work

    monkeypatch.setitem(app.config, "TOKEN_REVOCATION_SECONDS", 3600)  # no periodic reload in this test
    assert client.get("/api/v1/auth/me", headers=_bearer(token_for("viewer"))).status_code == 200  # loaded
    email = make_user("organiser")  # committed without telling the cache
    with app.app_context(), unit_of_work():
        user = find_by_email(email)
        token, _record = issue_token(user, timedelta(hours=1))
        assert user.id not in tokens.cache_of(app).current(3600).users  # the cache cannot vouch for it
    me = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert me.status_code == 200 and me.json["email"] == email
    assert client.delete("/api/v1/auth/token", headers=_bearer(token)).status_code == 204
    r = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert r.status_code == 401 and r.mimetype == "application/problem+json"


def test_revocation_deactivation_and_role_change_count_in_every_worker(app, make_user):
    """Under gunicorn with two workers (two caches): a revoked token, a deactivated user's token and an
    admin demoted to viewer stop working in both within TOKEN_REVOCATION_SECONDS (1 s here)."""
    import requests

    from tests.conftest import free_port, start_gunicorn, stop

    port = free_port()
    proc = start_gunicorn(port, workers=2, threads=2, TOKEN_REVOCATION_SECONDS="1")
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        def token(email: str) -> str:
            r = requests.post(f"{base}/auth/token", json={"email": email, "password": PASSWORD}, timeout=10)
            assert r.status_code == 201, r.text
            return r.json()["token"]

        def statuses(path: str, tok: str, n: int = 12) -> set[int]:
            return {requests.get(f"{base}{path}", headers=_bearer(tok), timeout=10).status_code for _ in range(n)}

        head = token(make_user("admin"))
        revoked, viewer_email, admin_email = token(make_user("organiser")), make_user("viewer"), make_user("admin")
        viewer, demoted = token(viewer_email), token(admin_email)
        users = requests.get(f"{base}/users?per_page=200", headers=_bearer(head), timeout=10).json()["items"]
        ids = {u["email"]: u["id"] for u in users}
        for tok in (revoked, viewer, demoted):
            assert statuses("/auth/me", tok) == {200}  # both workers have loaded their caches
        assert statuses("/users", demoted, 4) == {200}

        assert requests.delete(f"{base}/auth/token", headers=_bearer(revoked), timeout=10).status_code == 204
        assert requests.patch(f"{base}/users/{ids[viewer_email]}", json={"active": False}, headers=_bearer(head),
                              timeout=10).status_code == 200
        assert requests.patch(f"{base}/users/{ids[admin_email]}", json={"role": "viewer"}, headers=_bearer(head),
                              timeout=10).status_code == 200
        time.sleep(1.2)
        assert statuses("/auth/me", revoked) == {401}
        assert statuses("/auth/me", viewer) == {401}
        assert statuses("/users", demoted) == {401}  # no admin rights, and no other either: sign in again
        assert statuses("/auth/me", head) == {200}
    finally:
        stop(proc)
