"""Two doors, one guest, at once — one by look-up (attendee id), one by scanning the QR code: exactly one
wins, in real server processes (gunicorn, 2 workers × 4 threads), on the test database (SQLite or
PostgreSQL). And walk-ins racing for the last seats never overbook."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import CheckIn, CheckInMethod, CheckInStatus, Registration, RegistrationStatus
from roadshow.services import users as user_service
from tests import factories as f

GUESTS = 24
WALK_INS = 8
SEATS_LEFT = 3


def _tokens(n: int, prefix: str) -> list[str]:
    tokens = []
    for i in range(n):
        user = user_service.create_user(f"{prefix}{i}@example.com", "password-race-1", "door")
        tokens.append(user_service.issue_token(user, timedelta(hours=1))[0])
    db.session.commit()
    return tokens


def _sessions(tokens: list[str]) -> list[requests.Session]:
    sessions = []
    for token in tokens:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        sessions.append(session)
    return sessions


def test_lookup_and_scan_of_one_guest_at_once_exactly_one_wins(app, live_server):
    with app.app_context():
        event = f.event("淮南牛肉汤产业项目路演会")
        guests = [(a.id, a.ticket_code) for a in f.registration(event, attendees=GUESTS).attendees]
        event_id = event.id
        lookup_door, scan_door = _sessions(_tokens(2, "door-lookup-race"))
    url = f"{live_server}/api/v1/events/{event_id}/checkins"
    barrier = threading.Barrier(2)
    answers: dict[str, list[tuple[int, str, str | None]]] = {"lookup": [], "scan": []}
    errors: list[BaseException] = []

    def door(kind: str, session: requests.Session):
        try:
            for attendee_id, code in guests:
                body = {"attendee_id": attendee_id} if kind == "lookup" else {"code": code}
                barrier.wait(timeout=60)  # both doors send for this guest together
                r = session.post(url, json={**body, "device": f"{kind}-door"}, timeout=60)
                answers[kind].append((r.status_code, r.json()["result"], r.json().get("device")))
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=door, args=(kind, s)) for kind, s in
               (("lookup", lookup_door), ("scan", scan_door))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    winners = {}
    for i, (attendee_id, _code) in enumerate(guests):
        pair = {kind: answers[kind][i] for kind in answers}
        assert sorted(status for status, _r, _d in pair.values()) == [201, 409], pair
        (winner,) = [kind for kind, (status, _r, _d) in pair.items() if status == 201]
        loser = "scan" if winner == "lookup" else "lookup"
        assert pair[loser][1] == "already_checked_in"
        assert pair[loser][2] == f"{winner}-door"  # the refused door is told who was first
        winners[attendee_id] = winner
    with app.app_context():
        rows = db.session.scalars(select(CheckIn).where(CheckIn.event_id == event_id)).all()
        assert len(rows) == GUESTS and all(r.status is CheckInStatus.active for r in rows)
        assert {r.attendee_id: r.method.value for r in rows} == winners
        assert {r.attendee_id: r.device for r in rows} == {a: f"{w}-door" for a, w in winners.items()}


def test_walk_ins_racing_for_the_last_seats_never_overbook(app, live_server):
    with app.app_context():
        event = f.event("小会场", capacity=10)
        f.registration(event, attendees=10 - SEATS_LEFT)
        event_id = event.id
        doors = _sessions(_tokens(WALK_INS, "door-walk-in-race"))
    barrier = threading.Barrier(WALK_INS)
    answers: list[tuple[int, str | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def door(i: int):
        try:
            body = {"organisation": {"name": f"现场企业{i}", "kind": "enterprise"},
                    "attendees": [{"name": f"现场嘉宾{i}", "phone": f"1370000{i:04d}"}], "consent": True}
            barrier.wait(timeout=60)
            r = doors[i].post(f"{live_server}/api/v1/events/{event_id}/walk-ins", json=body, timeout=60)
            with lock:
                answers.append((r.status_code, r.json().get("result")))
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=door, args=(i,)) for i in range(WALK_INS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Counter(answers) == Counter({(201, None): SEATS_LEFT, (409, "capacity_full"): WALK_INS - SEATS_LEFT})
    with app.app_context():
        seats = db.session.scalar(select(func.sum(Registration.seats)).where(
            Registration.event_id == event_id, Registration.status == RegistrationStatus.confirmed))
        assert seats == 10
        walked_in = db.session.scalar(select(func.count(CheckIn.id)).where(
            CheckIn.event_id == event_id, CheckIn.method == CheckInMethod.walk_in))
        assert walked_in == SEATS_LEFT
