"""An offline batch replayed after an undo answers as it did the first time and re-creates nothing
(issue 14, item 7). A scan made before the undo was handled and then undone; only a scan made after the
undo checks the guest in again."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import CheckIn, CheckInStatus, OrgKind
from roadshow.models.types import utcnow
from tests import factories as f


@pytest.fixture
def door(auth):
    return auth("door")


@pytest.fixture
def guest(app):
    with app.app_context():
        event = f.event("淮南牛肉汤产业项目路演会")
        reg = f.registration(event, attendees=1, org=f.organisation("老乡鸡集团有限公司", kind=OrgKind.enterprise))
        return event.id, reg.attendees[0].ticket_code


def _batch(client, headers, event_id, scans):
    r = client.post(f"/api/v1/events/{event_id}/checkins/batch", json={"scans": scans}, headers=headers)
    assert r.status_code == 200, r.data
    return r.json["results"]


def _rows(app):
    with app.app_context():
        return [(c.id, c.status) for c in db.session.scalars(select(CheckIn).order_by(CheckIn.id))]


def test_replaying_a_batch_after_an_undo_answers_the_same_and_recreates_nothing(app, client, door, guest):
    event_id, code = guest
    scans = [{"code": code, "scanned_at": (utcnow() - timedelta(minutes=10)).isoformat(), "device": "离线手机"}]
    first = _batch(client, door, event_id, scans)
    assert first[0]["result"] == "ok"
    checkin_id = first[0]["checkin"]["id"]
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=door).status_code == 200

    again = _batch(client, door, event_id, scans)
    assert again[0]["result"] == "ok" and again[0]["checkin"] == first[0]["checkin"]
    assert again[0]["checkin_status"] == "undone"
    assert _rows(app) == [(checkin_id, CheckInStatus.undone)]
    # The guest is not checked in: a live scan now checks them in afresh.
    live = client.post(f"/api/v1/events/{event_id}/checkins", json={"code": code}, headers=door)
    assert live.status_code == 201 and live.json["checkin"]["id"] != checkin_id


def test_another_scan_made_before_the_undo_is_already_handled(app, client, door, guest):
    event_id, code = guest
    live = client.post(f"/api/v1/events/{event_id}/checkins", json={"code": code, "device": "东门"}, headers=door)
    checkin_id = live.json["checkin"]["id"]
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=door).status_code == 200
    # An offline phone scanned the guest (even earlier than the live scan) before the undo.
    older = (utcnow() - timedelta(hours=1)).isoformat()
    result = _batch(client, door, event_id, [{"code": code, "scanned_at": older, "device": "离线手机"}])[0]
    assert result["result"] == "already_checked_in" and result["checkin_status"] == "undone"
    assert result["checkin_id"] == checkin_id and result["device"] == "东门"
    assert _rows(app) == [(checkin_id, CheckInStatus.undone)]


def test_a_scan_made_after_the_undo_checks_in_again(app, client, door, guest):
    event_id, code = guest
    live = client.post(f"/api/v1/events/{event_id}/checkins", json={"code": code}, headers=door)
    checkin_id = live.json["checkin"]["id"]
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=door).status_code == 200
    later = (utcnow() + timedelta(seconds=1)).isoformat()  # capped at the server's now
    old = (utcnow() - timedelta(hours=1)).isoformat()
    results = _batch(client, door, event_id, [{"code": code, "scanned_at": old, "device": "旧手机"},
                                              {"code": code, "scanned_at": later, "device": "新手机"}])
    assert [r["result"] for r in results] == ["already_checked_in", "ok"]
    assert results[0]["checkin_status"] == "undone"
    rows = _rows(app)
    assert [status for _id, status in rows] == [CheckInStatus.undone, CheckInStatus.active]
    # And the old scan, replayed once more, does not replace the new check-in.
    again = _batch(client, door, event_id, [{"code": code, "scanned_at": old, "device": "旧手机"}])[0]
    assert again["result"] == "already_checked_in"
    assert _rows(app) == rows
