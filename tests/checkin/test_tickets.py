"""Ticket QR images, the printable ticket, badges and the live view."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from roadshow.extensions import db
from roadshow.models import Event, OrgKind, RegistrationStatus
from roadshow.services import checkin
from tests import factories as f
from tests.app.test_i18n import english_words
from tests.checkin.imaging import read_qr
from tests.conftest import sign_in


class Plain:
    """Plain values of a registration, read inside a short app context: the page tests must not
    hold one open (requests would share it, with its session and its cached locale)."""

    def __init__(self, registration):
        self.id = registration.id
        self.event_id = registration.event_id
        self.manage_token = registration.manage_token
        self.attendees = [Plain.Attendee(a.id, a.name, a.phone, a.ticket_code) for a in registration.attendees]

    class Attendee:
        def __init__(self, id, name, phone, ticket_code):
            self.id, self.name, self.phone, self.ticket_code = id, name, phone, ticket_code


@pytest.fixture
def reg(app):
    with app.app_context():
        event = f.event("淮南牛肉汤产业项目路演会")
        registration = f.registration(event, attendees=2, org=f.organisation("老乡鸡集团有限公司"),
                                      names=["束从轩", "王经理"])
        return Plain(registration)


def chinese_only(html, reg):
    codes = " ".join(a.ticket_code for a in reg.attendees)
    return {word for word in english_words(html) if word not in codes}


def login(app, email):
    client = app.test_client()
    _login(client, email)
    return client


def test_png_decodes_to_exactly_the_code(client, reg):
    code = reg.attendees[0].ticket_code
    r = client.get(f"/tickets/{code}.png")
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert read_qr(r.data) == [code]
    assert r.cache_control.public and r.cache_control.max_age >= 30 * 24 * 3600
    assert r.headers["ETag"]
    again = client.get(f"/tickets/{code}.png", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_svg_parses(client, reg):
    code = reg.attendees[1].ticket_code
    r = client.get(f"/tickets/{code}.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    root = ET.fromstring(r.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
    assert r.headers["ETag"] and r.cache_control.public


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_unknown_and_forged_codes_are_404(client, reg, suffix):
    code = reg.attendees[0].ticket_code
    forged = code[:5] + ("A" if code[5] != "A" else "B") + code[6:]
    for bad in ["A" * 26, forged, "nothing", code.lower(), "%00"]:
        assert client.get(f"/tickets/{bad}.{suffix}").status_code == 404


def _login(client, email):
    assert sign_in(client, email).status_code == 302


def test_printable_ticket(client, reg):
    r = client.get(f"/m/{reg.manage_token}/ticket")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for attendee in reg.attendees:
        assert attendee.name in html and f"/tickets/{attendee.ticket_code}.svg" in html
        assert attendee.phone not in html
    assert chinese_only(html, reg) == set()
    assert client.get("/m/no-such-token/ticket").status_code == 404


def test_printable_ticket_of_a_waitlisted_registration_has_no_code(client, app):
    with app.app_context():
        token = f.registration(f.event(), status=RegistrationStatus.waitlisted).manage_token
    html = client.get(f"/m/{token}/ticket").get_data(as_text=True)
    assert 'id="not-confirmed"' in html and "/tickets/" not in html


def test_badges_for_organisers_only(app, make_user, reg):
    event_id = reg.event_id
    names = [a.name for a in reg.attendees]
    assert login(app, make_user("door")).get(f"/events/{event_id}/badges").status_code == 403
    client = login(app, make_user("organiser"))
    for size in ("a4", "a6"):
        html = client.get(f"/events/{event_id}/badges?size={size}").get_data(as_text=True)
        assert f"badge-sheet-{size}" in html
        assert all(name in html for name in names) and "老乡鸡集团有限公司" in html
        assert html.count('class="event-badge"') == 2
        assert chinese_only(html, reg) == set()


def test_live_view_counts_by_kind(app, make_user, reg):
    event_id = reg.event_id
    with app.app_context():
        event = db.session.get(Event, event_id)
        f.registration(event, attendees=1, org=f.organisation("徽商银行股份有限公司淮南分行", kind=OrgKind.bank))
        checkin.check_in(event.id, reg.attendees[0].ticket_code, "东门")
        db.session.commit()  # the test is its own unit of work here
    client = login(app, make_user("organiser"))
    html = client.get(f"/events/{event_id}/checkins").get_data(as_text=True)
    assert re.search(r'id="live-checked">1<', html) and re.search(r'id="live-registered">3<', html)
    row = re.search(r'<tr data-kind="enterprise">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r">(\d+)<", row) == ["1", "2"]
    assert re.search(r'<tr data-kind="bank">.*?>0<.*?>1<', html, re.S)
    assert "束从轩" in html and "东门" in html
    assert english_words(html) == set()
    partial = client.get(f"/events/{event_id}/checkins?partial=1").get_data(as_text=True)
    assert "<html" not in partial and 'id="live-checked"' in partial
    # English too
    assert "Checked in" in client.get(f"/events/{event_id}/checkins?lang=en").get_data(as_text=True)


def test_door_page_needs_the_check_in_role(app, client, make_user, reg):
    event_id = reg.event_id
    assert client.get(f"/door/{event_id}").status_code == 302  # to the login page
    assert login(app, make_user("viewer")).get(f"/door/{event_id}").status_code == 403
    client = login(app, make_user("door"))
    r = client.get(f"/door/{event_id}")
    assert r.status_code == 200
    assert "blob:" in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    assert english_words(html) == set()
    assert client.get("/door/").status_code == 200
    assert client.get("/door/999999").status_code == 404
    sw = client.get("/door/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"


def test_door_json_endpoints_need_csrf_and_answer_like_the_api(app, make_user, reg):
    event_id, code = reg.event_id, reg.attendees[0].ticket_code
    phone = reg.attendees[0].phone
    client = login(app, make_user("door"))
    html = client.get(f"/door/{event_id}").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    assert client.post(f"/door/{event_id}/scan", json={"code": code}).status_code == 400  # no CSRF header
    r = client.post(f"/door/{event_id}/scan", json={"code": code, "device": "东门"}, headers={"X-CSRFToken": token})
    assert r.status_code == 201 and r.json["result"] == "ok" and r.json["counts"] == {"checked_in": 1,
                                                                                      "registered": 2}
    assert phone not in r.get_data(as_text=True)
    r = client.post(f"/door/{event_id}/scan", json={"code": code.lower()}, headers={"X-CSRFToken": token})
    assert r.status_code == 409 and r.json["device"] == "东门" and r.json["time_display"]
    r = client.post(f"/door/{event_id}/scan", json={"code": "NOT-A-TICKET"}, headers={"X-CSRFToken": token})
    assert r.status_code == 404 and r.json["result"] == "unknown_ticket"
    r = client.post(f"/door/{event_id}/sync", headers={"X-CSRFToken": token},
                    json={"scans": [{"id": 7, "code": "X", "scanned_at": "2023-04-18T09:00:00+08:00"}]})
    assert r.status_code == 200 and [x["result"] for x in r.json["results"]] == ["unknown_ticket"]
    assert r.json["results"][0]["queue_id"] == 7
    assert client.get(f"/door/{event_id}/counts").json == {"checked_in": 1, "registered": 2}


def test_door_endpoints_validate_like_the_api(app, client, auth, make_user, reg):
    """The door page and the API read a scan with the same request models: what one refuses the other
    refuses (a scan time without a time zone would otherwise be "now" at the door and 422 in the API,
    which changes which offline scan wins)."""
    event_id, code = reg.event_id, reg.attendees[0].ticket_code
    door = login(app, make_user("door"))
    html = door.get(f"/door/{event_id}").get_data(as_text=True)
    csrf = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)}
    api = auth("door")
    naive = "2023-04-18T09:00:00"
    for body in ({"code": code, "scanned_at": naive}, {"code": None}, {"device": "东门"}, ["junk"]):
        assert door.post(f"/door/{event_id}/scan", json=body, headers=csrf).status_code == 400, body
        assert client.post(f"/api/v1/events/{event_id}/checkins", json=body, headers=api).status_code == 422, body
    batch = {"scans": [{"id": 1, "code": code, "scanned_at": naive}]}
    r = door.post(f"/door/{event_id}/sync", json=batch, headers=csrf)
    assert r.status_code == 400 and r.json["errors"]
    assert client.post(f"/api/v1/events/{event_id}/checkins/batch", json=batch, headers=api).status_code == 422
    assert door.post(f"/door/{event_id}/sync", json={"scans": ["junk"]}, headers=csrf).status_code == 400
    # nothing was checked in by any of them
    assert door.get(f"/door/{event_id}/counts").json["checked_in"] == 0
