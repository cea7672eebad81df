"""SEQUENCE grows with every change of a published field, and only then (services.calendar's one rule)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from roadshow.extensions import db
from roadshow.models import EventStatus, RegistrationMode
from roadshow.services import audit, calendar
from tests import factories
from tests.calendar.ics import parse, times


def served_sequence(client, event) -> int:
    ical, vobj = parse(client.get(f"/events/{event.id}.ics").data).only()
    assert int(ical["SEQUENCE"]) == int(vobj.sequence.value)
    return int(ical["SEQUENCE"])


def change(event, **fields) -> bool:
    """What events.update_event does: set the fields, record the diff, let the calendar rule decide."""
    changes = audit.diff(event, fields)
    bumped = calendar.bump_sequence_if_needed(event, changes)
    db.session.commit()
    return bumped


def test_each_published_field_change_grows_the_sequence(app_ctx, client):
    event = factories.event("路演", starts_at=factories.aware(2023, 4, 18, 9), venue="会场", address="地址",
                            description="说明")
    assert served_sequence(client, event) == 0
    steps = [
        {"title": "淮南牛肉汤产业项目路演会"},
        {"starts_at": event.starts_at + timedelta(hours=1)},
        {"ends_at": event.ends_at + timedelta(hours=2)},
        {"timezone": "Europe/Berlin"},
        {"venue": "田家庵区招商中心"},
        {"address": "洞山中路 1 号"},
        {"description": "新的说明"},
        {"status": EventStatus.cancelled},
    ]
    for expected, fields in enumerate(steps, start=1):
        assert change(event, **fields) is True, fields
        assert event.sequence == expected
        assert served_sequence(client, event) == expected, fields
    assert parse(client.get(f"/events/{event.id}.ics").data).only()[1].status.value == "CANCELLED"


def test_an_update_moves_the_event_in_the_calendar(app_ctx, client):
    """The copy with the higher SEQUENCE carries the new time: 09:00–12:00 becomes 14:00–17:00 Beijing time."""
    event = factories.event("路演", starts_at=factories.aware(2023, 4, 18, 9), hours=3)
    before = parse(client.get(f"/events/{event.id}.ics").data).only()
    change(event, starts_at=factories.aware(2023, 4, 18, 14), ends_at=factories.aware(2023, 4, 18, 17))
    after = parse(client.get(f"/events/{event.id}.ics").data).only()
    assert str(before[0]["UID"]) == str(after[0]["UID"])
    assert int(after[0]["SEQUENCE"]) > int(before[0]["SEQUENCE"])
    for start, end in times(after):
        assert (start.hour, end.hour) == (6, 9)  # 14:00 and 17:00 at UTC+8


@pytest.mark.parametrize("fields", [
    {"capacity": 80},
    {"approval_required": True},
    {"registration_mode": RegistrationMode.open},
    {"industries": ["绿色食品"]},
    {"title": "路演"},  # set to the value it already has: no change at all
])
def test_unrelated_changes_leave_the_sequence_alone(app_ctx, client, fields):
    event = factories.event("路演")
    assert change(event, **fields) is False
    assert event.sequence == 0
    assert served_sequence(client, event) == 0


def test_the_rule_accepts_names_or_audit_changes():
    class Stub:
        sequence = 4

    stub = Stub()
    assert calendar.published_fields_changed(stub, ["capacity", "venue"]) is True
    assert calendar.published_fields_changed(stub, {"capacity": {"from": 1, "to": 2}}) is False
    assert calendar.published_fields_changed(stub, {"title": {"from": "a", "to": "a"}}) is False
    assert calendar.bump_sequence_if_needed(stub, {"status": {"from": "published", "to": "cancelled"}}) is True
    assert stub.sequence == 5
    assert calendar.PUBLISHED_FIELDS == {"title", "starts_at", "ends_at", "timezone", "venue", "address",
                                         "description", "status"}
