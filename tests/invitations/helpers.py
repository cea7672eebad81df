"""Spreadsheets and an in-process SMTP server for the invitation tests."""
from __future__ import annotations

import io
import threading
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

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


class Collector:
    """aiosmtpd handler keeping every message; `delay` makes the server slow to accept DATA."""

    def __init__(self, delay: float = 0):
        self.messages = []
        self.delay = delay
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.received.set()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 15) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def smtp_server(port: int, handler: Collector) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller
