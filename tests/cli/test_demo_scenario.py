"""The 2023 roadshow scenario, as `flask demo load` leaves it: made by the services, so every rule holds
(seats, check-ins with their audit rows), and what the scenario declares is what the database says."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from roadshow.demo import scenario_2023 as scenario
from roadshow.extensions import db
from roadshow.models import (
    Attendee,
    AuditEntry,
    CheckIn,
    CheckInStatus,
    Event,
    Invitation,
    Organisation,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from roadshow.models.types import frozen_clock, utcnow
from roadshow.services.reports import pipeline_report
from roadshow.uow import unit_of_work
from tests.cli.test_demo import _counts
from tests.cli.test_users_cli import flask


@pytest.fixture(scope="module")
def loaded(app):
    """The scenario loaded once by the command line (the tests here only read)."""
    result = flask("demo", "load")
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout
    yield result


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides the suite's per-test emptying: these tests share the module's one load."""


@pytest.fixture(scope="module", autouse=True)
def _empty_before_and_after(app):
    from tests.conftest import _empty_tables

    _empty_tables(app)
    yield
    _empty_tables(app)


def _roadshow() -> Event:
    return db.session.scalar(select(Event).where(Event.title == scenario.ROADSHOW["title"]))


def _checked_in_organisations(event: Event) -> set[str]:
    return set(db.session.scalars(
        select(Organisation.name).join(Registration, Registration.organisation_id == Organisation.id)
        .join(Attendee, Attendee.registration_id == Registration.id)
        .join(CheckIn, CheckIn.attendee_id == Attendee.id)
        .where(CheckIn.event_id == event.id, CheckIn.status == CheckInStatus.active)))


def test_every_check_in_has_its_audit_row(app, loaded):
    with app.app_context():
        checkins = db.session.scalars(select(CheckIn).where(CheckIn.event_id == _roadshow().id)).all()
        assert checkins
        audited = {e.entity_id: e for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "checkin.create"))}
        for row in checkins:
            entry = audited.get(row.id)
            assert entry is not None, f"check-in {row.id} has no audit row"
            assert entry.actor == "door@example.com" and entry.changes["attendee_id"] == row.attendee_id
            assert entry.at == row.scanned_at == row.created_at  # stamped by the frozen clock
            assert row.device == scenario.DOOR_DEVICE


def test_no_registration_has_more_guests_than_its_invitation_has_seats(app, loaded):
    with app.app_context():
        rows = db.session.execute(
            select(Registration, Invitation.seats).join(Invitation, Registration.invitation_id == Invitation.id)
            .where(Registration.event_id == _roadshow().id)).all()
        assert len(rows) == len(scenario.registered_organisations()) == 18
        for reg, seats in rows:
            assert reg.status is RegistrationStatus.confirmed
            assert reg.seats == len(reg.attendees) <= seats, reg.organisation.name
        orphans = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.event_id == _roadshow().id, Registration.invitation_id.is_(None)))
        assert orphans == 0


def test_the_checked_in_organisations_are_those_the_scenario_declares(app, loaded):
    with app.app_context():
        came = _checked_in_organisations(_roadshow())
    assert "老乡鸡集团有限公司" in came
    assert came == set(scenario.checked_in_organisations())
    assert len(came) == 15  # as the scenario's docstring says
    invited = {name for name, *_rest in scenario.INVITED}
    assert len(invited) == 20 and len(scenario.registered_organisations()) == 18


def test_the_2023_report_gives_the_annual_summary(app, loaded):
    with app.app_context(), unit_of_work(write=False):
        report = pipeline_report(2023)
    assert report["signed"]["count"] == 28
    assert report["started"]["count"] == 7
    assert report["out_of_province_over_100m"]["amount_wan"] == Decimal("380100.00")  # 38.01 亿元
    # the official figures, from the money that arrived and the fixed assets formed, month by month
    assert report["out_of_province_over_100m_funds_wan"] == Decimal("380100.00")  # 38.01 亿元
    assert report["industrial_fixed_asset_wan"] == Decimal("31900.00")  # 3.19 亿元


def test_the_2023_figures_arrive_month_by_month(app, loaded):
    from roadshow.models import Origin, Project
    from roadshow.services.figures import project_investments

    with app.app_context(), unit_of_work(write=False):
        park = db.session.scalar(select(Project).where(Project.name == "数字经济产业园"))  # signed 2023-06-16
        months = project_investments(park)
        assert [i["month"] for i in months["items"]] == ["2023-07", "2023-08", "2023-09"]
        assert months["totals"]["funds_in_place_wan"] == Decimal("52000.00")
        assert (park.origin, park.industrial) == (Origin.out_of_province, False)
        doors = db.session.scalar(select(Project).where(Project.name == "淮雅门窗项目"))
        assert (doors.origin, doors.industrial) == (Origin.local, True)


def test_records_carry_the_scenario_dates_and_no_mail_is_queued(app, loaded):
    with app.app_context():
        event = _roadshow()
        assert event.created_at == scenario.ROADSHOW_CREATED_AT
        invitations = db.session.scalars(select(Invitation).where(Invitation.event_id == event.id)).all()
        assert {i.sent_at for i in invitations} == {scenario.INVITATIONS_SENT_AT}
        regs = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
        assert all(r.created_at < event.starts_at and r.confirmed_at == r.created_at for r in regs)
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_second_load_changes_nothing(app, loaded):
    with app.app_context():
        before = _counts()
    again = flask("demo", "load")
    assert again.returncode == 0, again.stderr
    assert "nothing changed" in again.stdout
    with app.app_context():
        assert _counts() == before


def test_frozen_clock_stops_utcnow_for_the_block_only():
    moment = datetime(2023, 4, 18, 1, 0, tzinfo=UTC)
    with frozen_clock(moment):
        assert utcnow() == moment
    assert utcnow() > moment
    with pytest.raises(ValueError):
        with frozen_clock(datetime(2023, 4, 18)):
            pass
