"""Events as iCalendar (RFC 5545), built with the icalendar library — never by hand."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, request
from icalendar import Calendar
from icalendar import Event as VEvent
from icalendar import vCalAddress, vText

from ..models import Event, EventStatus
from ..models.types import utcnow

PRODID = "-//Roadshow//Investment promotion events//ZH"


def base_url() -> str:
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    try:
        return request.host_url.rstrip("/")
    except RuntimeError:
        return "http://localhost"


def uid(event: Event) -> str:
    """Stable for the event's whole life, the same in every file and email whatever host served it.
    The creation time keeps ids of different installations (or a reset database) apart."""
    return f"event-{event.id}-{event.created_at:%Y%m%d%H%M%S}@roadshow"


def public_url(event: Event) -> str:
    return f"{base_url()}/e/{event.id}"


def vevent(event: Event, *, extra_description: str | None = None, stamp: datetime | None = None) -> VEvent:
    zone = ZoneInfo(event.timezone or "Asia/Shanghai")
    item = VEvent()
    item.add("uid", uid(event))
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
    organizer = vCalAddress(f"mailto:{current_app.config.get('MAIL_DEFAULT_SENDER') or 'roadshow@localhost'}")
    organizer.params["cn"] = vText(current_app.config.get("ORGANISER_NAME", "Roadshow"))
    item.add("organizer", organizer)
    item.add("status", "CANCELLED" if event.status is EventStatus.cancelled else "CONFIRMED")
    item.add("last-modified", event.updated_at or utcnow())
    return item


def calendar(events: list[Event], *, method: str | None = "PUBLISH", name: str | None = None,
             extra_description: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(vevent(event, extra_description=extra_description))
    cal.add_missing_timezones()
    return cal


def event_ics(event: Event, *, extra_description: str | None = None, method: str = "PUBLISH") -> bytes:
    """One event as an .ics file (CRLF line ends, folded at 75 octets, text escaped)."""
    return calendar([event], method=method, extra_description=extra_description).to_ical()


def attachment(event: Event, *, extra_description: str | None = None) -> dict:
    """The event as a mail attachment for services.mail.queue()."""
    return {"filename": "event.ics", "content_type": "text/calendar; method=PUBLISH; charset=UTF-8",
            "content": event_ics(event, extra_description=extra_description).decode("utf-8")}
