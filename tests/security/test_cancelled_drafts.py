"""A draft that is cancelled without ever being published stays private (issue 14, item 7): its page,
its calendar file (/events/{id}.ics) and the feed know nothing of it. An event that was public stays
visible as cancelled."""
from __future__ import annotations

import pytest

START = {"starts_at": "2030-05-01T09:00:00+08:00", "ends_at": "2030-05-01T12:00:00+08:00"}


@pytest.mark.parametrize("how", ["cancel", "patch"])
def test_a_cancelled_draft_never_becomes_public(client, auth, how):
    headers = auth("organiser")
    event_id = client.post("/api/v1/events", json={"title": "内部草稿路演", **START}, headers=headers).json["id"]
    if how == "cancel":
        r = client.post(f"/api/v1/events/{event_id}/cancel", headers=headers)
    else:
        r = client.patch(f"/api/v1/events/{event_id}", json={"status": "cancelled"}, headers=headers)
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert client.get(f"/e/{event_id}").status_code == 404
    assert client.get(f"/events/{event_id}.ics").status_code == 404
    assert "内部草稿路演" not in client.get("/calendar.ics").get_data(as_text=True)


@pytest.mark.parametrize("created_published", [True, False])
def test_a_cancelled_public_event_stays_visible_as_cancelled(client, auth, created_published):
    headers = auth("organiser")
    body = {"title": "公开路演", **START, "status": "published" if created_published else "draft"}
    event_id = client.post("/api/v1/events", json=body, headers=headers).json["id"]
    if not created_published:
        r = client.patch(f"/api/v1/events/{event_id}", json={"status": "published"}, headers=headers)
        assert r.status_code == 200
    assert client.post(f"/api/v1/events/{event_id}/cancel", headers=headers).status_code == 200
    assert client.get(f"/e/{event_id}").status_code == 200
    ics = client.get(f"/events/{event_id}.ics")
    assert ics.status_code == 200 and "STATUS:CANCELLED" in ics.get_data(as_text=True)
    assert "公开路演" in client.get("/calendar.ics").get_data(as_text=True)
