"""Attendee and project exports: formula-safe, typed, Chinese intact, organisers only."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from roadshow.extensions import db
from roadshow.models import CheckIn, Project, Stage, StageChange
from tests import factories

PAYLOADS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\tTAB=1", "\rCR=1"]


@pytest.fixture
def hostile_event(app_ctx):
    ev = factories.event("淮南牛肉汤产业项目路演会", timezone="Asia/Shanghai")
    org = factories.organisation("=HYPERLINK(\"http://evil.example\",\"点我\")", credit_code="91440300708461136T")
    reg = factories.registration(ev, attendees=len(PAYLOADS), org=org, names=PAYLOADS)
    reg.attendees[0].title = "@董事长"
    scanned = datetime(2023, 4, 18, 1, 5, tzinfo=UTC)
    db.session.add(CheckIn(event_id=ev.id, attendee_id=reg.attendees[1].id, scanned_at=scanned, device="东门-1"))
    event_id = ev.id
    # End with no transaction open: on SQLite (WAL) an open read would pin this session's snapshot,
    # and the requests below, which share the app context, would not see users made afterwards.
    db.session.commit()
    return event_id


def test_attendees_csv_is_bom_utf8_and_formula_safe(client, auth, hostile_event):
    r = client.get(f"/api/v1/events/{hostile_event}/attendees.csv", headers=auth("organiser"))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.is_streamed
    raw = r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:4] == ["单位名称", "单位类型", "统一社会信用代码", "参会人"]
    body = rows[1:]
    assert len(body) == len(PAYLOADS)
    for row, payload in zip(body, PAYLOADS):
        assert row[3] == "'" + payload  # neutralised, text otherwise intact
        assert row[0].startswith("'=HYPERLINK")
        assert row[2] == "91440300708461136T"
    assert body[0][4] == "'@董事长"
    assert body[1][9] == "2023-04-18 09:05" and body[1][10] == "东门-1"  # event's time zone
    # kind, registration status and ticket state in the user's language, one row checked in
    assert [row[1] for row in body] == ["企业"] * len(PAYLOADS)
    assert [row[7] for row in body] == ["已确认"] * len(PAYLOADS)
    assert [row[8] for row in body] == ["已出票", "已签到"] + ["已出票"] * (len(PAYLOADS) - 2)
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_attendees_xlsx_is_typed_and_never_a_formula(client, auth, hostile_event):
    r = client.get(f"/api/v1/events/{hostile_event}/attendees.xlsx", headers=auth("admin"))
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(r.get_data()))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "单位名称" and sheet["A1"].font.bold
    assert sheet.column_dimensions["A"].width >= 20
    for row_index, payload in enumerate(PAYLOADS, start=2):
        cell = sheet.cell(row=row_index, column=4)
        # XML parsers turn a raw CR into LF when reading; the cell stays text either way
        assert cell.value in (payload, payload.replace("\r", "\n")) and cell.data_type == "s"
        assert sheet.cell(row=row_index, column=1).data_type == "s"
    checked = sheet.cell(row=3, column=10)
    assert checked.value == datetime(2023, 4, 18, 9, 5) and checked.is_date
    for row in sheet.iter_rows():
        assert all(c.data_type != "f" for c in row)


def test_headers_in_english_with_lang(client, auth, hostile_event):
    r = client.get(f"/api/v1/events/{hostile_event}/attendees.csv?lang=en", headers=auth("organiser"))
    header, first, second = list(csv.reader(io.StringIO(r.get_data().decode("utf-8-sig"))))[:3]
    assert header[:4] == ["Organisation", "Organisation type", "Unified social credit code", "Attendee"]
    assert (first[1], first[7], first[8], second[8]) == ("Enterprise", "Confirmed", "Issued", "Checked in")


def test_projects_export_types_and_stage_dates(client, auth, app_ctx):
    ev = factories.event("路演")
    org = factories.organisation("质达新能源科技有限公司")
    p = Project(name="=2GWh 钠离子电芯", organisation=org, source_event_id=ev.id, industry="新能源",
                amount_wan=Decimal("120000.10"), out_of_province=True, stage=Stage.started,
                next_follow_up=date(2024, 1, 15), notes="+紧急")
    at = datetime(2023, 3, 28, 2, 0, tzinfo=UTC)
    p.history = [StageChange(from_stage=None, to_stage=Stage.lead, at=at - timedelta(days=60)),
                 StageChange(from_stage=Stage.lead, to_stage=Stage.signed, at=at),
                 StageChange(from_stage=Stage.signed, to_stage=Stage.started, at=datetime(2023, 8, 7, 17, 0,
                                                                                          tzinfo=UTC))]
    db.session.add(p)
    db.session.commit()
    db.session.close()

    book = load_workbook(io.BytesIO(client.get("/api/v1/projects.xlsx", headers=auth("organiser")).get_data()))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(headers, sheet[2])}
    assert row["项目名称"].value == "=2GWh 钠离子电芯" and row["项目名称"].data_type == "s"
    amount = row["金额（万元）"]
    assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal("120000.10")
    assert amount.number_format == "#,##0.00"
    assert row["下次跟进"].value == datetime(2024, 1, 15)
    assert row["达到阶段日期：已签约"].value == datetime(2023, 3, 28)
    assert row["达到阶段日期：已开工"].value == datetime(2023, 8, 8)  # Beijing date of 17:00Z
    assert row["备注"].value == "+紧急" and row["备注"].data_type == "s"

    text = client.get("/api/v1/projects.csv", headers=auth("organiser")).get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["项目名称"] == "'=2GWh 钠离子电芯" and rows[0]["金额（万元）"] == "120000.10"


@pytest.mark.parametrize("role,status", [("admin", 200), ("organiser", 200), ("viewer", 403), ("door", 403)])
def test_exports_are_for_organisers(client, auth, app_ctx, role, status):
    event_id = factories.event().id
    db.session.commit()
    headers = auth(role)
    for path in (f"/api/v1/events/{event_id}/attendees.csv", f"/api/v1/events/{event_id}/attendees.xlsx",
                 "/api/v1/projects.csv", "/api/v1/projects.xlsx"):
        r = client.get(path, headers=headers)
        assert r.status_code == status, path
        if status == 403:
            assert r.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/events/{event_id}/attendees.csv").status_code == 401
    assert client.get("/api/v1/events/999999/attendees.csv", headers=auth("organiser")).status_code == 404


def test_console_downloads_need_an_organiser_session(app, client, make_user, app_ctx):
    import re

    from tests.conftest import PASSWORD

    event_id = factories.event().id
    db.session.commit()
    assert client.get(f"/events/{event_id}/export/attendees.csv").status_code == 302  # to sign-in
    for role, status in (("viewer", 403), ("organiser", 200)):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": make_user(role), "password": PASSWORD, "csrf_token": token})
        assert client.get(f"/events/{event_id}/export/attendees.xlsx").status_code == status
        assert client.get("/pipeline/export/projects.csv").status_code == status


def test_exports_are_documented(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/events/{event_id}/attendees.xlsx"]["get"]
    assert "200" in op["responses"] and "403" in op["responses"]
    from openapi_spec_validator import validate

    validate(doc)


def test_control_characters_do_not_break_the_workbook(client, auth, app_ctx):
    org = factories.organisation("控制\x01字符\x1f公司")
    # no NUL: PostgreSQL refuses it
    db.session.add(Project(name="项目\x0b名称\x02", organisation=org, stage=Stage.lead))
    db.session.commit()
    r = client.get("/api/v1/projects.xlsx", headers=auth("organiser"))
    assert r.status_code == 200
    row = [c.value for c in load_workbook(io.BytesIO(r.get_data())).active[2]]
    assert "项目名称" in row and "控制字符公司" in row


def test_streamed_csv_under_gunicorn(live_server, make_user, hostile_event):
    """The CSV is streamed after the view returned: the unit of work must still be open for it (under
    gunicorn the app context, and with it the session, ends only after the body)."""
    import requests

    from tests.conftest import PASSWORD

    token = requests.post(f"{live_server}/api/v1/auth/token",
                          json={"email": make_user("organiser"), "password": PASSWORD}).json()["token"]
    r = requests.get(f"{live_server}/api/v1/events/{hostile_event}/attendees.csv",
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1 + len(PAYLOADS) and rows[1][9] == ""
