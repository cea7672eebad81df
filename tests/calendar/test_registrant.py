"""GET /m/<token>/event.ics: the registrant's own copy, with their ticket and manage links."""
from __future__ import annotations

from roadshow.extensions import db
from roadshow.models import EventStatus, RegistrationStatus
from tests import factories
from tests.calendar.ics import parse, text, times


def test_confirmed_registrant_copy_has_the_ticket_link(app, app_ctx, client, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["roadshow.example", "localhost"])
    event = factories.event("淮南牛肉汤产业项目路演会", starts_at=factories.aware(2023, 4, 18, 9), hours=3,
                            description="欢迎参加; 请准时, 到场", venue="田家庵区招商中心")
    registration = factories.registration(event, attendees=2)
    token = registration.manage_token
    response = client.get(f"/m/{token}/event.ics", base_url="https://roadshow.example")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="roadshow-event-{event.id}.ics"'
    assert response.headers["Cache-Control"].startswith("private")
    pair = parse(response.data).only()
    ical_text, vobj_text = text(pair, "description")
    assert ical_text == vobj_text
    assert ical_text.startswith("欢迎参加; 请准时, 到场\n\n")
    assert f"https://roadshow.example/m/{token}/ticket" in ical_text
    assert f"https://roadshow.example/m/{token}" in ical_text
    assert "您的报名已确认。" in ical_text and "Your registration is confirmed." in ical_text
    assert ical_text.index("您的报名已确认") < ical_text.index("Your registration")  # Chinese first
    assert text(pair, "status") == ("CONFIRMED", "CONFIRMED")
    assert times(pair)[0][0].hour == 1 and times(pair)[1][1].hour == 4
    public = parse(client.get(f"/events/{event.id}.ics").data).only()
    assert str(public[0]["UID"]) == str(pair[0]["UID"])
    assert "/ticket" not in str(public[0]["DESCRIPTION"])  # the public file names nobody's ticket


def test_waitlisted_and_pending_copies_say_so(app_ctx, client):
    event = factories.event("路演")
    waiting = factories.registration(event, status=RegistrationStatus.waitlisted)
    pending = factories.registration(event, status=RegistrationStatus.pending)
    description = text(parse(client.get(f"/m/{waiting.manage_token}/event.ics").data).only(), "description")[1]
    assert "候补名单" in description and "waiting list" in description and "/ticket" not in description
    description = text(parse(client.get(f"/m/{pending.manage_token}/event.ics").data).only(), "description")[1]
    assert "审核" in description and "approval" in description


def test_a_cancelled_registration_or_event_leaves_the_calendar(app_ctx, client):
    event = factories.event("路演")
    registration = factories.registration(event)
    registration.status = RegistrationStatus.cancelled
    db.session.commit()
    pair = parse(client.get(f"/m/{registration.manage_token}/event.ics").data).only()
    assert text(pair, "status") == ("CANCELLED", "CANCELLED")
    other = factories.registration(factories.event("另一场", status=EventStatus.cancelled))
    pair = parse(client.get(f"/m/{other.manage_token}/event.ics").data).only()
    assert text(pair, "status") == ("CANCELLED", "CANCELLED")


def test_unknown_token_or_draft_event_is_404(app_ctx, client):
    assert client.get("/m/no-such-token/event.ics").status_code == 404
    assert client.get(f"/m/{'x' * 300}/event.ics").status_code == 404
    draft = factories.registration(factories.event("草稿", status=EventStatus.draft))
    assert client.get(f"/m/{draft.manage_token}/event.ics").status_code == 404
