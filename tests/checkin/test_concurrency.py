"""Exactly once, in real server processes: 160 scans of 4 tickets from 8 devices at once; each ticket
gets one "ok" answer, one check-in and one audit row (a repeat scan writes nothing)."""
from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import AuditEntry, CheckIn, CheckInStatus
from roadshow.services import users as user_service
from tests import factories as f
from tests.conftest import free_port, start_gunicorn, stop

DEVICES = 8
TICKETS = 4
SCANS_PER_DEVICE = 20  # 160 in all, 40 per ticket


def _prepare(app):
    with app.app_context():
        event = f.event("淮南牛肉汤产业项目路演会")
        codes = [a.ticket_code for a in f.registration(event, attendees=TICKETS).attendees]
        tokens = []
        for i in range(DEVICES):
            user = user_service.create_user(f"door-race{i}@example.com", "password-race-1", "door")
            tokens.append(user_service.issue_token(user, timedelta(hours=1))[0])
        db.session.commit()
        return event.id, codes, tokens


def _race(bases: list[str], event_id: int, codes: list[str], tokens: list[str],
          scans_per_device: int = SCANS_PER_DEVICE) -> Counter:
    barrier = threading.Barrier(DEVICES)
    answers: list[tuple[int, str, str]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def device(i: int):
        try:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {tokens[i]}"
            base = bases[i % len(bases)]
            scans = codes * (scans_per_device // len(codes))
            random.Random(i).shuffle(scans)
            barrier.wait()
            for code in scans:
                r = session.post(f"{base}/api/v1/events/{event_id}/checkins",
                                 json={"code": code, "device": f"门{i}"}, timeout=60)
                with lock:
                    answers.append((r.status_code, r.json()["result"], code))
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=device, args=(i,)) for i in range(DEVICES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(answers) == DEVICES * scans_per_device
    return Counter(answers)


def _assert_exactly_once(app, counted: Counter, event_id: int, tickets: int = TICKETS):
    per_ticket = sum(counted.values()) // tickets
    codes = {code for _status, _result, code in counted}
    assert len(codes) == tickets
    for code in codes:  # each ticket: one first answer, every other scan of it a repeat
        assert counted[(201, "ok", code)] == 1, counted
        assert counted[(409, "already_checked_in", code)] == per_ticket - 1, counted
    with app.app_context():
        active = db.session.scalar(select(func.count(CheckIn.id)).where(
            CheckIn.event_id == event_id, CheckIn.status == CheckInStatus.active))
        total = db.session.scalar(select(func.count(CheckIn.id)))
        assert active == tickets and total == tickets
        # one audit row per check-in made, naming it; the repeat scans wrote none (as always)
        checkins = {c.id: c for c in db.session.scalars(select(CheckIn))}
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "checkin")).all()
        assert sorted(e.entity_id for e in entries) == sorted(checkins)
        assert all(e.action == "checkin.create" and e.changes["attendee_id"] == checkins[e.entity_id].attendee_id
                   and e.changes["event_id"] == event_id and e.changes["method"] == "scan"
                   and e.changes["device"] == checkins[e.entity_id].device for e in entries)


def test_160_scans_from_8_devices_give_exactly_4_checkins(app, live_server):
    event_id, codes, tokens = _prepare(app)
    _assert_exactly_once(app, _race([live_server], event_id, codes, tokens), event_id)


def test_8_devices_scanning_one_ticket_at_the_same_moment(app, live_server):
    # Every device's first scan is of the same ticket, after one barrier: the deciding statements
    # really meet (on PostgreSQL the losers' one statement finds the winner's row not yet committed).
    event_id, codes, tokens = _prepare(app)
    _assert_exactly_once(app, _race([live_server], event_id, codes[:1], tokens, scans_per_device=2),
                         event_id, tickets=1)


@pytest.mark.postgres("two app servers on one database: PostgreSQL")
def test_two_app_processes_on_one_postgresql(app):
    event_id, codes, tokens = _prepare(app)
    ports = [free_port(), free_port()]
    servers = [start_gunicorn(port, workers=2, threads=4) for port in ports]
    try:
        counted = _race([f"http://127.0.0.1:{port}" for port in ports], event_id, codes, tokens)
    finally:
        for proc in servers:
            stop(proc)
    _assert_exactly_once(app, counted, event_id)
