"""Every mail the app sends, composed in one place: Chinese first, the English below.

A mail is a pair of templates, `templates/mail/<name>.txt.html` (plain text, autoescape off) and
`templates/mail/<name>.html` (an HTML fragment), each rendered once per language, and a subject. The
composer joins the two languages (text: a separator line; HTML: `mail/layout.html`, one `<div lang>` each)
and makes the subject one line — organisers' text (an event title) may hold line breaks, and a line break
in a header makes the message undeliverable.

This is the only module that renders mail templates. Services compose here and queue the result with
`services.mail.queue()` in their unit of work; links come from `roadshow.urls`.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from babel import Locale
from flask import render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .. import urls
from ..models import Attendee, Event, Interest, Invitation, Registration

# (Babel locale, HTML lang) in the order the mail shows them.
LANGUAGES = (("zh_CN", "zh-CN"), ("en", "en"))
TEXT_SEPARATOR = "———— English ————"

# Outbox kinds (OutboxMessage.kind) of the mails that are not registration mails.
EVENT_CANCELLED = "event_cancelled"
INVITATION = "invitation"
MEETING = "meeting"

RegistrationKind = Literal["confirmation", "promotion", "updated", "waitlisted", "pending", "rejected",
                           "cancelled"]
REGISTRATION_KINDS: tuple[RegistrationKind, ...] = get_args(RegistrationKind)


@dataclass(frozen=True)
class Message:
    """A composed mail: `mail.queue(to, m.subject, m.text, kind=m.kind, body_html=m.html, ...)`."""

    kind: str  # the outbox kind
    subject: str  # one line: "Chinese / English"
    text: str
    html: str


def one_line(value: str) -> str:
    """`value` safe for a mail header: each run of whitespace and control characters becomes one space."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)
    return " ".join(cleaned.split())


def compose(kind: str, template: str, subject: Callable[[], str], /, **context: Any) -> Message:
    """Render `mail/<template>.txt.html` and `mail/<template>.html` and the subject in each language.
    `subject` is called once per language, inside that language."""
    subjects: list[str] = []
    texts: list[str] = []
    parts: list[tuple[str, Markup]] = []
    for locale, lang in LANGUAGES:
        with force_locale(locale):
            subjects.append(one_line(subject()))
            texts.append(render_template(f"mail/{template}.txt.html", **context).strip())
            parts.append((lang, Markup(render_template(f"mail/{template}.html", **context).strip())))
    # Without a translation both are the same: say it once.
    line = " / ".join(dict.fromkeys(subjects))
    text = f"\n\n{TEXT_SEPARATOR}\n\n".join(texts) + "\n"
    html = render_template("mail/layout.html", subject=line, parts=parts)
    return Message(kind=kind, subject=line, text=text, html=html)


# --- the mails --------------------------------------------------------------------------------------

def _registration_subject(kind: RegistrationKind, title: str) -> str:
    if kind == "confirmation":
        return _("Registration confirmed: %(title)s", title=title)
    if kind == "promotion":
        return _("A seat is free — you are confirmed: %(title)s", title=title)
    if kind == "updated":
        return _("Your tickets, updated: %(title)s", title=title)
    if kind == "waitlisted":
        return _("You are on the waiting list: %(title)s", title=title)
    if kind == "pending":
        return _("Registration received, awaiting approval: %(title)s", title=title)
    if kind == "rejected":
        return _("Registration declined: %(title)s", title=title)
    if kind == "cancelled":
        return _("Registration cancelled: %(title)s", title=title)
    raise ValueError(f"unknown registration mail: {kind}")


def registration(kind: RegistrationKind, reg: Registration, attendees: Sequence[Attendee], *,
                 with_manage: bool) -> Message:
    """A registration's news (confirmed, promoted from the waitlist, tickets changed, waitlisted, awaiting
    approval, declined, cancelled) with the tickets of `attendees`; `with_manage` adds the manage link
    (the registrant's own mail, not an attendee's copy)."""
    if kind not in REGISTRATION_KINDS:
        raise ValueError(f"unknown registration mail: {kind}")
    event = reg.event
    # Changed tickets are a confirmation as far as the outbox (and the console's delivery state) goes.
    outbox_kind = "confirmation" if kind == "updated" else kind
    return compose(outbox_kind, "registration", lambda: _registration_subject(kind, event.title),
                   kind=kind, reg=reg, event=event, attendees=list(attendees),
                   manage_url=urls.manage(reg.manage_token) if with_manage else None,
                   ticket_urls=urls.ticket_images)


