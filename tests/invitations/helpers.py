"""Spreadsheets for the invitation tests."""
from __future__ import annotations

import io

HEADER = ["organisation", "kind", "credit_code", "contact_name", "email", "phone", "seats"]
HEADER_ZH = ["单位名称", "单位类型", "统一社会信用代码", "联系人", "邮箱", "手机", "席位数"]


def csv_bytes(rows, header=HEADER, encoding="utf-8", bom=False) -> bytes:
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "邀请名单"
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
