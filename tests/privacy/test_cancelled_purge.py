"""Issue 14, item 5: the privacy notice says cancelling deletes the data, and so it is: a cancelled
registration's attendees are erased 24 hours after the cancellation (`privacy.purge_due`, `flask privacy
purge`), idempotently and once however many processes run it; the export never shows their phones."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Attendee, AuditEntry, Contact, Registration
from roadshow.models.types import utcnow
from roadshow.services import mail
from tests import factories
from tests.cli.test_users_cli import ROOT, flask


def _cancelled(client, *, hours_ago: float, phone: str = "13500001234", names=("冯远", "何静")):
    """A registration cancelled from its manage link (the public API), `hours_ago` hours ago."""
    ev = factories.event()
    inv = factories.invitation(ev, seats=2, contact_name=names[0], phone=phone)
    reg = factories.registration(ev, attendees=2, inv=inv, names=list(names))
    reg.attendees[0].phone = phone  # the invited contact came herself
    db.session.commit()
    assert client.delete(f"/api/v1/public/registrations/{reg.manage_token}").status_code == 200
    mail.deliverer.wait()  # the cancellation mail has gone out
    db.session.rollback()
    reg = db.session.get(Registration, reg.id)
    reg.cancelled_at = utcnow() - timedelta(hours=hours_ago)
    db.session.commit()
    return ev, reg


def test_the_notice_and_the_cancel_page_say_what_happens(client, app_ctx):
    notice = client.get("/privacy").get_data(as_text=True)
    assert "如您取消报名" in notice and "24 小时内删除" in notice
    _ev, reg = _cancelled(client, hours_ago=0)
    other = factories.registration(factories.event())
    page = client.get(f"/m/{other.manage_token}/cancel").get_data(as_text=True)
    assert "将在 24 小时内删除" in page


def test_the_export_shows_no_phone_of_a_cancelled_registrant(client, auth, app_ctx):
    ev, reg = _cancelled(client, hours_ago=1, phone="13500007777")
    live = factories.registration(ev, attendees=1, names=["在场者"])
    phones = [a.phone for a in reg.attendees]
    r = client.get(f"/api/v1/events/{ev.id}/attendees.csv", headers=auth("organiser"))
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    for phone in phones:
        assert phone not in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert any(live.attendees[0].phone in row for row in rows)  # the others' stay


def test_purge_due_erases_after_the_grace_period_once(client, app_ctx):
    from roadshow.services import privacy

    _ev, old = _cancelled(client, hours_ago=25, phone="13500002222")
    _ev2, recent = _cancelled(client, hours_ago=2, phone="13500003333", names=("韩梅", "褚亮"))
    names = [a.name for a in old.attendees]
    old_ids = [a.id for a in old.attendees]
    privacy.purge_due()
    db.session.commit()
    for attendee_id in old_ids:
        a = db.session.get(Attendee, attendee_id)
        assert a.erased_at and a.phone is None and a.email is None and a.name.startswith("[erased]")
    assert all(a.erased_at is None and a.phone for a in db.session.get(Registration, recent.id).attendees)
    # The organisation's contact (the same phone) is the bureau's and stays; so does its invitation's log.
    contact = db.session.get(Contact, old.invitation.contact_id)
    assert contact.phone == "13500002222"
    log = str([e.changes for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "registration", AuditEntry.entity_id == old.id))])
    assert all(name not in log for name in names)
    assert privacy.purge_due() == 0  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "attendee.erase")) == 2
    # The next day the second one goes too.
    assert privacy.purge_due(utcnow() + timedelta(hours=23)) == 2


def test_flask_privacy_purge_from_several_processes_at_once(app, client):
    with app.app_context():
        regs = [_cancelled(client, hours_ago=48, phone=f"1350000{i:04d}", names=(f"甲{i}", f"乙{i}"))[1]
                for i in range(6)]
        attendee_ids = [a.id for reg in regs for a in reg.attendees]
    command = [sys.executable, "-m", "flask", "--app", "app", "privacy", "purge"]
    runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    erased = [int(out.split()[1]) for out, _err in outputs]
    assert sum(erased) == len(attendee_ids), outputs
    with app.app_context():
        assert all(db.session.get(Attendee, i).erased_at for i in attendee_ids)
        per_attendee = db.session.execute(select(AuditEntry.entity_id, func.count()).where(
            AuditEntry.action == "attendee.erase").group_by(AuditEntry.entity_id)).all()
        assert sorted(i for i, _n in per_attendee) == sorted(attendee_ids)
        assert all(n == 1 for _i, n in per_attendee)
    again = flask("privacy", "purge")
    assert again.returncode == 0 and "erased 0 " in again.stdout
