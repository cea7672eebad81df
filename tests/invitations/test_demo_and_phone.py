"""Demo invitations, and the organiser's path on a phone in Chinese: import an .xlsx, see the
preview with a bad row's error, confirm, see the invitations, send them (delivered to aiosmtpd)."""
from __future__ import annotations

from roadshow.demo import scenario_2023 as demo
from roadshow.extensions import db
from roadshow.models import Event, Invitation, InvitationStatus, OutboxMessage
from tests import factories
from tests.conftest import TEST_TMP, free_port, sign_in_page, start_gunicorn, stop
from tests.invitations.helpers import HEADER_ZH, xlsx_bytes

# Elements sticking out of a 390 px screen, other than those inside a horizontally scrolling box
# (the preview table, the row of status filters), which the user scrolls on purpose.
WIDER_THAN_PHONE = """() => {
  const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  return Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > 391 && !scrolls(e))
    .map(e => e.tagName + '.' + e.className + ': ' + (e.innerText || '').slice(0, 40));
}"""


def test_demo_invites_the_roadshow_organisations_once(app_ctx):
    demo.load()
    db.session.commit()
    roadshow = db.session.query(Event).filter_by(title=demo.ROADSHOW["title"]).one()
    invitations = db.session.query(Invitation).filter_by(event_id=roadshow.id).all()
    # the twenty organisations are invited once each; those whose guests registered show it
    assert len(invitations) >= 20 and len({i.organisation_id for i in invitations}) == len(invitations)
    assert {i.organisation.name for i in invitations} >= {"老乡鸡集团有限公司", "桉树资本管理有限公司"}
    assert all(i.status in (InvitationStatus.sent, InvitationStatus.registered) and len(i.token) >= 32
               for i in invitations)
    assert any(i.status is InvitationStatus.sent for i in invitations)
    assert "nothing changed" in demo.load()
    db.session.commit()
    assert db.session.query(Invitation).count() == len(invitations)
    assert db.session.query(OutboxMessage).count() == 0  # the demo sends no mail


def test_phone_import_preview_confirm_and_send_in_chinese(app, make_user, phone, smtp):
    port = free_port()
    server = start_gunicorn(port, workers=1, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port),
                            PUBLIC_BASE_URL="https://roadshow.example.gov.cn")
    base = f"http://127.0.0.1:{port}"
    try:
        email = make_user("organiser", name="招商局 王主任")
        with app.app_context():
            event_id = factories.event("淮南牛肉汤产业项目路演会").id
        rows = [("老乡鸡集团有限公司", "企业", "", "束从轩", "shu@example.com", "13800138000", 2),
                ("安徽皖中牧业有限公司", "企业", "91340403MA2N00010X", "李总", "li@example.com", "", 1),
                ("杭州味道优选电子商务有限公司", "电商", "", "周经理", "zhou@example.com", "13900139000", 1)]
        page = phone("zh-CN")
        sign_in_page(page, base, email)

        page.goto(f"{base}/events/{event_id}/invitations")
        assert "尚未邀请任何人" in page.inner_text("#no-invitations")
        page.click("#import-link")
        page.wait_for_selector("#upload-form")
        page.screenshot(path=str(TEST_TMP / "invitations-upload-phone.png"), full_page=True)
        page.set_input_files("#file", files=[{"name": "路演邀请名单.xlsx", "buffer": xlsx_bytes(rows, header=HEADER_ZH),
                                              "mimeType": "application/vnd.openxmlformats-officedocument."
                                                          "spreadsheetml.sheet"}])
        page.click("#submit")
        page.wait_for_selector("#preview")
        assert "2 行可以导入，1 行有错误" in page.inner_text("#preview-summary")
        bad = page.inner_text('tr[data-row="3"] .row-result')
        assert "统一社会信用代码" in bad
        assert "新建单位" in page.inner_text('tr[data-row="2"] .row-result')
        page.screenshot(path=str(TEST_TMP / "invitations-preview-phone.png"), full_page=True)
        assert page.evaluate(WIDER_THAN_PHONE) == []

        page.click("#c-confirm")
        page.wait_for_selector("#import-result")
        assert "已导入 2 份邀请" in page.inner_text("main")
        assert "第 3 行" in page.inner_text("#import-result")
        page.click("#import-result a.btn")
        page.wait_for_selector("#invitations")
        assert page.locator("[data-invitation]").count() == 2
        assert "老乡鸡集团有限公司" in page.inner_text("#invitations")

        page.click("#send-pending")
        page.wait_for_selector(".alert-success")
        assert "已发出 2 封邀请邮件" in page.inner_text(".alert-success")
        assert len(smtp.wait_for(2)) == 2
        assert all("https://roadshow.example.gov.cn/r/" in m.get_body(("plain",)).get_content()
                   for m in smtp.messages)
        for _ in range(50):  # the server's background thread marks them delivered after the SMTP reply
            page.reload()
            if page.locator('[data-delivery="sent"]').count() == 2:
                break
            page.wait_for_timeout(200)
        assert page.locator('[data-delivery="sent"]').count() == 2
        assert page.locator('[data-status="sent"][data-invitation]').count() == 2
        assert "邮件已送达" in page.inner_text("#invitations")
        page.screenshot(path=str(TEST_TMP / "invitations-list-phone.png"), full_page=True)
        assert page.evaluate(WIDER_THAN_PHONE) == []
        # Inviting one more contact by hand, on the same page: a bad email is shown beside the field.
        page.click('[data-bs-target="#invite-one"]')
        page.fill("#organisation", "桉树资本管理有限公司")
        page.select_option("#kind", "fund")
        page.fill("#contact_name", "林总")
        page.fill("#email", "lin@")
        # Enter in the last field submits, as on a phone keyboard (a click could land on the
        # organisation field's suggestion list instead of the button).
        with page.expect_navigation():
            page.press("#email", "Enter")
        page.wait_for_selector("#email.is-invalid")
        assert "邮箱地址格式不正确" in page.inner_text("#invite-form")
        page.screenshot(path=str(TEST_TMP / "invitations-invite-one-phone.png"), full_page=True)
        page.fill("#email", "lin@example.com")
        with page.expect_navigation():
            page.press("#email", "Enter")
        page.wait_for_selector(".alert-success")
        assert page.locator("[data-invitation]").count() == 3
        assert page.csp_errors == []
    finally:
        stop(server)
