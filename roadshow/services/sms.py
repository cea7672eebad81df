"""SMS through an outbox and an HTTP gateway, shaped like the mail outbox (services/mail.py).

`queue()` writes the SMS in the caller's transaction; after the commit a thread of the same process
delivers it. `deliver_pending()` is the job, the mail outbox's loop (services/outbox.py): claim what is due in
batches (several workers may run it at once), send each with no transaction open, record the outcome.
A failed send keeps its error and is retried with back-off until MAX_ATTEMPTS.

The gateway (`SMS_GATEWAY_URL`, the usual set-up of a government SMS platform) takes a POST of JSON
`{"phone", "text"}`, with `Authorization: Bearer <SMS_GATEWAY_TOKEN>` when that is set; any 2xx answer
is a delivery. Without `SMS_GATEWAY_URL` the SMS is written to the log instead.

Short links (`/s/<code>`, 96 random bits) stand for a person's own link in an SMS; `queue_ticket` sends a
confirmed registrant of an event with `sms_ticket` on the short link of their ticket and manage page, in one
segment, in the unit of work of the confirmation (registration.py calls it where the confirmation mail is
queued, also for a promotion from the waitlist).

Length (decided here): a text of only GSM-7 characters takes 160 characters in one segment, 153 a
segment when concatenated; a text with any other character (Chinese) 70 in one segment, 67 a segment
when concatenated. A message may take at most MAX_SEGMENTS segments (201 Chinese characters), the
person's short link included; `queue()` refuses a longer text.
"""
from __future__ import annotations

import json
import logging
import secrets
from contextlib import nullcontext
from datetime import timedelta
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, select

from .. import urls
from ..extensions import db
from ..jobs import Deliverer, enqueue_after_commit
from ..models import Registration, RegistrationStatus, ShortLink, SmsMessage, SmsStatus
from ..models.types import utcnow
from . import outbox, values
from .mail import backoff
from .messages import LANGUAGES, one_line

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)
MAX_SEGMENTS = 3
TIMEOUT_SECONDS = 10
SHORT_CODE_BYTES = 12  # 96 random bits, 16 characters
TICKET = "ticket"  # the outbox kind of the ticket link

_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
            "¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM7_EXTENDED = set("^{}\\[~]|€")  # two septets each