def event_cancelled(event: Event) -> Message:
    """To everyone registered: the event is cancelled (the cancelled calendar entry is the attachment)."""
    return compose(EVENT_CANCELLED, "event_cancelled",
                   lambda: _("Event cancelled: %(title)s", title=event.title), event=event)


def invitation(invite: Invitation) -> Message:
    """The invitation with the contact's personal link."""
    event = invite.event
    return compose(INVITATION, "invitation", lambda: _("Invitation: %(title)s", title=event.title),
                   invitation=invite, event=event, organisation=invite.organisation, contact=invite.contact,
                   url=urls.invitation(invite.token))


REMINDER = "reminder"
EVENT_CHANGED = "event_changed"


def manage_link(reg: Registration) -> str:
    return urls.manage(reg.manage_token)


def reminder(reg: Registration, attendees: Sequence[Attendee], *, with_manage: bool) -> Message:
    """Before the event: its time and place, the tickets of `attendees`; `with_manage` adds the page of all
    the registration's tickets and the manage link (the registrant's own mail, not an attendee's copy)."""
    event = reg.event
    manage = urls.manage(reg.manage_token) if with_manage else None
    return compose(REMINDER, "reminder", lambda: _("Reminder: %(title)s", title=event.title),
                   reg=reg, event=event, attendees=list(attendees), manage_url=manage,
                   ticket_page=f"{manage}/ticket" if manage else None, ticket_urls=urls.ticket_images)


def _shown(event: Event, field: str, value: Any) -> str:
    """A changed value as the mail shows it: times in the event's zone."""
    if value is None:
        return ""
    if field in ("starts_at", "ends_at"):
        from zoneinfo import ZoneInfo

        return value.astimezone(ZoneInfo(event.timezone or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    return str(value)


def event_changed(event: Event, changes: dict[str, dict[str, Any]], *, manage_url: str | None) -> Message:
    """To registrants: the event moved (time or place), each change old → new; the updated calendar copy is
    the attachment."""
    order = ("starts_at", "ends_at", "venue", "address")
    rows = [{"field": name, "old": _shown(event, name, changes[name]["from"]),
             "new": _shown(event, name, changes[name]["to"])} for name in order if name in changes]
    return compose(EVENT_CHANGED, "event_changed", lambda: _("Event changed: %(title)s", title=event.title),
                   event=event, changes=rows, manage_url=manage_url)

def meeting_summary(interest: Interest) -> str:
    """The meeting's one-line title (its calendar entry's SUMMARY), Chinese then English."""
    names: list[str] = []
    for locale, _lang in LANGUAGES:
        with force_locale(locale):
            names.append(_("Meeting about %(project)s", project=interest.project.name))
    return one_line(" / ".join(dict.fromkeys(names)))


def meeting(interest: Interest) -> Message:
    """To the guest: the 1:1 meeting about a pitched project is scheduled (the .ics is the attachment)."""
    event = interest.event
    return compose(MEETING, "meeting", lambda: _("Meeting scheduled: %(project)s", project=interest.project.name),
                   interest=interest, event=event, attendee=interest.attendee, project=interest.project,
                   organisation=interest.attendee.registration.organisation,
                   manage_url=urls.manage(interest.attendee.registration.manage_token))

BROADCAST = "broadcast"


def _first_language() -> bool:
    """True while the composer renders the first language (the organiser's own text is shown there once)."""
    return str(get_locale()) == str(Locale.parse(LANGUAGES[0][0]))


def broadcast(event: Event, subject: str, body: str, *, name: str, link: str, invited: bool) -> Message:
    """An organiser's message to one guest (services/broadcasts.py): their text, escaped in the HTML part,
    and the person's own link (manage page, or the invitation for an invitee who has not registered)."""
    return compose(BROADCAST, "broadcast", lambda: subject, event=event, body=body, name=name, link=link,
                   invited=invited, first_language=_first_language)
