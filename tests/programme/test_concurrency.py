"""Two organisers clicking "turn into a lead" at once (and a bulk run beside them) make one lead per
interest; guests tapping "interested" twice at once make one interest. Real gunicorn, real threads."""
from __future__ import annotations

import threading

import requests
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import Interest, Project
from tests.conftest import PASSWORD

T = "2031-04-18T{}:00+08:00"


def _token(live_server, make_user) -> dict:
    email = make_user("organiser")
    token = requests.post(f"{live_server}/api/v1/auth/token", json={"email": email, "password": PASSWORD},
                          timeout=30).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _at_once(calls) -> list[requests.Response]:
    barrier = threading.Barrier(len(calls))
    results: list[requests.Response] = []
    lock = threading.Lock()

    def run(call):
        with requests.Session() as session:
            barrier.wait()
            r = call(session)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_clicks_make_one_lead_per_interest(app, live_server, make_user, day):
    h = _token(live_server, make_user)
    base = f"{live_server}/api/v1"
    assert requests.post(f"{base}/events/{day['event']}/sessions", headers=h, timeout=30, json={
        "starts_at": T.format("09:30"), "ends_at": T.format("10:00"), "title": "项目路演",
        "project_id": day["project"]}).status_code == 201
    # Both guests tap at once, twice each: one interest per guest.
    url = f"{base}/public/registrations/{day['token']}/interests"
    taps = _at_once([lambda s, a=a: s.post(url, json={"attendee_id": a, "project_id": day["project"]}, timeout=60)
                     for a in day["attendees"] for _ in range(2)])
    assert sorted(r.status_code for r in taps) == [201, 201, 409, 409], [(r.status_code, r.text[:200]) for r in taps]
    first = next(r.json()["id"] for r in taps if r.status_code == 201)

    clicks = _at_once([lambda s: s.post(f"{base}/interests/{first}/lead", headers=h, timeout=60) for _ in range(2)]
                      + [lambda s: s.post(f"{base}/events/{day['event']}/interests/leads", headers=h, timeout=60)])
    single = [r for r in clicks if "/lead" in r.url and "/leads" not in r.url]
    assert sorted(r.status_code for r in clicks) in ([200, 200, 201], [200, 200, 200]), \
        [(r.status_code, r.text[:200]) for r in clicks]
    assert len({r.json()["id"] for r in single}) == 1
    with app.app_context():
        leads = db.session.scalars(select(Project).where(Project.source_event_id == day["event"])).all()
        assert len(leads) == 2  # one per interest, never more
        assert {p.related_project_id for p in leads} == {day["project"]}
        assert {p.attendee_id for p in leads} == set(day["attendees"])
        assert db.session.scalar(select(func.count(Interest.id)).where(Interest.lead_id.is_not(None))) == 2
