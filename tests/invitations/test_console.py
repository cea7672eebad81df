"""The invitations console (server-rendered pages, through the test client). Data is set up and
checked in app contexts of its own: requests must not share the test's `g` (CSRF token cache)."""
from __future__ import annotations

import io
import re

from roadshow.extensions import db
from roadshow.models import EventStatus, Invitation, InvitationStatus, MailStatus, OutboxMessage
from roadshow.services import mail
from tests import factories
from tests.app.test_i18n import english_words
from tests.conftest import sign_in
from tests.invitations.helpers import HEADER_ZH, xlsx_bytes


def _login(client, email):
    assert sign_in(client, email).status_code == 302


def _csrf(html: str, name: str = "csrf_token") -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


def _invitations(app) -> list[tuple[str, InvitationStatus, int]]:
    with app.app_context():
        return [(i.organisation.name, i.status, i.seats) for i in db.session.query(Invitation).order_by(Invitation.id)]


def test_index_lists_invitations_with_delivery_state_in_chinese(app, client, make_user):
    with app.app_context():
        ev = factories.event("淮南牛肉汤产业项目路演会")
        sent = factories.invitation(ev, factories.organisation("老乡鸡集团有限公司"), status=InvitationStatus.sent)
        factories.invitation(ev, factories.organisation("桉树资本管理有限公司"))
        db.session.add(OutboxMessage(to="x@example.com", subject="s", body_text="b", kind="invitation",
                                     invitation_id=sent.id, status=MailStatus.failed, attempts=2,
                                     last_error="ConnectionRefusedError: [Errno 111] Connection refused"))
        db.session.commit()
        event_id = ev.id
    _login(client, make_user("organiser"))
    html = client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert "老乡鸡集团有限公司" in html and "桉树资本管理有限公司" in html
    assert "邮件发送失败" in html and "Connection refused" in html
    assert english_words(html.replace("ConnectionRefusedError", "").replace("Errno", "")
                         .replace("Connection refused", "")) == set()
    only_sent = client.get(f"/events/{event_id}/invitations?status=sent").get_data(as_text=True)
    listed = only_sent.split('id="invitations"')[1]
    assert "老乡鸡集团有限公司" in listed and "桉树资本管理有限公司" not in listed
    assert only_sent.count("data-invitation=") == 1
    english = client.get(f"/events/{event_id}/invitations?lang=en").get_data(as_text=True)
    assert "Mail failed" in english and "Send all not yet sent" in english


def test_roles_and_unknown_event(app, client, make_user):
    with app.app_context():
        event_id = factories.event().id
    assert client.get(f"/events/{event_id}/invitations").status_code == 302  # to the login page
    _login(client, make_user("viewer"))
    assert client.get(f"/events/{event_id}/invitations").status_code == 403
    assert client.get(f"/events/{event_id}/invitations/import").status_code == 403
    client.post("/logout", data={})
    client2 = app.test_client()
    _login(client2, make_user("organiser"))
    assert client2.get("/events/999999/invitations").status_code == 404


