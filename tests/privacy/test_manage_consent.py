"""Issue 14, item 5: attendees added later on the manage page give consent too — the checkbox, with the time
and the notice's version recorded on their row as at registration; refused without it, beside the field."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import Attendee, AuditEntry, Registration
from tests import factories

SCREENSHOT = "/tmp/e2e-manage-consent-zh.png"


def _registration(app) -> tuple[str, int]:
    with app.app_context():
        ev = factories.event()
        inv = factories.invitation(ev, seats=3)
        reg = factories.registration(ev, attendees=1, inv=inv, names=["陈立"])
        return reg.manage_token, reg.id


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _attendees(reg_id: int) -> list[Attendee]:
    db.session.rollback()
    return list(db.session.get(Registration, reg_id).attendees)


def test_an_added_attendee_needs_consent_beside_the_field(app, client, app_ctx):
    token, reg_id = _registration(app)
    first = _attendees(reg_id)[0]
    page = client.get(f"/m/{token}").get_data(as_text=True)
    assert 'id="consent"' in page and 'href="/privacy"' in page
    rows = {"csrf_token": _csrf(page), "attendees-0-id": str(first.id), "attendees-0-name": first.name,
            "attendees-0-phone": first.phone, "attendees-1-name": "林新", "attendees-1-phone": "13366667777"}

    refused = client.post(f"/m/{token}/attendees", data=rows)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    checkbox = re.search(r'<input[^>]*id="consent"[^>]*>', html).group(0)
    assert "is-invalid" in checkbox
    assert "请同意处理您新增参会人的个人信息。" in html
    assert [a.name for a in _attendees(reg_id)] == ["陈立"]  # nothing half-written

    # A correction of the same person (her title) needs no new consent.
    fixed = client.post(f"/m/{token}/attendees", data={
        "csrf_token": _csrf(page), "attendees-0-id": str(first.id), "attendees-0-name": first.name,
        "attendees-0-phone": first.phone, "attendees-0-title": "副总经理"})
    assert fixed.status_code == 302
    assert _attendees(reg_id)[0].title == "副总经理" and _attendees(reg_id)[0].consent_at is None

    accepted = client.post(f"/m/{token}/attendees", data={**rows, "consent": "y"})
    assert accepted.status_code == 302
    kept, added = _attendees(reg_id)
    assert kept.consent_at is None  # came with the registration's own consent
    assert added.name == "林新" and added.consent_at is not None
    assert added.consent_version == app.config["PRIVACY_POLICY_VERSION"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registration.update_attendees")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.changes["consent_version"] == app.config["PRIVACY_POLICY_VERSION"]


def test_the_consent_box_on_a_phone(app, live_server, phone):
    token, reg_id = _registration(app)
    page = phone()
    page.goto(f"{live_server}/m/{token}")
    page.locator("#edit-attendees summary").click()
    page.locator("#add-attendee").click()
    row = page.locator(".attendee-row").nth(1)
    row.locator("input[name$='-name']").fill("林新")
    row.locator("input[name$='-phone']").fill("13366667777")
    page.locator("#save-attendees").click()
    expect(page.locator("#consent")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#attendees-form")).to_contain_text("请同意处理您新增参会人的个人信息。")
    page.locator("#consent").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT, full_page=True)
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width
    page.locator("#consent").check()
    page.locator("#save-attendees").click()
    expect(page.locator(".alert-success")).to_be_visible()
    with app.app_context():
        added = db.session.get(Registration, reg_id).attendees[1]
        assert added.name == "林新" and added.consent_at is not None
