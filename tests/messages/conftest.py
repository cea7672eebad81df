from __future__ import annotations

import pytest

from roadshow.services import sms
from tests.sms_gateway import Gateway


@pytest.fixture
def gateway(app, monkeypatch):
    server = Gateway()
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", server.url)
    monkeypatch.setitem(app.config, "SMS_GATEWAY_TOKEN", "secret-token")
    yield server
    sms.deliverer.wait()
    server.close()
