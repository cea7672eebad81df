"""Import from .csv (UTF-8 with and without BOM, GB18030) and .xlsx: good rows kept, bad rows reported
with their row number (the header is row 1), organisations matched rather than duplicated."""
from __future__ import annotations

import io

import pytest

from roadshow.demo import scenario_2023 as demo
from roadshow.extensions import db
from roadshow.models import AuditEntry, Contact, EventStatus, Invitation, Organisation, OrgKind
from roadshow.services.credit_code import complete
from tests import factories
from tests.invitations.helpers import HEADER_ZH, csv_bytes, xlsx_bytes

CODE = complete("91340403MA2N0001")

ROWS = [
    ("老乡鸡集团有限公司", "企业", CODE, "束从轩", "shu@example.com", "13800138000", 2),
    ("桉树资本管理有限公司", "fund", "", "李总", "li@example.com", "+86 139 0013 9000", ""),
    ("淮南市大学生创业孵化基地", "孵化器", "", "王主任", "", "0554-6661234", 1),
]
BAD_ROWS = [
    ("", "企业", "", "无名", "x@example.com", "", 1),                          # row: no organisation
    ("某某银行", "银行", "91340403MA2N00010X", "赵", "zhao@example.com", "", 1),  # bad credit code
    ("某电商公司", "电商", "", "钱", "not-an-email", "123", "two"),              # three problems
    ("某某投资公司", "天使", "", "孙", "sun@example.com", "", 1),                 # unknown kind
]


