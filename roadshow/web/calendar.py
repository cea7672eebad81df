"""iCalendar files and the feed.

Public by design, like the public event page: a published event's file and the feed show only what the
public page shows; a registrant's copy is found by their unguessable manage token.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from ..ratelimits import token_guess_limit
from ..services import calendar
from ..services import registration as registration_service

bp = Blueprint("calendar", __name__)

ICS = "text/calendar; charset=utf-8"
FEED_MAX_AGE = 300  # seconds: calendar apps poll every few minutes at most, and the 304 is cheap


def _ics(body: bytes, filename: str, *, cache: str, disposition: str = "attachment") -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = ICS
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = cache
    return response


@bp.app_template_global("calendar_links")
def calendar_links(event, registrant_token: str | None = None) -> dict:
    """Links for templates/calendar/_add_to_calendar.html."""
    from flask import url_for

    if registrant_token:
        ics = url_for("calendar.registrant_ics", token=registrant_token)
    else:
        ics = url_for("calendar.event_ics", event_id=event.id)
    return {"ics": ics, "webcal": calendar.webcal_url(), "feed": calendar.feed_url()}


@bp.get("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    event = calendar.visible_event(event_id)
    if event is None:
        abort(404)
    # no-cache: a browser checks back every time (cheaply, by ETag), so an organiser never gets an old copy.
    response = _ics(calendar.event_ics(event), f"roadshow-event-{event.id}.ics", cache="public, no-cache")
    response.set_etag(calendar.event_validator(event), weak=True)
    response.last_modified = event.updated_at
    return response.make_conditional(request)


@bp.get("/calendar.ics")
def feed():
    industry = (request.args.get("industry") or "").strip() or None
    etag, last_modified = calendar.feed_validator(industry)
    # Weak: each copy carries its own DTSTAMP, so two copies of one state are equivalent, not identical.
    response = Response(status=200)
    response.set_etag(etag, weak=True)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    response.headers["Vary"] = "Host"
    response.make_conditional(request)
    if response.status_code == 304:
        return response  # answered from the validator alone: no event loaded, nothing built
    body = _ics(calendar.feed_ics(industry), "roadshow.ics", cache=f"public, max-age={FEED_MAX_AGE}",
                disposition="inline")
    body.headers["ETag"] = response.headers["ETag"]
    if last_modified is not None:
        body.last_modified = last_modified
    body.headers["Vary"] = "Host"
    return body


@bp.get("/m/<token>/event.ics")
@token_guess_limit
def registrant_ics(token: str):
    registration = registration_service.by_manage_token(token)
    if not calendar.is_visible(registration.event):
        abort(404)
    response = _ics(calendar.registrant_ics(registration), f"roadshow-event-{registration.event_id}.ics",
                    cache="private, no-cache")
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/events/<int:event_id>/calendar")
def add(event_id: int):
    """A small public page offering the event to calendars (the same block other pages include)."""
    event = calendar.visible_event(event_id)
    if event is None:
        abort(404)
    return render_template("calendar/add.html", event=event)
