"""Messages by status (compose with a preview and a count, send), short links, and the event's poster."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import urls
from ..forms.messages import MessageForm
from ..models import EventStatus
from ..permissions import P, can, current_actor, require
from ..ratelimits import token_guess_limit
from ..services import broadcasts, calendar, poster, sms
from ..services import events as event_service
from ..services.errors import Invalid, NotFound
from ..uow import atomic

bp = Blueprint("messages", __name__)


@bp.app_template_global("poster_url")
def poster_url(event_id: int) -> str:
    return urls.poster(event_id)


@bp.app_template_global("event_page_url")
def event_page_url(event_id: int) -> str:
    return urls.event_page(event_id)


def _put_errors_on(form: MessageForm, exc: Invalid) -> None:
    for name, messages in exc.errors.items():
        target = getattr(form, name if name != "channels" else "sms", None)
        if target is not None:
            target.errors = list(target.errors) + list(messages)


@bp.route("/events/<int:event_id>/messages/new", methods=["GET", "POST"])
@require(P.manage_events)
def compose(event_id: int):
    """The compose page: Preview shows the message as the first recipient gets it and the count; Send
    queues it to everyone."""
    event = event_service.get_event(event_id)
    form = MessageForm()
    preview = None
    if form.validate_on_submit():
        fields = dict(subject=form.subject.data, body=form.body.data, to=form.to.data, channels=form.channels())
        try:
            if form.send.data:
                with atomic():
                    count = broadcasts.send_broadcast(event, current_actor(), **fields)
            else:
                preview = broadcasts.preview_broadcast(event, **fields)
        except Invalid as exc:
            _put_errors_on(form, exc)
        else:
            if form.send.data:
                flash(_("The message is being sent to %(n)d people.", n=count) if count
                      else _("Nobody matches; no message was sent."), "success" if count else "warning")
                return redirect(url_for("events.detail", event_id=event.id) + "#messages")
    return render_template("events/message.html", event=event, form=form, preview=preview)


@bp.get("/s/<code>")
@token_guess_limit
def short_link(code: str):
    """A personal link's short form (in SMS)."""
    target = sms.resolve_short_link(code)
    if target is None:
        raise NotFound(_("This link does not exist."))
    return redirect(urls.absolute(target), code=302)


@bp.get("/events/<int:event_id>/poster.png")
def poster_png(event_id: int):
    """The shareable poster: anyone for a public event (it is the page's og:image), organisers for a draft."""
    event = event_service.get_event(event_id)
    public = calendar.is_visible(event) and event.status is EventStatus.published
    if not public and not can(current_user, P.read_events):
        raise NotFound(_("This event does not exist."))
    response = Response(poster.render(event), mimetype="image/png")
    response.headers["Content-Disposition"] = f'inline; filename="event-{event.id}-poster.png"'
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response
