"""Events as iCalendar (RFC 5545), built with the icalendar library — never by hand.

The library writes CRLF line ends, folds lines at 75 octets without splitting a UTF-8 character and
escapes `,` `;` `\\` and newlines in text values; we only decide what goes in.

METHOD is PUBLISH everywhere (files, the feed, mail attachments). REQUEST/CANCEL would make mail clients
offer accept/decline buttons whose replies nobody reads; a PUBLISH copy with the same UID and a higher
SEQUENCE replaces the old one in the calendar, and a cancelled event comes out with STATUS:CANCELLED so
clients drop it.
"""
from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Alarm, Calendar, Timezone, vCalAddress, vDDDLists, vDuration, vText
from icalendar import Event as VEvent
from sqlalchemy import ColumnElement, case, cast, false, func, literal_column, select

from .. import urls
from ..extensions import db
from ..models import Event, EventStatus, Registration, RegistrationStatus
from ..models.types import utcnow

PRODID = "-//Roadshow//Investment promotion events//ZH"
DEFAULT_ZONE = "Asia/Shanghai"
METHOD = "PUBLISH"

# Every field a calendar copy shows: a change of any of them must reach the copies in people's calendars.
PUBLISHED_FIELDS = frozenset({"title", "starts_at", "ends_at", "timezone", "venue", "address", "description",
                              "status"})
# The events a calendar may show; drafts are nobody's business outside the console.
VISIBLE_STATUSES = (EventStatus.published, EventStatus.cancelled)


def published_fields_changed(event: Event, changes: Iterable[str] | dict[str, Any]) -> bool:
    """Whether `changes` (field names, or audit.diff's {field: {"from", "to"}}) touch what calendars show."""
    if isinstance(changes, dict):
        names = {name for name, change in changes.items()
                 if not (isinstance(change, dict) and {"from", "to"} <= change.keys()
                         and change["from"] == change["to"])}
    else:
        names = set(changes)
    return bool(names & PUBLISHED_FIELDS)


def bump_sequence_if_needed(event: Event, changes: Iterable[str] | dict[str, Any]) -> bool:
    """The one rule for SEQUENCE (RFC 5545 3.8.7.4): +1 on every change of a published field.

    Call it in the same unit of work that changes the event (update, publish, cancel), after setting the
    fields. Returns True when the sequence grew."""
    if not published_fields_changed(event, changes):
        return False
    event.sequence = (event.sequence or 0) + 1
    return True


def uid(event: Event) -> str:
    """Stable for the event's whole life, the same in every file and email whatever host served it.
    The creation time keeps ids of different installations (or a reset database) apart."""
    return f"event-{event.id}-{event.created_at:%Y%m%d%H%M%S}@roadshow"


def public_url(event: Event) -> str:
    return urls.event_page(event.id)


def event_file_url(event: Event) -> str:
    return urls.event_file(event.id)


def feed_url(industry: str | None = None) -> str:
    return urls.feed(industry)


def webcal_url(industry: str | None = None) -> str:
    """The feed as a subscription link (webcal:// opens the calendar app instead of downloading)."""
    url = feed_url(industry)
    return "webcal://" + url.split("://", 1)[1]


