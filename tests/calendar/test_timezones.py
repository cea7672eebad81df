"""Each VTIMEZONE we write, read back by both parsers, gives the zone database's offset at every moment."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from roadshow.services.calendar import vtimezone

# Africa/Casablanca is left out: its Ramadan transitions defeat dateutil (under vobject) even on the
# library's own output; our events are in China, and Europe/Berlin is tested end to end elsewhere.
ZONES = ["Asia/Shanghai", "Europe/Berlin", "Europe/London", "Europe/Moscow", "America/New_York",
         "America/Sao_Paulo", "America/Santiago", "Australia/Sydney", "Pacific/Auckland", "Asia/Tehran",
         "Asia/Jerusalem", "Asia/Hong_Kong"]


def wall_times(start: datetime, end: datetime, step: timedelta):
    while start < end:
        yield start
        start += step


@pytest.mark.parametrize("key", ZONES)
def test_vtimezone_matches_the_zone_database(key):
    zone = ZoneInfo(key)
    component = vtimezone(key, date(2019, 1, 1), date(2029, 1, 1))
    cal = icalendar.Calendar()
    cal.add("prodid", "-//test//")
    cal.add("version", "2.0")
    cal.add_component(component)
    raw = cal.to_ical()
    by_icalendar = icalendar.Calendar.from_ical(raw).walk("VTIMEZONE")[0].to_tz()
    by_vobject = vobject.readOne(raw.decode()).vtimezone.gettzinfo()
    wrong = []
    for moment in wall_times(datetime(2020, 1, 1), datetime(2028, 12, 31), timedelta(hours=7)):
        expected = moment.replace(tzinfo=zone).utcoffset()
        if moment.replace(tzinfo=zone, fold=1).utcoffset() != expected:
            continue  # a wall time that happens twice (or never) on a transition night
        got = (moment.replace(tzinfo=by_icalendar).utcoffset(), moment.replace(tzinfo=by_vobject).utcoffset())
        if got != (expected, expected):
            wrong.append((moment, expected, got))
    assert wrong == []


def test_regular_rules_are_written_as_yearly_rules():
    berlin = vtimezone("Europe/Berlin", date(2022, 1, 1), date(2030, 1, 1)).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in berlin
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in berlin
    assert "RDATE" not in berlin
    new_york = vtimezone("America/New_York", date(2022, 1, 1), date(2030, 1, 1)).to_ical().decode()
    assert "BYDAY=2SU;BYMONTH=3" in new_york and "BYDAY=1SU;BYMONTH=11" in new_york
    # Brazil gave up summer time in 2019: the rule stops there.
    sao_paulo = vtimezone("America/Sao_Paulo", date(2016, 1, 1), date(2026, 1, 1)).to_ical().decode()
    assert "UNTIL=2019" in sao_paulo
    shanghai = vtimezone("Asia/Shanghai", date(2022, 1, 1), date(2026, 1, 1))
    assert [(c.name, c["TZOFFSETTO"].td) for c in shanghai.subcomponents] == \
        [("STANDARD", timedelta(hours=8))]


def test_a_zone_is_derived_once_and_every_caller_gets_its_own_copy(monkeypatch):
    """Every reminder and confirmation mail carries a VTIMEZONE; deriving one walks the zone's transitions (a
    tenth of a second, most of a reminder's cost), so it is derived once per zone and span."""
    from roadshow.services import calendar as service

    derived = []
    original = icalendar.Timezone.from_tzinfo

    def counting(*args, **kwargs):
        derived.append(kwargs.get("tzid"))
        return original(*args, **kwargs)

    monkeypatch.setattr(service.Timezone, "from_tzinfo", counting)
    service._derived_vtimezone.cache_clear()
    first = vtimezone("Europe/Berlin", date(2026, 1, 1), date(2029, 1, 1))
    expected = first.to_ical()
    first.add("x-changed-by-one-caller", "yes")  # what one calendar does to its copy ...
    again = [vtimezone("Europe/Berlin", date(2026, 1, 1), date(2029, 1, 1)) for _ in range(3)]
    assert derived == ["Europe/Berlin"]
    assert all(tz.to_ical() == expected for tz in again)  # ... the others never see
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in again[0].to_ical().decode()
    vtimezone("Asia/Shanghai", date(2026, 1, 1), date(2029, 1, 1))
    assert derived == ["Europe/Berlin", "Asia/Shanghai"]
