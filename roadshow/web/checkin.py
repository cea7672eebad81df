"""Tickets' QR images, the door page, badges and the organiser's live check-in view.

The door page's script talks to the session-authenticated JSON endpoints below (CSRF token in a
header); they call the same service as the API, which needs bearer tokens."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, jsonify, make_response, render_template, request, url_for
from flask_login import current_user
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import CSP, static_files
from ..api.checkins import BatchScanIn, ScanIn, echo, scan_of, walk_in_dict
from ..extensions import db
from ..models import Attendee, Event, EventStatus, OrgKind, Registration, RegistrationStatus
from ..models.types import utcnow
from ..permissions import P, require
from ..ratelimits import token_guess_limit
from ..services import checkin as service
from ..services import qr, tickets, walk_ins
from ..services import registration as registration_service
from ..services.errors import DomainError
from ..services.events import get_event
from ..uow import reads_then_writes

bp = Blueprint("checkin", __name__)

ONE_YEAR = 365 * 24 * 3600
# qr-scanner decodes in a Web Worker it builds from a blob: URL; the door page allows exactly that.
DOOR_CSP = CSP.replace("worker-src 'self'", "worker-src 'self' blob:")
SERVICE_WORKER = Path(__file__).resolve().parent.parent.parent / "static" / "js" / "door-sw.js"
# What the door page loads (base.html's icon, stylesheets and scripts, door.html's, and the QR scanner it
# imports): the service worker precaches these at their versioned URLs. tests/checkin keep the two in step.
DOOR_SHELL = ("favicon.svg", "vendor/bootstrap/bootstrap.min.css", "css/app.css", "css/checkin.css",
              "vendor/bootstrap/bootstrap.bundle.min.js", "js/door.js", "vendor/qr-scanner/qr-scanner.min.js",
              "vendor/qr-scanner/qr-scanner-worker.min.js")


# --- QR images --------------------------------------------------------------------------------

def _ticket_image(code: str, mimetype: str, render) -> Response:
    attendee = tickets.find_attendee(code)
    if attendee is None or attendee.ticket_code != code:
        abort(404)
    response = Response(render(code), mimetype=mimetype)
    # A code's image never changes: cache for a year; the ETag lets a client revalidate cheaply.
    response.set_etag(hashlib.sha256(f"{qr.RENDER_VERSION}:{mimetype}:{code}".encode()).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response.make_conditional(request)


@bp.get("/tickets/<code>.png")
def ticket_png(code: str):
    return _ticket_image(code, "image/png", qr.png)


@bp.get("/tickets/<code>.svg")
def ticket_svg(code: str):
    return _ticket_image(code, "image/svg+xml", qr.svg)


# --- the door page ----------------------------------------------------------------------------

@bp.get("/door/")
@require(P.check_in)
def door_index():
    """Pick the event to check in for: published events not yet over, then recent ones."""
    now = utcnow()
    events = db.session.scalars(select(Event).where(Event.status == EventStatus.published)
                                .order_by(Event.starts_at.desc()).limit(50)).all()
    upcoming = sorted([e for e in events if e.ends_at >= now], key=lambda e: e.starts_at)
    past = [e for e in events if e.ends_at < now][:10]
    return render_template("checkin/door_index.html", upcoming=upcoming, past=past)


@bp.get("/door/<int:event_id>")
@require(P.check_in)
def door(event_id: int):
    event = get_event(event_id)
    counts = service.counts(event)
    response = Response(render_template("checkin/door.html", event=event, counts=counts, kinds=list(OrgKind),
                                        seats_left=registration_service.seats_left(event)))
    response.headers["Content-Security-Policy"] = DOOR_CSP
    # The service worker keeps its own copy for offline reloads; the network copy is always fresh.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/door/sw.js")
def door_service_worker():
    """The door page's service worker, served under /door/ so its scope covers the door pages, with the
    versioned URLs of the shell it precaches."""
    shell = json.dumps([url_for("static", filename=name) for name in DOOR_SHELL])
    script = SERVICE_WORKER.read_text(encoding="utf-8").replace("const SHELL = [];", f"const SHELL = {shell};", 1)
    response = Response(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/door/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _when(value: datetime | None, event: Event) -> str:
    return value.astimezone(ZoneInfo(event.timezone or "Asia/Shanghai")).strftime("%m-%d %H:%M:%S") if value else ""


def _door_answer(answer: service.ScanResult, event: Event) -> dict:
    body = answer.as_dict()
    if answer.checkin is not None:
        body["time_display"] = _when(answer.checkin.scanned_at, event)
    if "attendee" in body:
        from ..labels import ORG_KIND

        body["kind_label"] = str(ORG_KIND[OrgKind(body["attendee"]["kind"])])
    return body


class DoorBatchScan(BatchScanIn):
    id: int | str | None = Field(None, description="the door's own queue id, echoed back")


class DoorBatchIn(BaseModel):
    scans: list[DoorBatchScan] = Field(max_length=service.BATCH_MAX)


M = TypeVar("M", bound=BaseModel)


def _parsed(model: type[M]) -> M:
    """The body, validated with the API's own request models (a scan without a time zone is refused
    here as there, so the same offline scan wins on both); a 400 the door page shows as an error."""
    try:
        return model.model_validate(request.get_json(silent=True))
    except ValidationError as exc:
        abort(make_response(jsonify({"errors": exc.errors(include_url=False, include_context=False,
                                                           include_input=False)}), 400))


def _counts_dict(event: Event) -> dict:
    counts = service.counts(event)
    return {"checked_in": counts.checked_in, "registered": counts.registered}


@bp.post("/door/<int:event_id>/scan")
@reads_then_writes  # the scan takes the write lock only for its deciding insert (services/checkin.py)
@require(P.check_in)
def door_scan(event_id: int):
    event = get_event(event_id)
    scan = _parsed(ScanIn)
    actor = current_user._get_current_object()
    if scan.attendee_id is not None:  # one tap on a look-up result
        answer = service.check_in_attendee(event_id, scan.attendee_id, scan.device, scan.scanned_at, actor)
    else:
        answer = service.check_in(event_id, scan.code, scan.device, scan.scanned_at, actor)
    return jsonify({**_door_answer(answer, event), "counts": _counts_dict(event)}), answer.status


@bp.post("/door/<int:event_id>/sync")
@require(P.check_in)
def door_sync(event_id: int):
    """The scans queued while offline, as one batch."""
    event = get_event(event_id)
    batch = _parsed(DoorBatchIn)
    answers = service.check_in_batch(event_id, [scan_of(s) for s in batch.scans], current_user._get_current_object())
    results = [{**echo(scan), "queue_id": scan.id, **_door_answer(answer, event)}
               for scan, answer in zip(batch.scans, answers)]
    return jsonify({"results": results, "counts": _counts_dict(event)})


@bp.get("/door/<int:event_id>/counts")
@require(P.check_in)
def door_counts(event_id: int):
    return jsonify(_counts_dict(get_event(event_id)))


def _error(exc: DomainError):
    """A refusal the door page shows: its detail, and field errors beside the walk-in form's fields."""
    return jsonify({"detail": exc.detail, "errors": getattr(exc, "errors", None), **exc.extra}), exc.status