def zone_of(event: Event) -> ZoneInfo:
    try:
        return ZoneInfo(event.timezone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def _organizer() -> vCalAddress:
    organizer = vCalAddress(f"mailto:{current_app.config.get('MAIL_DEFAULT_SENDER') or 'roadshow@localhost'}")
    organizer.params["cn"] = vText(current_app.config.get("ORGANISER_NAME", "Roadshow"))
    return organizer


def valarm(event: Event, hours: int) -> Alarm:
    """A display alarm `hours` before the start (RFC 5545 3.6.6), in the event's title."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event.title)
    alarm.add("trigger", timedelta(hours=-hours))
    return alarm


def vevent(event: Event, *, extra_description: str | None = None, stamp: datetime | None = None,
           cancelled: bool | None = None, alarm_hours: int | None = None) -> VEvent:
    zone = zone_of(event)
    item = VEvent()
    item.add("uid", uid(event))
    # With a METHOD, DTSTAMP is when this copy was made (RFC 5545 3.8.7.2); LAST-MODIFIED says when the
    # event last changed.
    item.add("dtstamp", stamp or utcnow())
    item.add("sequence", event.sequence or 0)
    item.add("dtstart", event.starts_at.astimezone(zone))
    item.add("dtend", event.ends_at.astimezone(zone))
    item.add("summary", event.title)
    description = event.description or ""
    if extra_description:
        description = f"{description}\n\n{extra_description}".strip()
    if description:
        item.add("description", description)
    location = "，".join(part for part in (event.venue, event.address) if part)
    if location:
        item.add("location", location)
    item.add("url", public_url(event))
    item.add("organizer", _organizer())
    if cancelled is None:
        cancelled = event.status is EventStatus.cancelled
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    item.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    item.add("last-modified", event.updated_at or utcnow())
    if alarm_hours and not cancelled:
        item.add_component(valarm(event, alarm_hours))
    return item


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _yearly_rule(starts: list[datetime]) -> dict | None:
    """The RRULE of transitions that fall on the same weekday of the same month every year ("last Sunday
    of March at 02:00"), or None when they don't (a zone whose rules changed, a lunar-calendar DST)."""
    first = starts[0]
    if [d.year for d in starts] != list(range(first.year, first.year + len(starts))):
        return None
    if any((d.month, d.weekday(), d.time()) != (first.month, first.weekday(), first.time()) for d in starts):
        return None
    nths = {(d.day - 1) // 7 + 1 for d in starts}
    if all(d.day + 7 > _days_in_month(d) for d in starts):
        nth = -1  # the last one of the month
    elif len(nths) == 1 and nths != {5}:
        nth = nths.pop()
    else:
        return None
    return {"freq": "YEARLY", "bymonth": first.month, "byday": f"{nth}{_WEEKDAYS[first.weekday()]}"}


def _days_in_month(day: datetime) -> int:
    import calendar as stdlib_calendar

    return stdlib_calendar.monthrange(day.year, day.month)[1]


def _timezones(events: list[Event], *, always: bool = False) -> list[Timezone]:
    """One VTIMEZONE per zone used, covering the years of the events that use it.

    The library derives the observances from the zone database as DTSTART plus a list of RDATEs. Outlook
    and others read yearly RRULEs best, and some readers (vobject, and every program built on it) keep only
    the first value of a multi-valued RDATE, which would put later years in the wrong offset. So a regular
    yearly pattern becomes its RRULE (bounded by UNTIL if the zone stops using it), and anything irregular
    stays as dates, one RDATE line each — the same data, readable by all.
    """
    spans: dict[str, tuple[date, date]] = {}
    for event in events:
        zone = zone_of(event)
        first, last = event.starts_at.astimezone(zone).date(), event.ends_at.astimezone(zone).date()
        key = zone.key
        if key in spans:
            first, last = min(first, spans[key][0]), max(last, spans[key][1])
        spans[key] = (first, last)
    if not spans and always:
        # RFC 5545 wants at least one component in a calendar: an empty feed still carries the default zone.
        today = utcnow().date()
        spans[DEFAULT_ZONE] = (today, today)
    return [vtimezone(key, date(first.year - 1, 1, 1), date(last.year + 2, 1, 1))
            for key, (first, last) in sorted(spans.items())]


def vtimezone(key: str, first_date: date, last_date: date) -> Timezone:
    """The zone's VTIMEZONE over these dates: a copy of the one built the first time (building it walks the
    zone database hour by hour, a quarter of a second under load — most of a registration mail's time)."""
    return copy.deepcopy(_vtimezone(key, first_date, last_date))


@lru_cache(maxsize=256)
def _vtimezone(key: str, first_date: date, last_date: date) -> Timezone:
    tz = Timezone.from_tzinfo(ZoneInfo(key), tzid=key, first_date=first_date, last_date=last_date)
    tz.pop("COMMENT", None)  # the library's note on the range it covered; the rules below reach further
    for observance in tz.subcomponents:
        rdates = observance.pop("RDATE", None)
        if rdates is None:
            continue
        values = [item.dt for rdate in (rdates if isinstance(rdates, list) else [rdates]) for item in rdate.dts]
        starts = sorted([observance.decoded("DTSTART"), *values])
        rule = _yearly_rule(starts)
        if rule is None:
            for value in values:
                observance.add("rdate", vDDDLists([value]))
            continue
        if starts[-1].year < last_date.year - 1:
            # The zone stopped this transition within the range: the rule ends with its last occurrence.
            offset_from: timedelta = observance.decoded("TZOFFSETFROM")
            rule["until"] = (starts[-1] - offset_from).replace(tzinfo=UTC)
        observance.add("rrule", rule)
    return tz


def calendar(events: list[Event], *, method: str | None = METHOD, name: str | None = None,
             extra_description: str | None = None, cancelled: bool | None = None,
             alarm_hours: int | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    for tz in _timezones(events, always=True):
        cal.add_component(tz)
    stamp = utcnow()
    for event in events:
        cal.add_component(vevent(event, extra_description=extra_description, stamp=stamp, cancelled=cancelled,
                                 alarm_hours=alarm_hours))
    return cal


def event_ics(event: Event, *, extra_description: str | None = None, method: str = METHOD,
              cancelled: bool | None = None, alarm_hours: int | None = None) -> bytes:
    """One event as an .ics file (CRLF line ends, folded at 75 octets, text escaped)."""
    return calendar([event], method=method, extra_description=extra_description, cancelled=cancelled,
                    alarm_hours=alarm_hours).to_ical()


def attachment(event: Event, *, extra_description: str | None = None) -> dict:
    """The event as a mail attachment for services.mail.queue()."""
    return {"filename": "event.ics", "content_type": f"text/calendar; method={METHOD}; charset=UTF-8",
            "content": event_ics(event, extra_description=extra_description).decode("utf-8")}


# --- What the web side serves -------------------------------------------------------------------------

def visible_event(event_id: int) -> Event | None:
    """A published event, or a cancelled one that was once published; None for drafts (also cancelled
    ones that never were public) and unknown ids."""
    event = db.session.get(Event, event_id)
    if event is None or not is_visible(event):
        return None
    return event


def event_validator(event: Event) -> str:
    material = (f"{event.id}|{event.sequence}|{event.status.value}|{event.updated_at.isoformat()}|"
                f"{urls.base_url()}")
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _industry_clause(industry: str):
    """Events whose `industries` JSON list holds `industry`, in the database's own JSON functions."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        return cast(Event.industries, JSONB).contains(func.jsonb_build_array(industry))
    members = func.json_each(Event.industries).table_valued("value")
    return select(literal_column("1")).select_from(members).where(members.c.value == industry).exists()


MAX_INDUSTRY = 50  # Industry.name's length: anything longer names no industry


def _feed_filter(industry: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Event.status.in_(VISIBLE_STATUSES), Event.published_at.is_not(None)]
    if industry:
        conditions.append(_industry_clause(industry) if len(industry) <= MAX_INDUSTRY else false())
    return conditions


def feed_validator(industry: str | None = None) -> tuple[str, datetime | None]:
    """(ETag, Last-Modified) of the feed from one aggregate query, without loading any event.

    Any change to an event in the feed moves updated_at and, for published fields, the sequence; an event
    entering or leaving the feed moves the count and the sums; a cancellation moves the status sum."""
    row = db.session.execute(
        select(func.count(Event.id), func.max(Event.updated_at), func.coalesce(func.sum(Event.id), 0),
               func.coalesce(func.sum(Event.sequence), 0), func.coalesce(func.max(Event.sequence), 0),
               func.coalesce(func.sum(case((Event.status == EventStatus.cancelled, Event.id), else_=0)), 0))
        .where(*_feed_filter(industry))).one()
    count, last_modified, *sums = row
    if isinstance(last_modified, str):  # SQLite hands aggregates back untyped
        last_modified = datetime.fromisoformat(last_modified)
    if last_modified is not None and last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=UTC)
    # The served text names the host (URL, links), so one host's copy is not another's.
    material = "|".join(str(part) for part in (count, last_modified and last_modified.isoformat(), *sums,
                                               industry or "", urls.base_url(), METHOD))
    return hashlib.sha256(material.encode()).hexdigest()[:32], last_modified


def feed_name(industry: str | None = None) -> str:
    with force_locale("zh_CN"):
        zh = _("Investment promotion events")
    with force_locale("en"):
        en = _("Investment promotion events")
    name = f"{zh} · {en}"
    return f"{name} · {industry}" if industry and len(industry) <= MAX_INDUSTRY else name


def feed_ics(industry: str | None = None) -> bytes:
    events = db.session.scalars(select(Event).where(*_feed_filter(industry))
                                .order_by(Event.starts_at, Event.id)).all()
    cal = calendar(list(events), name=feed_name(industry))
    cal.add("x-published-ttl", vDuration(timedelta(hours=1)))
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    return cal.to_ical()


def is_visible(event: Event) -> bool:
    """Whether calendars may show the event (published, or cancelled so they can drop it — only when it
    was once public: a cancelled draft was never in anyone's calendar)."""
    return event.status in VISIBLE_STATUSES and event.was_published()


def registrant_note(registration: Registration) -> str:
    """What the registrant's own copy adds to the description: their status and links, Chinese then English."""
    manage = urls.manage(registration.manage_token)
    ticket = f"{manage}/ticket"
    parts = []
    for locale in ("zh_CN", "en"):
        with force_locale(locale):
            status = registration.status
            if status is RegistrationStatus.confirmed:
                lines = [_("Your registration is confirmed."), _("Your ticket: %(url)s", url=ticket)]
            elif status is RegistrationStatus.waitlisted:
                lines = [_("You are on the waiting list. We will write to you if a place frees up.")]
            elif status is RegistrationStatus.pending:
                lines = [_("Your registration is waiting for the organiser's approval.")]
            else:
                lines = [_("Your registration is no longer active.")]
            lines.append(_("View or change your registration: %(url)s", url=manage))
            parts.append("\n".join(lines))
    return "\n\n".join(parts)


def registrant_attachment(registration: Registration) -> dict:
    """The registrant's own copy as a mail attachment (confirmation, waitlist, promotion mails): the same
    file as /m/<token>/event.ics."""
    return {"filename": "event.ics", "content_type": f"text/calendar; method={METHOD}; charset=UTF-8",
            "content": registrant_ics(registration).decode("utf-8")}


def registrant_ics(registration: Registration) -> bytes:
    """The registrant's own copy: the same UID as every other copy, with their ticket and manage links.
    A cancelled or rejected registration comes out cancelled, so it leaves their calendar too; a confirmed
    one carries an alarm as long before the start as the event's reminder (none when it sends none)."""
    inactive = registration.status in (RegistrationStatus.cancelled, RegistrationStatus.rejected)
    alarm = registration.event.reminder_hours_before if registration.status is RegistrationStatus.confirmed else None
    return event_ics(registration.event, extra_description=registrant_note(registration),
                     cancelled=True if inactive else None, alarm_hours=alarm)
