"""POST/DELETE /api/v1/auth/token, expiry and revocation."""
from __future__ import annotations

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


def test_expired_token_is_refused(app, client, token_for):
    token = token_for("viewer")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    with app.app_context():
        record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
        record.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = client.get("/api/v1/auth/me", headers=headers)
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
