"""Fixtures of the check-in tests."""
from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def guests(app, make_user):
    """An event with a registration of two named guests (their ticket codes and attendee ids), another of one
    guest (three registered), and a door user's email."""
    with app.app_context():
        event = f.event("淮南牛肉汤产业项目路演会")
        org = f.organisation("老乡鸡集团有限公司")
        reg = f.registration(event, attendees=2, org=org, names=["束从轩", "王经理"])
        f.registration(event, attendees=1)
        data = {"event_id": event.id, "codes": [a.ticket_code for a in reg.attendees],
                "attendee_ids": [a.id for a in reg.attendees]}
    data["door"] = make_user("door", name="签到员")
    return data
