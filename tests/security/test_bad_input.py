"""Bad input answers a clear 4xx, never a 500 (issue 14, item 6): deeply nested JSON, huge page numbers
and ids, broken or amplifying .xlsx files, events in year 1 or 9999, pseudo time zones."""
from __future__ import annotations

import io
import zipfile

import pytest

from roadshow.extensions import db
from tests import factories
from tests.conftest import sign_in

DEEP = "[" * 1000 + "]" * 1000  # about 2 KB; with objects about 6 KB
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["arrays", "objects"])
def test_deeply_nested_json_on_the_public_registration_is_refused(client, body):
    r = client.post("/api/v1/public/registrations", data=body, content_type="application/json")
    assert r.status_code in (400, 413), r.data
    assert r.headers["Content-Type"] == "application/problem+json"
    assert "嵌套" in r.json["detail"]  # Chinese first: "JSON 请求体嵌套层数过多"


def test_deeply_nested_json_on_an_authenticated_endpoint_is_refused(client, auth):
    r = client.post("/api/v1/events", data=DEEP_OBJECT, content_type="application/json", headers=auth("organiser"))
    assert r.status_code in (400, 413), r.data
    assert r.headers["Content-Type"] == "application/problem+json"


def test_ordinary_nesting_still_works(client, auth):
    r = client.post("/api/v1/events", json={"title": "x", "starts_at": "2030-05-01T09:00:00+08:00",
                                            "ends_at": "2030-05-01T12:00:00+08:00",
                                            "industries": []}, headers=auth("organiser"))
    assert r.status_code == 201, r.data


HUGE = "99999999999999999999999"


@pytest.fixture
def signed_in_admin(client, make_user):
    assert sign_in(client, make_user("admin")).status_code == 302
    return client


@pytest.mark.parametrize("path", ["/events/?page=" + HUGE, "/admin/audit?page=" + HUGE,
                                  "/admin/audit?entity_id=" + HUGE, "/pipeline/?event_id=" + HUGE,
                                  "/events/" + HUGE, "/events/" + HUGE + "/registrations/",
                                  "/events/" + HUGE + "/invitations"])
def test_huge_numbers_in_pages_are_not_a_server_error(signed_in_admin, path):
    r = signed_in_admin.get(path)
    assert r.status_code < 500, (path, r.status_code)
    assert r.status_code in (200, 404, 422), (path, r.status_code)


@pytest.mark.parametrize("sub", ["registrations/", "invitations"])
def test_huge_page_on_an_events_lists(app, signed_in_admin, sub):
    with app.app_context():
        event_id = factories.event().id
    r = signed_in_admin.get(f"/events/{event_id}/{sub}?page={HUGE}")
    assert r.status_code == 200, r.status_code


def _xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["organisation", "contact_name"])
    book.active.append(["老乡鸡集团有限公司", "张经理"])
    good = io.BytesIO()
    book.save(good)
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            dst.writestr(item, data)
    return out.getvalue()


BROKEN = b"<worksheet><sheetData><row><c"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
            b"</worksheet>")


@pytest.mark.parametrize("sheet", [BROKEN, LAUGHS], ids=["broken", "entity-amplification"])
def test_unreadable_xlsx_is_a_clear_422(app, client, auth, sheet):
    with app.app_context():
        event_id = factories.event().id
    data = {"file": (io.BytesIO(_xlsx_with_sheet(sheet)), "guests.xlsx")}
    r = client.post(f"/api/v1/events/{event_id}/invitations/import", data=data,
                    content_type="multipart/form-data", headers=auth("organiser"))
    assert r.status_code == 422, r.data
    assert r.headers["Content-Type"] == "application/problem+json"
    assert "file" in r.json["errors"]


@pytest.mark.parametrize("year", [1, 9999])
def test_events_outside_the_supported_years_are_refused(client, auth, year):
    r = client.post("/api/v1/events", headers=auth("organiser"), json={
        "title": "远古路演", "starts_at": f"{year:04d}-05-01T09:00:00+08:00",
        "ends_at": f"{year:04d}-05-01T12:00:00+08:00", "status": "published"})
    assert r.status_code == 422, r.data
    assert "starts_at" in r.json["errors"]
    assert client.get("/calendar.ics").status_code == 200


def test_moving_an_event_out_of_range_is_refused(client, auth):
    headers = auth("organiser")
    r = client.post("/api/v1/events", headers=headers, json={
        "title": "路演", "starts_at": "2030-05-01T09:00:00+08:00", "ends_at": "2030-05-01T12:00:00+08:00"})
    assert r.status_code == 201
    r = client.patch(f"/api/v1/events/{r.json['id']}", headers=headers,
                     json={"ends_at": "9999-12-31T12:00:00+08:00"})
    assert r.status_code == 422, r.data
    assert "ends_at" in r.json["errors"]


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_pseudo_time_zones_are_refused(client, auth, zone):
    r = client.post("/api/v1/events", headers=auth("organiser"), json={
        "title": "路演", "starts_at": "2030-05-01T09:00:00+08:00", "ends_at": "2030-05-01T12:00:00+08:00",
        "timezone": zone})
    assert r.status_code == 422, r.data
    assert "timezone" in r.json["errors"]


def test_real_zones_outside_the_short_list_still_work(client, auth):
    r = client.post("/api/v1/events", headers=auth("organiser"), json={
        "title": "路演", "starts_at": "2030-05-01T09:00:00+08:00", "ends_at": "2030-05-01T12:00:00+08:00",
        "timezone": "Europe/Berlin"})
    assert r.status_code == 201, r.data


def test_year_9999_in_the_event_form_is_a_field_error(app, signed_in_admin):
    import re

    page = signed_in_admin.get("/events/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = signed_in_admin.post("/events/new", data={
        "csrf_token": token, "title": "路演", "timezone": "Asia/Shanghai", "starts_at": "9999-12-31T09:00",
        "ends_at": "9999-12-31T12:00", "registration_mode": "invite", "save": "1"})
    assert r.status_code in (200, 422), r.status_code
    assert "2000" in r.get_data(as_text=True)
    with app.app_context():
        from roadshow.models import Event

        assert db.session.query(Event).count() == 0
