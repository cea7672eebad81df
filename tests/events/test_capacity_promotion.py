"""Raising an event's capacity promotes its waitlist in order of arrival (events + registration)."""
from __future__ import annotations

import itertools

from roadshow.models import RegistrationMode
from tests import factories

_phones = itertools.count(1)


def _register(client, event_id, names):
    body = {"event_id": event_id, "organisation": {"name": f"{names[0]}的公司", "kind": "enterprise"},
            "attendees": [{"name": n, "phone": f"1380013{next(_phones):04d}"} for n in names], "consent": True}
    r = client.post("/api/v1/public/registrations", json=body)
    assert r.status_code == 201, r.json
    return r.json


def test_capacity_raise_promotes_waitlist_in_order(client, auth, app_ctx):
    event_id = factories.event(capacity=2, registration_mode=RegistrationMode.open).id
    first = _register(client, event_id, ["甲", "乙"])
    second = _register(client, event_id, ["丙", "丁"])
    third = _register(client, event_id, ["戊"])
    assert [first["status"], second["status"], third["status"]] == ["confirmed", "waitlisted", "waitlisted"]
    assert "ticket_code" not in second["attendees"][0] or not second["attendees"][0]["ticket_code"]

    organiser = auth("organiser")
    r = client.patch(f"/api/v1/events/{event_id}", json={"capacity": 4}, headers=organiser)
    assert r.status_code == 200 and r.json["capacity"] == 4

    def status(reg):
        token = reg["manage_url"].rstrip("/").rsplit("/", 1)[-1]
        return client.get(f"/api/v1/public/registrations/{token}").json

    promoted = status(second)
    assert promoted["status"] == "confirmed" and all(a["ticket_code"] for a in promoted["attendees"])
    assert status(third)["status"] == "waitlisted"  # one more seat would split nobody: it waits whole
    stats = client.get(f"/api/v1/events/{event_id}/stats", headers=organiser).json
    assert stats["registered"] == 4 and stats["waitlisted"] == 1
