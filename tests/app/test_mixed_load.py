"""A mixed load on the production server (gunicorn, 2 workers × 4 threads), on SQLite and PostgreSQL:
door phones scan in a loop while others sign in (API token and console form), create events, projects,
organisations and users, update users, register and erase. Before the unit of work, on SQLite, the writes
beside the scanning door failed with 500 "database is locked" (sign-in 8/8, user creation 30/30, …).
Every answer must be below 500, and every object answered 201 must be there afterwards."""
from __future__ import annotations

import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Attendee, CheckIn, Event, Organisation, Project, Registration, RegistrationMode, User
from roadshow.models.programme import AgendaSession
from roadshow.services import users as user_service
from tests import factories as f
from tests.conftest import free_port, start_gunicorn, stop

SECONDS = 6.0
PASSWORD = "mixed-load-password-1"


@pytest.fixture
def server(app):
    port = free_port()
    proc = start_gunicorn(port, workers=2, threads=4)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def _prepare(app) -> dict:
    with app.app_context():
        door_event = f.event("淮南牛肉汤产业项目路演会")
        codes = [a.ticket_code for a in f.registration(door_event, attendees=10).attendees]
        open_event = f.event("开放报名推介会", registration_mode=RegistrationMode.open, capacity=None)
        erasable = [a.id for a in f.registration(f.event("往届活动"), attendees=30).attendees]
        org = f.organisation("老乡鸡集团有限公司")
        tokens = {}
        for role in ("door", "admin", "organiser"):
            user = user_service.create_user(f"load-{role}@example.com", PASSWORD, role)
            tokens[role] = user_service.issue_token(user, timedelta(hours=1))[0]
        patched = user_service.create_user("load-patched@example.com", PASSWORD, "viewer").id
        db.session.commit()
        guest_ids = list(db.session.scalars(select(Attendee.id).where(Attendee.ticket_code.in_(codes))))
        return {"door_event": door_event.id, "codes": codes, "open_event": open_event.id, "erasable": erasable,
                "org": org.id, "tokens": tokens, "patched": patched, "guest_ids": guest_ids,
                "door_starts": door_event.starts_at}


def _login_form(base: str) -> int:
    with requests.Session() as s:
        page = s.get(f"{base}/login", timeout=60).text
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return s.post(f"{base}/login", data={"email": "load-organiser@example.com", "password": PASSWORD,
                                             "csrf_token": csrf}, allow_redirects=False, timeout=60).status_code


