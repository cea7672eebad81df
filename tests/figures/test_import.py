"""The bureau's monthly spreadsheet: previewed row by row (nothing written), then imported; bad rows reported
with their row number and why, good rows recorded as exact decimals."""
from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from roadshow.extensions import db
from roadshow.models import ProjectInvestment
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("industries")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.fixture
def projects(app):
    from roadshow.services import pipeline

    with app.app_context():
        org = factories.organisation("月报导入测试有限公司")
        ids = {}
        for name in ("导入测试项目甲", "导入测试项目乙", "重名导入项目", "重名导入项目"):
            ids[name] = pipeline.create_project({"name": name, "organisation_id": org.id}, actor=None).id
        db.session.commit()
        return ids


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["项目名称", "项目编号", "月份", "到位资金（万元）", "实际形成固定资产投资（万元）"])
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ProjectInvestment))


def test_preview_then_import_the_good_rows(app, client, make_user, projects):
    from datetime import datetime

    assert sign_in(client, make_user("organiser")).status_code == 302
    page = client.get("/pipeline/figures/import").get_data(as_text=True)
    assert "导入月度数据" in page
    template = client.get("/pipeline/figures/template.xlsx")
    assert load_workbook(BytesIO(template.data)).active["A1"].value == "项目名称"
    data = _workbook([
        ["导入测试项目甲", None, "2025-07", 1200.5, 300],            # row 2: good
        ["导入测试项目甲", None, datetime(2025, 8, 1), "0.10", None],  # row 3: an Excel date cell, good
        ["没有这个项目", None, "2025-07", 1, 1],                     # row 4: unknown project
        ["重名导入项目", None, "2025-07", 1, 1],                     # row 5: two projects of that name
        [None, projects["导入测试项目乙"], "2025年9月", 55, 66],       # row 6: by number, Chinese month, good
        ["导入测试项目乙", None, "2025-13", 1, 1],                   # row 7: no such month
        ["导入测试项目乙", None, "2025-10", -5, 1],                  # row 8: negative
    ])
    before = _count(app)
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(page),
                                                      "file": (BytesIO(data), "月报.xlsx")})
    html = r.get_data(as_text=True)
    assert "3 行可以导入，4 行有错误。" in html
    for row, message in ((4, "没有名为 没有这个项目 的项目。"), (5, "请填写项目编号"), (7, "请按“年-月”格式"),
                         (8, "金额不能为负数。")):
        assert re.search(rf'<tr data-row="{row}" class="table-danger">.*?{re.escape(message)}', html, re.S), row
    assert _count(app) == before  # the preview wrote nothing
    upload = re.search(r'name="c-upload" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(html), "c-upload": upload,
                                                      "c-filename": "月报.xlsx", "c-confirm": "1"})
    html = r.get_data(as_text=True)
    assert "已记录 3 条月度数据。" in html and 'data-row="8"' in html
    with app.app_context():
        rows = {(r.project_id, r.month.isoformat()): (r.funds_in_place_wan, r.fixed_asset_wan)
                for r in db.session.scalars(select(ProjectInvestment).where(
                    ProjectInvestment.project_id.in_(projects.values())))}
    a, b = projects["导入测试项目甲"], projects["导入测试项目乙"]
    assert rows == {(a, "2025-07-01"): (Decimal("1200.50"), Decimal("300.00")),
                    (a, "2025-08-01"): (Decimal("0.10"), Decimal("0.00")),
                    (b, "2025-09-01"): (Decimal("55.00"), Decimal("66.00"))}


def test_a_file_without_the_header_is_refused_beside_the_field(client, make_user):
    assert sign_in(client, make_user("organiser")).status_code == 302
    page = client.get("/pipeline/figures/import").get_data(as_text=True)
    wb = Workbook()
    wb.active.append(["名称", "金额"])
    out = BytesIO()
    wb.save(out)
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(page),
                                                      "file": (BytesIO(out.getvalue()), "x.xlsx")})
    assert "第一行必须是表头" in r.get_data(as_text=True)
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(page),
                                                      "file": (BytesIO(b"PK\x03\x04broken"), "x.xlsx")})
    assert r.status_code == 200 and "invalid-feedback" in r.get_data(as_text=True)


def test_viewers_cannot_import(client, make_user):
    assert sign_in(client, make_user("viewer")).status_code == 302
    assert client.get("/pipeline/figures/import").status_code == 403


def test_cancel_forgets_the_file_and_a_forgotten_file_cannot_be_imported(app, client, make_user, projects):
    assert sign_in(client, make_user("organiser")).status_code == 302
    page = client.get("/pipeline/figures/import").get_data(as_text=True)
    before = _count(app)
    data = _workbook([["导入测试项目甲", None, "2025-07", 1, 2]])
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(page), "file": (BytesIO(data), "月报.xlsx")})
    html = r.get_data(as_text=True)
    assert "1 行可以导入，0 行有错误。" in html and "将被记录" in html
    upload = re.search(r'name="c-upload" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(html), "c-upload": upload,
                                                      "c-cancel": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/pipeline/report")
    r = client.post("/pipeline/figures/import", data={"csrf_token": _csrf(html), "c-upload": upload,
                                                      "c-confirm": "1"}, follow_redirects=True)
    assert r.request.path == "/pipeline/figures/import" and "上传的文件已过期" in r.get_data(as_text=True)
    assert _count(app) == before
