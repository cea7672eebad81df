"""`flask --app app users create` through the real command line."""
from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import AuditEntry, User
from tests.conftest import ROOT


def flask(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=60)


def test_create_user_then_duplicate_then_unknown_role(app):
    ok = flask("users", "create", "Chair@Example.com", "--password", "s3cret-pass", "--role", "organiser")
    assert ok.returncode == 0, ok.stderr
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "chair@example.com"))
        assert user is not None and user.role.value == "organiser"
        assert user.password_hash != "s3cret-pass" and user.check_password("s3cret-pass")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
        assert entry.entity_id == user.id and "s3cret" not in str(entry.changes)

    dup = flask("users", "create", "chair@example.com", "--password", "another-pass", "--role", "viewer")
    assert dup.returncode == 1
    assert "Traceback" not in dup.stderr and len(dup.stderr.strip().splitlines()) == 1
    assert "chair@example.com" in dup.stderr

    bad = flask("users", "create", "new@example.com", "--password", "another-pass", "--role", "boss")
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    assert "boss" in bad.stderr
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new@example.com")) is None
