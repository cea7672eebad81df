"""An in-process SMTP server (aiosmtpd) that keeps what it receives, and the industry list."""
from __future__ import annotations

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from roadshow.extensions import db
from roadshow.models import Industry

INDUSTRIES = ["绿色食品", "现代服务业", "新一代信息技术"]


def seed_industries() -> None:
    for position, name in enumerate(INDUSTRIES):
        db.session.add(Industry(name=name, position=position))
    db.session.commit()


class Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 15) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


def smtp_server(port: int, handler: Collector) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller
