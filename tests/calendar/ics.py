"""Every served iCalendar file goes through these checks: RFC 5545 line rules, then two independent parsers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
import vobject


@dataclass
class Parsed:
    raw: bytes
    ical: icalendar.Calendar
    vobj: vobject.base.Component

    def ical_events(self) -> list:
        return list(self.ical.walk("VEVENT"))

    def vobj_events(self) -> list:
        return list(getattr(self.vobj, "vevent_list", []))

    def only(self):
        """The single event, as (icalendar VEVENT, vobject VEVENT)."""
        ical, vobj = self.ical_events(), self.vobj_events()
        assert len(ical) == len(vobj) == 1, (len(ical), len(vobj))
        return ical[0], vobj[0]

    def by_uid(self) -> dict[str, tuple]:
        ical = {str(e["UID"]): e for e in self.ical_events()}
        vobj = {e.uid.value: e for e in self.vobj_events()}
        assert ical.keys() == vobj.keys()
        return {uid: (ical[uid], vobj[uid]) for uid in ical}


def check_lines(raw: bytes) -> None:
    """CRLF everywhere, no line over 75 octets, no UTF-8 character split across a fold."""
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in raw.replace(b"\r\n", b""), "bare CR"
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # raises if a fold cut a character in two


def parse(raw: bytes) -> Parsed:
    check_lines(raw)
    ical = icalendar.Calendar.from_ical(raw)
    assert ical.name == "VCALENDAR"
    assert str(ical["VERSION"]) == "2.0" and ical.get("PRODID")
    vobj = vobject.readOne(raw.decode("utf-8"))
    assert vobj.name == "VCALENDAR"
    assert vobj.version.value == "2.0"
    # RFC 5545: a calendar holds at least one component.
    assert list(ical.subcomponents), "an iCalendar object needs at least one component"
    return Parsed(raw, ical, vobj)


def utc(value: datetime) -> datetime:
    assert value.tzinfo is not None and value.utcoffset() is not None, value
    return value.astimezone(UTC)


def times(pair) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """(start, end) in UTC as each parser reads them."""
    ical, vobj = pair
    return ((utc(ical.decoded("DTSTART")), utc(ical.decoded("DTEND"))),
            (utc(vobj.dtstart.value), utc(vobj.dtend.value)))


def text(pair, name: str) -> tuple[str, str]:
    ical, vobj = pair
    return str(ical[name.upper()]), getattr(vobj, name.lower()).value