def segments(text: str) -> int:
    """How many SMS segments `text` takes (0 for an empty text)."""
    if not text:
        return 0
    if all(c in _GSM7 or c in _GSM7_EXTENDED for c in text):
        septets = len(text) + sum(1 for c in text if c in _GSM7_EXTENDED)
        return 1 if septets <= 160 else -(-septets // 153)
    # UCS-2: characters outside the BMP (emoji) take two code units.
    units = sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    return 1 if units <= 70 else -(-units // 67)


def fits(text: str) -> bool:
    return 0 < segments(text) <= MAX_SEGMENTS


def queue(phone: str, text: str, *, kind: str) -> SmsMessage:
    """Add an SMS to the outbox in the current transaction; it is sent after commit."""
    if not fits(text):
        raise ValueError(f"an SMS takes at most {MAX_SEGMENTS} segments")
    message = SmsMessage(phone=phone, text=text, kind=kind)
    db.session.add(message)
    enqueue_after_commit(db.session(), "deliver_sms")
    return message


def short_url(code: str) -> str:
    return urls.absolute(f"/s/{code}")


def sample_link() -> str:
    """A short link as long as a real one, for counting lengths."""
    return short_url("x" * len(secrets.token_urlsafe(SHORT_CODE_BYTES)))


def short_link(path: str) -> str:
    """The short address of `path` (one a target, made on first use, in the caller's transaction)."""
    code = db.session.execute(select(ShortLink.code).where(ShortLink.target == path)).scalar_one_or_none()
    if code is None:
        code = secrets.token_urlsafe(SHORT_CODE_BYTES)
        db.session.add(ShortLink(code=code, target=path))
        db.session.flush()
    return short_url(code)


def resolve_short_link(code: str) -> str | None:
    """The path a short code stands for, or None."""
    if len(code) > 24:
        return None
    return db.session.execute(select(ShortLink.target).where(ShortLink.code == code)).scalar_one_or_none()


def ticket_text(title: str, link: str) -> str:
    """The ticket SMS: the event's title and the link, in one segment (70 Chinese characters, the link
    included); a title too long for it is shortened with "…", and left out when the link leaves no room (a
    link that alone takes more than a segment, from a very long site address, makes a longer SMS).
    Chinese: the app keeps no registrant's language, and Chinese is the first one."""
    title = one_line(title)
    with force_locale(LANGUAGES[0][0]):
        for end in range(len(title), 0, -1):
            shown = title if end == len(title) else title[:end].rstrip() + "…"
            text = _("Ticket for %(title)s: %(link)s", title=shown, link=link)
            if segments(text) == 1:
                return text
        return _("Your ticket: %(link)s", link=link)


def ticket_phone(registration: Registration) -> str | None:
    """Where the ticket SMS goes: the invitation contact's mobile, else the first attendee's with one (the
    person the confirmation mail with the manage link is for); None without a mainland mobile number."""
    contact = registration.invitation.contact if registration.invitation is not None else None
    phones = [contact.phone if contact is not None else None,
              *(a.phone for a in sorted(registration.attendees, key=lambda a: a.position) if a.erased_at is None)]
    return next((phone for phone in phones if values.is_mainland_mobile(phone)), None)


def queue_ticket(registration: Registration) -> SmsMessage | None:
    """When the event sends tickets by SMS and the registration is confirmed: queue the short link of its
    ticket and manage page to the registrant's mobile, in the caller's transaction. Nothing without one.
    Call once, when the registration becomes confirmed (it is confirmed once: at most one SMS)."""
    if not registration.event.sms_ticket or registration.status is not RegistrationStatus.confirmed:
        return None
    phone = ticket_phone(registration)
    if phone is None:
        return None
    link = short_link(f"/m/{registration.manage_token}")
    return queue(phone, ticket_text(registration.event.title, link), kind=TICKET)


class GatewayError(Exception):
    pass


def _send(message: SmsMessage) -> None:
    config = current_app.config
    url = config.get("SMS_GATEWAY_URL")
    if not url:
        log.info("sms (no SMS_GATEWAY_URL set) to=%s\n%s", message.phone, message.text)
        return
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if config.get("SMS_GATEWAY_TOKEN"):
        headers["Authorization"] = f"Bearer {config['SMS_GATEWAY_TOKEN']}"
    body = json.dumps({"phone": message.phone, "text": message.text}, ensure_ascii=False).encode()
    call = Request(url, data=body, headers=headers, method="POST")
    try:
        with urlopen(call, timeout=config.get("SMS_TIMEOUT", TIMEOUT_SECONDS)) as answer:
            answer.read(4096)
    except HTTPError as exc:
        exc.close()  # the error holds the answer's socket
        raise GatewayError(f"gateway answered {exc.code}") from None


def _failed(stored: SmsMessage, error: Exception) -> None:
    stored.status = SmsStatus.failed
    stored.next_attempt_at = utcnow() + backoff(stored.attempts)
    log.warning("sms %s failed (attempt %s): %s", stored.id, stored.attempts, error)


OUTBOX = outbox.Outbox("sms", "deliver_sms", SmsMessage, SmsStatus.pending, SmsStatus.sent, log)


def deliver_pending(limit: int | None = None) -> tuple[int, int]:
    """Send what is due, for at most MAIL_DELIVERY_RUN_SECONDS. Returns (sent, failed). The loop of
    services/outbox.py, as the mail outbox's."""
    seconds = current_app.config.get("MAIL_DELIVERY_RUN_SECONDS") or outbox.RUN_SECONDS
    return outbox.deliver(
        OUTBOX, due=lambda now: and_(SmsMessage.attempts < MAX_ATTEMPTS, SmsMessage.next_attempt_at <= now),
        claim_for=CLAIM_FOR, sender=nullcontext(_send), failed=_failed, seconds=float(seconds), limit=limit)


# Without a broker the `deliver_sms` job runs on this thread (roadshow/jobs.py).
deliverer = Deliverer("sms-outbox", lambda: deliver_pending(), log)