def test_writes_beside_a_scanning_door_never_fail(app, server):
    data = _prepare(app)
    tokens = data["tokens"]
    answers: dict[str, Counter] = defaultdict(Counter)
    created: dict[str, list[int]] = defaultdict(list)
    errors: list[BaseException] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS
    counter = iter(range(10**9))

    def api(role: str) -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {tokens[role]}"
        return s

    def loop(name: str, step: Callable[[int], requests.Response | int], kind: str | None = None):
        try:
            while time.monotonic() < deadline:
                n = next(counter)
                r = step(n)
                status = r if isinstance(r, int) else r.status_code
                with lock:
                    answers[name][status] += 1
                    if kind and status in (200, 201):
                        created[kind].append(r.json()["id"])
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    door, admin, organiser = api("door"), api("admin"), api("organiser")
    codes = data["codes"]
    steps: list[tuple[str, Callable, str | None]] = [
        *[("scan", lambda n: door.post(f"{server}/api/v1/events/{data['door_event']}/checkins",
                                        json={"code": codes[n % len(codes)], "device": "东门"}, timeout=60), None)
          for _ in range(3)],
        ("lookup", lambda n: door.post(f"{server}/api/v1/events/{data['door_event']}/checkins", timeout=60,
                                       json={"attendee_id": data["guest_ids"][n % len(codes)], "device": "西门"}),
         None),
        ("walk_in", lambda n: door.post(f"{server}/api/v1/events/{data['door_event']}/walk-ins", timeout=60, json={
            "organisation": {"name": f"现场企业{n}", "kind": "enterprise"}, "consent": True,
            "attendees": [{"name": f"现场嘉宾{n}", "phone": f"137{n:08d}"}]}), "walk_in"),
        ("token", lambda n: requests.post(f"{server}/api/v1/auth/token", timeout=60,
                                          json={"email": "load-door@example.com", "password": PASSWORD}), None),
        ("login", lambda n: _login_form(server), None),
        ("event", lambda n: organiser.post(f"{server}/api/v1/events", timeout=60, json={
            "title": f"负载测试活动{n}", "starts_at": "2031-04-18T01:00:00Z", "ends_at": "2031-04-18T04:00:00Z",
            "timezone": "Asia/Shanghai", "status": "published", "registration_mode": "open"}), "event"),
        ("project", lambda n: organiser.post(f"{server}/api/v1/projects", timeout=60, json={
            "name": f"负载测试项目{n}", "organisation_id": data["org"]}), "project"),
        ("organisation", lambda n: organiser.post(f"{server}/api/v1/organisations", timeout=60, json={
            "name": f"负载测试企业{n}有限公司", "kind": "enterprise"}), "organisation"),
        ("user", lambda n: admin.post(f"{server}/api/v1/users", timeout=60, json={
            "email": f"load-new-{n}@example.com", "password": PASSWORD, "role": "viewer"}), "user"),
        ("patch", lambda n: admin.patch(f"{server}/api/v1/users/{data['patched']}", timeout=60,
                                        json={"name": f"改名{n}"}), None),
        ("register", lambda n: requests.post(f"{server}/api/v1/public/registrations", timeout=60, json={
            "event_id": data["open_event"], "consent": True,
            "organisation": {"name": f"负载报名企业{n}有限公司", "kind": "enterprise"},
            "attendees": [{"name": f"嘉宾{n}", "phone": f"139{n:08d}"}]}), "registration"),
        ("session", lambda n: organiser.post(f"{server}/api/v1/events/{data['door_event']}/sessions", timeout=60,
                                             json={"starts_at": data["door_starts"].isoformat(),
                                                   "ends_at": (data["door_starts"] + timedelta(minutes=30)).isoformat(),
                                                   "title": f"负载测试议程{n}"}), "session"),
        ("erase", lambda n: organiser.post(
            f"{server}/api/v1/attendees/{data['erasable'][n % len(data['erasable'])]}/erase", timeout=60), "erased"),
        ("message", lambda n: organiser.post(f"{server}/api/v1/events/{data['door_event']}/messages", timeout=60,
                                             json={"subject": f"提醒{n}", "body": "请准时参加", "to": "no_show",
                                                   "channels": ["email", "sms"]}), None),
    ]
    threads = [threading.Thread(target=loop, args=step) for step in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    failed = {name: dict(c) for name, c in answers.items() if any(status >= 500 for status in c)}
    assert not failed, failed
    expected = {"scan": {201, 409}, "token": {201}, "login": {302}, "event": {201}, "project": {201},
                "organisation": {201}, "user": {201}, "patch": {200}, "register": {201}, "erase": {200}}
    expected |= {"lookup": {201, 409}, "walk_in": {201}}
    expected |= {"session": {201}}
    expected |= {"message": {202}}
    for name, statuses in expected.items():
        assert answers[name] and set(answers[name]) <= statuses, (name, dict(answers[name]))

    models = {"event": Event, "project": Project, "organisation": Organisation, "user": User,
              "registration": Registration, "session": AgendaSession}
    with app.app_context():
        for kind, model in models.items():
            ids = created[kind]
            found = db.session.scalar(select(func.count()).select_from(model).where(model.id.in_(ids)))
            assert found == len(ids) == len(set(ids)), kind
        checked_in = db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.event_id == data["door_event"]))
        guests_in = db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.attendee_id.in_(data["guest_ids"])))
        # Each guest checked in once, by one scan or look-up (the others: 409); on a loaded machine a guest may
        # get no request at all in the time, so the 201s are what is counted.
        assert guests_in == answers["scan"][201] + answers["lookup"][201] <= len(codes)
        assert checked_in == guests_in + len(created["walk_in"])
        erased = set(db.session.scalars(select(Attendee.id).where(Attendee.id.in_(data["erasable"]),
                                                                  Attendee.erased_at.is_not(None))))
        assert erased == set(created["erased"])
