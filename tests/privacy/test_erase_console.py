"""Issue 14, item 5: an erasure can be started in the console — on the registration's attendee and on the
organisation's contact — with a confirmation step; one permission (erase_personal_data) on both sides."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Attendee, AuditEntry, Contact
from tests import factories
from tests.conftest import sign_in, sign_in_page

SCREENSHOT = "/tmp/e2e-erase-confirm-zh.png"


def _guest(app):
    """A registration whose first attendee is the invited contact herself (same phone)."""
    with app.app_context():
        ev = factories.event()
        inv = factories.invitation(ev, seats=2, contact_name="周晓丽", phone="13511112222",
                                   email="zhou@example.com")
        reg = factories.registration(ev, attendees=2, inv=inv, names=["周晓丽", "吴刚"])
        reg.attendees[0].phone = "13511112222"
        db.session.commit()
        return {"event_id": ev.id, "reg_id": reg.id, "org_id": inv.organisation_id, "contact_id": inv.contact_id,
                "attendee_id": reg.attendees[0].id, "other_id": reg.attendees[1].id}


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_console_erase_asks_first_and_is_for_organisers_and_admins(app, client, make_user, app_ctx):
    ids = _guest(app)
    detail = f"/events/{ids['event_id']}/registrations/{ids['reg_id']}"
    confirm = f"/erasure/attendees/{ids['attendee_id']}"
    viewer = app.test_client()
    sign_in(viewer, make_user("viewer"))
    assert viewer.get(confirm).status_code == 403
    assert viewer.post(confirm).status_code in (400, 403)  # no form token, and no permission
    assert app.test_client().get(confirm).status_code == 302  # to the sign-in page

    sign_in(client, make_user("organiser"))
    assert f'href="{confirm}"' in client.get(detail).get_data(as_text=True)
    page = client.get(confirm)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "周晓丽" in html and "是的，删除此人信息" in html
    db.session.rollback()
    assert db.session.get(Attendee, ids["attendee_id"]).erased_at is None  # asking erased nothing
    # A POST without the form's token erases nothing either.
    client.post(confirm, data={})
    db.session.rollback()
    assert db.session.get(Attendee, ids["attendee_id"]).erased_at is None

    done = client.post(confirm, data={"csrf_token": _csrf(html)})
    assert done.status_code == 302 and done.headers["Location"].endswith(detail)
    db.session.rollback()
    assert db.session.get(Attendee, ids["attendee_id"]).erased_at is not None
    assert db.session.get(Contact, ids["contact_id"]).phone is None  # the same person's contact
    assert db.session.get(Attendee, ids["other_id"]).erased_at is None
    after = client.get(detail).get_data(as_text=True)
    assert "13511112222" not in after and f'href="{confirm}"' not in after
    assert "这些个人信息已被删除。" in client.get(confirm).get_data(as_text=True)


def test_admin_erases_an_attendee_and_a_contact_in_the_browser(app, live_server, phone, make_user):
    ids = _guest(app)
    with app.app_context():
        org = db.session.get(Contact, ids["contact_id"]).organisation
        other = Contact(organisation=org, name="郑经理", phone="13633334444", email="zheng@example.com")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    email = make_user("admin")
    page = phone()
    sign_in_page(page, live_server, email)

    page.goto(f"{live_server}/events/{ids['event_id']}/registrations/{ids['reg_id']}")
    page.locator(f"#erase-{ids['attendee_id']}").click()
    expect(page.locator("#confirm-erase")).to_be_visible()
    expect(page.locator("#erase-names")).to_contain_text("周晓丽")
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.locator("#confirm-erase-button").click()
    expect(page.locator("#attendees")).to_contain_text("[erased]")
    expect(page.locator("#attendees")).to_contain_text("吴刚")
    expect(page.locator("#attendees")).not_to_contain_text("13511112222")
    expect(page.locator(".alert-success")).to_be_visible()

    # The organisation's other contact, from the organisation's page; "No" keeps the data.
    page.goto(f"{live_server}/organisations/{ids['org_id']}/edit")
    page.locator(f"#erase-contact-{other_id}").click()
    page.get_by_role("link", name="不，保留信息").click()
    expect(page).to_have_url(re.compile(rf"/organisations/{ids['org_id']}/edit$"))
    page.locator(f"#erase-contact-{other_id}").click()
    page.locator("#confirm-erase-button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#contacts")).not_to_contain_text("13633334444")
    with app.app_context():
        contact = db.session.get(Contact, other_id)
        assert contact.phone is None and contact.email is None and contact.name.startswith("[erased]")
        actors = db.session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "contact.erase")).all()
        assert email in actors