def _post(client, headers, event_id, data: bytes, filename: str, dry_run=False):
    url = f"/api/v1/events/{event_id}/invitations/import" + ("?dry_run=true" if dry_run else "")
    return client.post(url, headers=headers, data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def event_id(app_ctx):
    return factories.event("淮南牛肉汤产业项目路演会").id


@pytest.mark.parametrize("make,filename", [
    (lambda rows: csv_bytes(rows, bom=True), "邀请名单.csv"),
    (lambda rows: csv_bytes(rows), "invitations.csv"),
    (lambda rows: csv_bytes(rows, encoding="gb18030"), "名单（Excel导出）.csv"),
    (lambda rows: xlsx_bytes(rows), "invitations.xlsx"),
    (lambda rows: csv_bytes(rows, header=HEADER_ZH, encoding="gb18030"), "中文表头.CSV"),
    (lambda rows: xlsx_bytes(rows, header=HEADER_ZH), "中文表头.xlsx"),
])
def test_import_keeps_good_rows_and_reports_bad_ones(client, hdr, event_id, make, filename):
    existing = factories.organisation("老乡鸡（旧名）", credit_code=CODE)  # matched by credit code
    fund = factories.organisation("桉树资本管理有限公司", kind=OrgKind.fund)  # matched by exact name
    rows = [ROWS[0], BAD_ROWS[0], ROWS[1], BAD_ROWS[1], BAD_ROWS[2], ROWS[2], BAD_ROWS[3]]
    r = _post(client, hdr(), event_id, make(rows), filename)
    assert r.status_code == 200, r.json
    assert r.json["created"] == 3
    errors = r.json["errors"]
    assert [e["row"] for e in errors] == [3, 5, 6, 8]
    assert "单位名称" in errors[0]["message"] or "Organisation" in errors[0]["message"]
    assert "统一社会信用代码" in errors[1]["message"]
    assert errors[2]["message"].count(";") == 2  # email, phone and seats, in one entry for the row
    assert "天使" in errors[3]["message"]
    db.session.commit()
    invitations = db.session.query(Invitation).order_by(Invitation.id).all()
    assert [i.organisation_id for i in invitations[:2]] == [existing.id, fund.id]
    assert invitations[0].seats == 2 and invitations[1].seats == 1
    assert invitations[1].contact.phone == "13900139000"
    assert invitations[2].organisation.kind is OrgKind.incubator and invitations[2].contact.phone == "0554-6661234"
    assert db.session.query(Organisation).count() == 3  # only the incubator was new
    assert db.session.query(Organisation).filter_by(name="某某银行").count() == 0  # nothing half-written
    assert db.session.query(AuditEntry).filter_by(action="invitation.import").count() == 1


def test_preview_reports_the_same_and_writes_nothing(client, hdr, event_id):
    factories.organisation("桉树资本管理有限公司", kind=OrgKind.fund)
    rows = [ROWS[0], ROWS[1], BAD_ROWS[0],
            ("老乡鸡集团有限公司", "企业", "", "另一位联系人", "other@example.com", "", 1)]  # same org as row 2
    r = _post(client, hdr(), event_id, xlsx_bytes(rows), "x.xlsx", dry_run=True)
    assert r.status_code == 200, r.json
    body = r.json
    assert body["dry_run"] is True and body["created"] == 3
    assert body["errors"] == [{"row": 4, "message": body["rows"][2]["error"]}]
    matches = [(row["row"], row["match"], row["match_row"]) for row in body["rows"]]
    assert matches == [(2, "new", None), (3, "existing", None), (4, None, None), (5, "file", 2)]
    db.session.commit()
    assert db.session.query(Invitation).count() == 0
    assert db.session.query(Organisation).count() == 1
    assert db.session.query(Contact).count() == 0
    assert db.session.query(AuditEntry).filter(
        AuditEntry.entity_type.in_(["invitation", "organisation", "event"])).count() == 0


def test_same_organisation_twice_in_one_file_is_created_once(client, hdr, event_id):
    rows = [("淮南市牛肉汤食品有限公司", "企业", CODE, "甲", "a@example.com", "", 1),
            ("淮南市牛肉汤食品有限公司", "企业", "", "乙", "b@example.com", "", 1),
            ("牛肉汤（简称）", "企业", CODE.lower(), "丙", "c@example.com", "", 1)]
    r = _post(client, hdr(), event_id, csv_bytes(rows), "a.csv")
    assert r.json == {"created": 3, "errors": [], "dry_run": False, "rows": None}
    db.session.commit()
    assert db.session.query(Organisation).count() == 1


def test_duplicate_contact_is_a_row_error(client, hdr, event_id):
    rows = [("淮南市牛肉汤食品有限公司", "企业", "", "甲", "a@example.com", "", 1),
            ("淮南市牛肉汤食品有限公司", "企业", "", "甲", "A@example.com", "", 3)]
    headers = hdr()
    r = _post(client, headers, event_id, csv_bytes(rows), "a.csv")
    assert r.json["created"] == 1 and [e["row"] for e in r.json["errors"]] == [3]
    again = _post(client, headers, event_id, csv_bytes(rows[:1]), "a.csv")
    assert again.json["created"] == 0 and again.json["errors"][0]["row"] == 2
    assert "已被邀请" in again.json["errors"][0]["message"]


def test_kind_may_be_blank_only_for_a_known_organisation(client, hdr, event_id):
    factories.organisation("徽商银行股份有限公司淮南分行", kind=OrgKind.bank)
    rows = [("徽商银行股份有限公司淮南分行", "", "", "周行长", "zhou@example.com", "", 1),
            ("全新公司", "", "", "吴", "wu@example.com", "", 1)]
    r = _post(client, hdr(), event_id, csv_bytes(rows), "a.csv")
    assert r.json["created"] == 1 and [e["row"] for e in r.json["errors"]] == [3]


def test_row_numbers_count_blank_lines(client, hdr, event_id):
    data = csv_bytes([ROWS[0]]) + b"\r\n,,,,,,\r\n" + "无类型公司,xx,,某,,,1\r\n".encode()
    r = _post(client, hdr(), event_id, data, "a.csv")
    assert r.json["created"] == 1 and r.json["errors"][0]["row"] == 5


@pytest.mark.parametrize("data,filename,status", [
    (b"organisation,kind\r\n", "a.pdf", 415),
    (b"\xff\xfe\x00\x00\xff\x80\x81", "a.csv", 422),  # neither UTF-8 nor GB18030
    (b"PK\x03\x04 broken", "a.xlsx", 422),
    (b"", "a.csv", 422),
    ("名称,电话\r\n甲,1\r\n".encode(), "a.csv", 422),  # no contact column
    (b"organisation,kind,credit_code,contact_name,email,phone,seats\r\n", "a.csv", 422),
])
def test_file_level_problems(client, hdr, event_id, data, filename, status):
    r = _post(client, hdr(), event_id, data, filename)
    assert r.status_code == status, r.json
    assert r.mimetype == "application/problem+json" and r.json["errors"]["file"]


def test_size_is_bounded(app, client, hdr, event_id, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    data = csv_bytes([ROWS[0]]) + b"x" * (1024 * 1024)
    assert _post(client, hdr(), event_id, data, "a.csv").status_code == 413


def test_json_body_to_upload_is_415_and_missing_file_is_422(client, hdr, event_id):
    headers = hdr()
    url = f"/api/v1/events/{event_id}/invitations/import"
    assert client.post(url, headers=headers, json={"file": "x"}).status_code == 415
    r = client.post(url, headers=headers, data={"other": "x"}, content_type="multipart/form-data")
    assert r.status_code == 422 and "file" in r.json["errors"]


def test_cancelled_event_refuses_import(client, hdr, app_ctx):
    ev = factories.event(status=EventStatus.cancelled)
    assert _post(client, hdr(), ev.id, csv_bytes([ROWS[0]]), "a.csv").status_code == 410


def test_twenty_invitations_for_the_beef_soup_roadshow_from_excel(client, hdr, app_ctx):
    demo.load()
    db.session.commit()
    roadshow = db.session.query(factories.Event).filter_by(title=demo.ROADSHOW["title"]).one()
    kinds = {OrgKind.enterprise: "企业", OrgKind.fund: "基金", OrgKind.bank: "银行", OrgKind.incubator: "孵化器",
             OrgKind.ecommerce: "电商", OrgKind.association: "协会", OrgKind.government: "政府",
             OrgKind.agent: "委托招商机构"}
    rows = []
    for index, (name, kind, *_rest) in enumerate(demo.ORGANISATIONS[:20], start=1):
        rows.append((name, kinds[kind], "", f"联系人{index}", f"guest{index}@example.com",
                     f"1380013{index:04d}", 2 if kind is OrgKind.enterprise else 1))
    organisations_before = db.session.query(Organisation).count()
    r = _post(client, hdr(), roadshow.id, xlsx_bytes(rows, header=HEADER_ZH), "淮南牛肉汤路演邀请名单.xlsx")
    assert r.json["created"] == 20 and r.json["errors"] == []
    db.session.commit()
    assert db.session.query(Organisation).count() == organisations_before  # all matched by name
    assert db.session.query(Invitation).filter_by(event_id=roadshow.id).count() >= 20


def test_xlsx_that_unpacks_to_too_much_is_refused(client, hdr, event_id, monkeypatch):
    import zipfile

    from roadshow.services import imports

    monkeypatch.setattr(imports, "MAX_XLSX_UNPACKED", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "a" * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 20_000
    r = _post(client, hdr(), event_id, buffer.getvalue(), "bomb.xlsx")
    assert r.status_code == 422 and r.json["errors"]["file"]