@bp.get("/door/<int:event_id>/lookup")
@require(P.check_in)
def door_lookup(event_id: int):
    """The look-up box: guests by a name fragment or the phone's last four digits (tails only)."""
    try:
        found, more = service.lookup(event_id, request.args.get("q", ""))
    except DomainError as exc:
        return _error(exc)
    return jsonify({"items": [f.as_dict() for f in found], "more": more})


@bp.get("/door/<int:event_id>/roster")
@require(P.check_in)
def door_roster(event_id: int):
    """What the door page keeps to answer look-ups offline: every confirmed guest's name, organisation,
    phone tail and whether they are in — never a whole phone number. Not stored by shared caches.
    Gzipped (3.3 MB → 0.25 MB at 20,000 guests): it holds no secret (no token, no session) and reflects
    nothing of the request, so compression leaks nothing (static_files.gzipped)."""
    event = get_event(event_id)
    response = jsonify({"items": [f.as_dict() for f in service.roster(event)], "at": utcnow().isoformat()})
    response.headers["Cache-Control"] = "private, no-cache"
    return static_files.gzipped(response)


@bp.post("/door/<int:event_id>/walk-in")
@require(P.check_in)
def door_walk_in(event_id: int):
    """The walk-in form: register and admit on the spot. Values are checked by the registration
    service's cleaners, so errors come back keyed by field (`attendees.0.phone`), in the user's language."""
    event = get_event(event_id)
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    organisation = body.get("organisation") if isinstance(body.get("organisation"), dict) else {}
    attendees = [a for a in body.get("attendees") or [] if isinstance(a, dict)] \
        if isinstance(body.get("attendees"), list) else []
    try:
        result = walk_ins.walk_in(
            event_id, organisation={k: organisation.get(k) for k in ("name", "kind")},
            attendees=[{k: a.get(k) for k in ("name", "phone")} for a in attendees],
            consent=body.get("consent") is True, device=str(body.get("device") or "")[:service.DEVICE_MAX],
            actor=current_user._get_current_object(), idempotency_key=body.get("key"))
    except DomainError as exc:
        return _error(exc)
    return jsonify({**walk_in_dict(result), "counts": _counts_dict(event),
                    "seats_left": registration_service.seats_left(event),
                    "time_display": _when(result.checkins[0].scanned_at, event)}), 201


# --- organisers: live view and badges ---------------------------------------------------------

@bp.get("/events/<int:event_id>/checkins")
@require(P.check_in)
def live(event_id: int):
    """Counts by kind and the latest scans; live.js reloads the #live part every few seconds."""
    event = get_event(event_id)
    context = dict(event=event, counts=service.counts(event), recent=service.recent(event, 30))
    if request.args.get("partial") == "1":
        return render_template("checkin/_live_body.html", **context)
    return render_template("checkin/live.html", **context)


@bp.get("/events/<int:event_id>/badges")
@require(P.manage_events)
def badges(event_id: int):
    """A printable badge per confirmed attendee: name, organisation, QR. A4 with four, or A6."""
    event = get_event(event_id)
    size = "a6" if request.args.get("size") == "a6" else "a4"
    attendees = db.session.scalars(
        select(Attendee).join(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed,
               Attendee.ticket_code.is_not(None), Attendee.erased_at.is_(None))
        .order_by(Registration.id, Attendee.position)
        .options(selectinload(Attendee.registration).selectinload(Registration.organisation))).all()
    return render_template("checkin/badges.html", event=event, attendees=attendees, size=size)


@bp.get("/m/<token>/ticket")
@token_guess_limit
def ticket_print(token: str):
    """The registrant's printable ticket(s), reached from the manage page's link."""
    registration = registration_service.by_manage_token(token)
    return render_template("checkin/ticket.html", registration=registration, event=registration.event,
                           confirmed=registration.status is RegistrationStatus.confirmed)
