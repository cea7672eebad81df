"""PIPL duties: erasure keeps counts and history; purge after events end; the audit log is browsable
by admins and never holds passwords, tokens or the erased data."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Attendee, AuditEntry, CheckIn, Contact, Registration
from roadshow.models.types import utcnow
from tests import factories
from tests.cli.test_users_cli import flask
from tests.conftest import sign_in as _login


def _guest(app_ctx_unused=None, *, ended_days_ago: int | None = None):
    starts = utcnow() - timedelta(days=ended_days_ago, hours=4) if ended_days_ago is not None else None
    ev = factories.event(starts_at=starts)
    inv = factories.invitation(ev, seats=2, contact_name="李联系", phone="13900001111")
    reg = factories.registration(ev, attendees=2, inv=inv, names=["王小明", "赵敏"])
    db.session.add(CheckIn(event_id=ev.id, attendee_id=reg.attendees[0].id, scanned_at=utcnow(), device="东门"))
    db.session.commit()
    return ev, reg


def test_erase_keeps_counts_and_history(client, auth, app_ctx):
    ev, reg = _guest()
    attendee_id, event_id = reg.attendees[0].id, ev.id
    code = reg.attendees[0].ticket_code
    db.session.commit()
    r = client.post(f"/api/v1/attendees/{attendee_id}/erase", headers=auth("organiser"))
    assert r.status_code == 200 and r.json["name"].startswith("[erased]")
    attendee = db.session.get(Attendee, attendee_id)
    assert attendee.phone is None and attendee.email is None and attendee.title is None and attendee.erased_at
    assert attendee.ticket_code == code
    assert db.session.scalar(select(func.count()).select_from(Attendee).join(Registration)
                             .where(Registration.event_id == event_id)) == 2
    assert db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.attendee_id == attendee_id)) == 1
    again = client.post(f"/api/v1/attendees/{attendee_id}/erase", headers=auth("organiser"))
    assert again.status_code == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendee.erase")).all()
    assert len(entries) == 1 and "王小明" not in str(entries[0].changes)


def test_erase_roles_and_unknown(client, auth, app_ctx):
    _, reg = _guest()
    attendee_id = reg.attendees[1].id
    db.session.commit()
    for role in ("viewer", "door"):
        assert client.post(f"/api/v1/attendees/{attendee_id}/erase", headers=auth(role)).status_code == 403
    assert client.post("/api/v1/attendees/999999/erase", headers=auth("admin")).status_code == 404
    assert db.session.get(Attendee, attendee_id).name == "赵敏"


def test_purge_cli_anonymises_only_old_events(app):
    with app.app_context():
        _, old = _guest(ended_days_ago=40)
        _, recent = _guest(ended_days_ago=10)
        old_ids = [a.id for a in old.attendees]
        recent_ids = [a.id for a in recent.attendees]
        old_contact = old.invitation.contact_id
        db.session.commit()
    result = flask("data", "purge", "--older-than", "30")
    assert result.returncode == 0, result.stderr
    assert "2" in result.stdout
    with app.app_context():
        for attendee_id in old_ids:
            a = db.session.get(Attendee, attendee_id)
            assert a.erased_at and a.phone is None and a.name.startswith("[erased]")
        for attendee_id in recent_ids:
            a = db.session.get(Attendee, attendee_id)
            assert a.erased_at is None and a.phone
        contact = db.session.get(Contact, old_contact)
        assert contact.phone is None and contact.email is None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data.purge")) is not None
    assert flask("data", "purge", "--older-than", "-1").returncode != 0


def test_audit_log_page_for_admins_only_and_escaped(app, client, auth, make_user, app_ctx):
    from roadshow.services import audit

    audit.record(None, "organisation.update", "organisation", 7,
                 {"name": {"from": "旧名称", "to": "<script>alert(1)</script>"}})
    db.session.commit()
    organiser = app.test_client()
    _login(organiser, make_user("organiser"))
    assert organiser.get("/admin/audit").status_code == 403
    _login(client, make_user("admin"))
    html = client.get("/admin/audit?entity_type=organisation").get_data(as_text=True)
    assert "organisation.update" in html and "旧名称" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "审计日志" in html


def test_audit_api_and_no_secrets(client, auth, make_user, app_ctx):
    admin = auth("admin")
    created = client.post("/api/v1/users", json={"email": "new@example.com", "password": "very-secret-1",
                                                 "role": "viewer"}, headers=admin)
    user_id = created.json["id"]
    client.patch(f"/api/v1/users/{user_id}", json={"password": "other-secret-2"}, headers=admin)
    token = client.post("/api/v1/auth/token", json={"email": "new@example.com", "password": "other-secret-2"}
                        ).json["token"]
    r = client.get("/api/v1/audit?per_page=200", headers=admin)
    assert r.status_code == 200 and r.json["total"] >= 3
    dump = str(r.json)
    for secret in ("very-secret-1", "other-secret-2", token):
        assert secret not in dump
    assert all(h not in dump for h in ("scrypt:", "pbkdf2:"))
    only_users = client.get("/api/v1/audit?entity_type=user", headers=admin).json["items"]
    assert only_users and all(i["entity_type"] == "user" for i in only_users)
    assert client.get("/api/v1/audit", headers=auth("organiser")).status_code == 403
