"""Capacity holds under concurrency: real server processes, real threads, SQLite and PostgreSQL."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Attendee, Registration, RegistrationMode, RegistrationStatus
from tests import factories
from tests.conftest import free_port, start_gunicorn, stop

URL = "/api/v1/public/registrations"


def _post(base: str, body: dict) -> requests.Response:
    with requests.Session() as session:
        return session.post(base + URL, json=body, timeout=120)


def _race(bases: list[str], bodies: list[dict], threads: int = 16) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda i: _post(bases[i % len(bases)], bodies[i]), range(len(bodies))))


def _hundred_into_forty(bases: list[str]) -> None:
    event = factories.event(capacity=40, registration_mode=RegistrationMode.open)
    bodies = [{"event_id": event.id, "consent": True,
               "organisation": {"name": f"并发测试企业{i:03d}有限公司", "kind": "enterprise"},
               "attendees": [{"name": f"嘉宾{i:03d}", "phone": f"139{i:08d}"}]} for i in range(100)]
    responses = _race(bases, bodies)
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 100}, codes
    statuses = Counter(r.json()["status"] for r in responses)
    assert statuses == {"confirmed": 40, "waitlisted": 60}

    db.session.rollback()
    confirmed_people = db.session.scalar(
        select(func.count(Attendee.id)).join(Registration).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed))
    waitlisted_people = db.session.scalar(
        select(func.count(Attendee.id)).join(Registration).where(
            Registration.event_id == event.id, Registration.status == RegistrationStatus.waitlisted))
    assert (confirmed_people, waitlisted_people) == (40, 60)
    # every confirmed attendee holds a ticket, nobody on the waitlist does
    tickets = db.session.scalars(select(Attendee.ticket_code).join(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)).all()
    assert len(set(tickets)) == 40 and all(tickets)
    # arrival order: everyone confirmed arrived before everyone waitlisted
    rows = db.session.execute(select(Registration.id, Registration.status).where(
        Registration.event_id == event.id).order_by(Registration.id)).all()
    assert [s for _, s in rows] == [RegistrationStatus.confirmed] * 40 + [RegistrationStatus.waitlisted] * 60


@pytest.fixture(scope="module")
def server(app):
    port = free_port()
    proc = start_gunicorn(port, workers=4, threads=4)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def test_hundred_registrations_into_forty_seats(server, app_ctx):
    _hundred_into_forty([server])


@pytest.mark.postgres("two application processes on one PostgreSQL database")
def test_two_app_processes_on_one_postgresql(app, app_ctx):
    ports = [free_port(), free_port()]
    procs = [start_gunicorn(port, workers=2, threads=4) for port in ports]
    try:
        _hundred_into_forty([f"http://127.0.0.1:{port}" for port in ports])
    finally:
        for proc in procs:
            stop(proc)


def test_sixteen_threads_racing_one_invitation(server, app_ctx):
    event = factories.event(capacity=100)
    invitation = factories.invitation(event, seats=1)
    bodies = [{"invitation": invitation.token, "consent": True,
               "attendees": [{"name": f"抢注{i}", "phone": "13800138000"}]} for i in range(16)]
    responses = _race([server], bodies)
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 15}, codes
    assert all(r.headers["Content-Type"].startswith("application/problem+json")
               for r in responses if r.status_code == 409)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id)).where(
        Registration.invitation_id == invitation.id)) == 1
