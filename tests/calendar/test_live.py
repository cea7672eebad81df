"""The feed and files through the production server (gunicorn), as a calendar app fetches them."""
from __future__ import annotations

import requests

from roadshow.extensions import db
from roadshow.models import EventStatus
from roadshow.services import calendar
from tests import factories
from tests.calendar.ics import parse


def test_subscription_polling_through_gunicorn(app, live_server):
    with app.app_context():
        event = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2023, 4, 18, 9), hours=3)
        registration = factories.registration(event)
        event_id, token = event.id, registration.manage_token
        db.session.remove()

    first = requests.get(f"{live_server}/calendar.ics", timeout=10)
    assert first.status_code == 200 and first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = parse(first.content)
    assert [e.summary.value for e in parsed.vobj_events()] == ["淮南牛肉汤产业项目路演会"]
    etag = first.headers["ETag"]
    polled = requests.get(f"{live_server}/calendar.ics", headers={"If-None-Match": etag}, timeout=10)
    assert polled.status_code == 304 and polled.content == b""
    head = requests.head(f"{live_server}/calendar.ics", timeout=10)
    assert head.status_code == 200 and head.headers["ETag"] == etag

    with app.app_context():
        event = db.session.get(type(event), event_id)
        event.status = EventStatus.cancelled
        calendar.bump_sequence_if_needed(event, {"status"})
        db.session.commit()
        db.session.remove()

    polled = requests.get(f"{live_server}/calendar.ics", headers={"If-None-Match": etag}, timeout=10)
    assert polled.status_code == 200
    ical, vobj = parse(polled.content).only()
    assert (str(ical["STATUS"]), vobj.status.value, int(ical["SEQUENCE"])) == ("CANCELLED", "CANCELLED", 1)

    for path in (f"/events/{event_id}.ics", f"/m/{token}/event.ics"):
        response = requests.get(f"{live_server}{path}", timeout=10)
        assert response.status_code == 200, path
        ical, vobj = parse(response.content).only()
        assert vobj.status.value == "CANCELLED" and str(ical["UID"]) == vobj.uid.value