def test_invite_one_with_errors_beside_the_fields(app, client, make_user):
    with app.app_context():
        event_id = factories.event().id
    _login(client, make_user("organiser"))
    page = client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    bad = client.post(f"/events/{event_id}/invitations", data={
        "csrf_token": _csrf(page), "organisation": "淮南市牛肉汤食品有限公司", "kind": "enterprise",
        "credit_code": "91340403MA2N00010X", "contact_name": "张经理", "email": "nope", "phone": "12", "seats": "1"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and html.count("is-invalid") >= 2
    assert "邮箱地址格式不正确" in html and "11 位手机号码" in html
    assert _invitations(app) == []
    good = client.post(f"/events/{event_id}/invitations", data={
        "csrf_token": _csrf(page), "organisation": "淮南市牛肉汤食品有限公司", "kind": "enterprise",
        "contact_name": "张经理", "email": "zhang@example.com", "phone": "13800138000", "seats": "2"})
    assert good.status_code == 302
    assert _invitations(app) == [("淮南市牛肉汤食品有限公司", InvitationStatus.pending, 2)]
    duplicate = client.post(f"/events/{event_id}/invitations", data={
        "csrf_token": _csrf(page), "organisation": "淮南市牛肉汤食品有限公司", "kind": "enterprise",
        "contact_name": "张经理", "email": "zhang@example.com", "seats": "1"})
    assert duplicate.status_code == 200 and "已被邀请" in duplicate.get_data(as_text=True)
    bad_code = client.post(f"/events/{event_id}/invitations", data={
        "csrf_token": _csrf(page), "organisation": "某公司", "kind": "enterprise",
        "credit_code": "91340403MA2N00010X", "contact_name": "李", "seats": "1"})
    assert "统一社会信用代码" in bad_code.get_data(as_text=True).split('id="credit_code"')[1][:400]


def test_upload_preview_confirm_then_send(app, client, make_user):
    with app.app_context():
        event_id = factories.event("淮南牛肉汤产业项目路演会").id
    _login(client, make_user("organiser"))
    page = client.get(f"/events/{event_id}/invitations/import").get_data(as_text=True)
    data = xlsx_bytes([("老乡鸡集团有限公司", "企业", "", "束从轩", "shu@example.com", "13800138000", 2),
                       ("", "企业", "", "无名", "", "", 1),
                       ("杭州味道优选电子商务有限公司", "电商", "", "李", "li@example.com", "", 1)], header=HEADER_ZH)
    preview = client.post(f"/events/{event_id}/invitations/import", data={
        "csrf_token": _csrf(page), "file": (io.BytesIO(data), "名单.xlsx")}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="preview"' in html
    assert re.search(r'data-row="3" class="table-danger"', html) and "请填写单位名称" in html
    assert _invitations(app) == []  # nothing written by the preview
    upload = re.search(r'name="c-upload" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(f"/events/{event_id}/invitations/import", data={
        "c-csrf_token": _csrf(html, "c-csrf_token"), "c-upload": upload, "c-confirm": "1",
        "c-filename": "名单.xlsx"})
    assert done.status_code == 200 and 'data-row="3"' in done.get_data(as_text=True)
    assert len(_invitations(app)) == 2
    # The kept file is gone: confirming again says it expired instead of importing twice.
    again = client.post(f"/events/{event_id}/invitations/import", data={
        "c-csrf_token": _csrf(html, "c-csrf_token"), "c-upload": upload, "c-confirm": "1"}, follow_redirects=True)
    assert again.request.path == f"/events/{event_id}/invitations/import"
    assert "上传的文件已过期" in again.get_data(as_text=True)
    assert len(_invitations(app)) == 2

    listing = client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    sent = client.post(f"/events/{event_id}/invitations/send", data={"csrf_token": _csrf(listing),
                                                                      "scope": "pending"})
    assert sent.status_code == 302
    mail.deliverer.wait()
    assert {status for _, status, _ in _invitations(app)} == {InvitationStatus.sent}
    after = client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert after.count('data-delivery="sent"') == 2


def test_upload_of_wrong_type_is_a_form_error(app, client, make_user):
    with app.app_context():
        event_id = factories.event().id
    _login(client, make_user("organiser"))
    page = client.get(f"/events/{event_id}/invitations/import").get_data(as_text=True)
    r = client.post(f"/events/{event_id}/invitations/import", data={
        "csrf_token": _csrf(page), "file": (io.BytesIO(b"%PDF-1.4"), "名单.pdf")}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "is-invalid" in html and "请上传 .csv 或 .xlsx 文件" in html


def test_cancelled_event_import_page_is_gone(app, client, make_user):
    with app.app_context():
        event_id = factories.event(status=EventStatus.cancelled).id
    _login(client, make_user("organiser"))
    assert client.get(f"/events/{event_id}/invitations/import").status_code == 410


def test_template_is_an_empty_sheet_with_the_chinese_header_that_imports(app, client, make_user):
    from openpyxl import load_workbook

    with app.app_context():
        event_id = factories.event().id
    _login(client, make_user("organiser"))
    r = client.get(f"/events/{event_id}/invitations/template.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in sheet[1]] == HEADER_ZH
    sheet.append(["老乡鸡集团有限公司", "企业", None, "张经理", "zhang@example.com", "13800138000", 2])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    page = client.get(f"/events/{event_id}/invitations/import").get_data(as_text=True)
    preview = client.post(f"/events/{event_id}/invitations/import", data={
        "csrf_token": _csrf(page), "file": (io.BytesIO(buffer.getvalue()), "模板.xlsx")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "1 行可以导入，0 行有错误" in preview
    # Without a bad row the import goes straight to the invitations, which say so.
    upload = re.search(r'name="c-upload" type="hidden" value="([^"]+)"', preview).group(1)
    done = client.post(f"/events/{event_id}/invitations/import", data={
        "c-csrf_token": _csrf(preview, "c-csrf_token"), "c-upload": upload, "c-confirm": "1",
        "c-filename": "模板.xlsx"}, follow_redirects=True)
    assert done.request.path == f"/events/{event_id}/invitations"
    assert "已导入 1 份邀请" in done.get_data(as_text=True)
