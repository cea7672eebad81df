"""Mail through an outbox.

`queue()` writes the message in the caller's transaction, so a mail exists exactly when the
change it reports was committed. After the commit the `deliver_mail` job is handed over
(roadshow/jobs.py: a Celery worker with JOBS_BROKER_URL, else a background thread of the same process), so
the request never waits for SMTP. A failed delivery keeps its error and is retried with a capped back-off
(`backoff`) by the periodic sweep, across restarts, until it is delivered — or, for good, until the server
refused it permanently (an SMTP 5xx reply) or it waited MAIL_RETRY_FOR_HOURS (five days, as Postfix's
queue lifetime); `flask --app app mail send-pending` retries those by hand. Several processes may
deliver at once: a message is claimed with a compare-and-set on `attempts` before it is sent; a claim
left by a worker that died expires after MAIL_CLAIM_SECONDS and the message is sent again (with the same
Message-ID, so a copy the server had accepted just before the death is recognisable).
Delivery is a job of several units of work: find what is due, claim one message, then (no
transaction open while SMTP talks) record how its sending went.
Without MAIL_SERVER, mail is written to the log instead of sent.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, cast

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail
from sqlalchemy import CursorResult, and_, func, or_, select, update

from ..extensions import db
from ..jobs import Deliverer, enqueue_after_commit
from ..models import MailStatus, OutboxMessage
from ..models.types import utcnow

log = logging.getLogger(__name__)
mailman = Mail()

# A claimed message is left alone this long by other workers (longer than an SMTP conversation can take).
CLAIM_SECONDS = 300
RETRY_BASE_SECONDS = 30  # the first retry; each next one waits twice as long …
RETRY_MAX_SECONDS = 900  # … up to this
RETRY_FOR_HOURS = 120  # transient failures are retried this long after the message was queued


# True inside `held()`: `queue()` writes nothing to the outbox.
_held: ContextVar[bool] = ContextVar("roadshow_mail_held", default=False)


@contextmanager
def held() -> Iterator[None]:
    """No mail leaves from the block: for a replay of the past (the demo scenario), whose mails went
    out when it happened. The services run as ever; only the outbox stays empty."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def _setting(name: str, default: float) -> float:
    value = current_app.config.get(name)
    return float(value) if value not in (None, "") else default


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 30 s, 1, 2, 4, 8 min, then every 15 min."""
    base = _setting("MAIL_RETRY_BASE_SECONDS", RETRY_BASE_SECONDS)
    cap = _setting("MAIL_RETRY_MAX_SECONDS", RETRY_MAX_SECONDS)
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 30), cap))


def _permanent(error: Exception) -> bool:
    """An SMTP 5xx answer: the server will refuse this message however often it is sent."""
    import smtplib

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(error, smtplib.SMTPResponseException) and isinstance(code, int) and 500 <= code < 600


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID at every attempt: a copy sent twice (a worker killed just after the server
    accepted it) is one message to the recipient's server and mail client."""
    sender = str(current_app.config.get("MAIL_DEFAULT_SENDER") or "roadshow@localhost")
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    return f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def queue(to: str, subject: str, body_text: str, *, kind: str, body_html: str | None = None,
          attachments: list[dict] | None = None, invitation_id: int | None = None,
          registration_id: int | None = None) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it is sent after commit.

    attachments: [{"filename": "event.ics", "content_type": "text/calendar; method=PUBLISH",
    "content": "<text>"}]

    Compose the message with services/messages.py: a subject with a line break could never be sent
    (BadHeaderError at delivery, after the commit), so it is refused here, in the caller's transaction.
    """
    if "\n" in subject or "\r" in subject:
        raise ValueError("a mail subject is one line (compose mail with services.messages)")
    message = OutboxMessage(to=to, subject=subject[:300], body_text=body_text, body_html=body_html,
                            attachments=attachments or [], kind=kind, invitation_id=invitation_id,
                            registration_id=registration_id)
    if _held.get():
        return message  # composed, never stored: nothing is sent
    db.session.add(message)
    enqueue_after_commit(db.session(), "deliver_mail")
    return message


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("mail (no MAIL_SERVER set) to=%s subject=%s\n%s", message.to, message.subject, message.body_text)
        return
    # A connection from the settings of now, always SMTP: Flask-Mailman would otherwise use what it read at
    # start-up, and silently keep mail in memory whenever the app runs with TESTING on.
    connection = mailman.get_connection(
        backend="smtp", host=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 25),
        username=config.get("MAIL_USERNAME") or "", password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=bool(config.get("MAIL_USE_SSL")),
        timeout=config.get("MAIL_TIMEOUT", 30), fail_silently=False)
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   from_email=config["MAIL_DEFAULT_SENDER"], to=[message.to], connection=connection,
                                   headers={"Message-ID": message_id(message)})
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments or []:
        email.attach(item["filename"], item["content"], item.get("content_type", "application/octet-stream"))
    # The backend closes a connection it opened only when the send succeeded: a refused message would leave
    # its socket open, one per failed attempt in a worker that retries for days. Close it in any case.
    with connection:
        email.send(fail_silently=False)


def deliver_pending(limit: int = 200, *, retry_failed: bool = False) -> tuple[int, int]:
    """Send what is due. Returns (sent, failed).

    retry_failed (the CLI, by hand): also retry failed messages now, without waiting for their
    back-off, and those that failed for good. A message being sent by another worker is
    `pending` while claimed, so it is not taken twice."""
    from ..uow import unit_of_work

    sent = failed = 0
    now = utcnow()
    claim_for = timedelta(seconds=_setting("MAIL_CLAIM_SECONDS", CLAIM_SECONDS))
    retry_for = timedelta(hours=_setting("MAIL_RETRY_FOR_HOURS", RETRY_FOR_HOURS))
    due_now = and_(OutboxMessage.gave_up_at.is_(None), OutboxMessage.next_attempt_at <= now)
    if retry_failed:
        due_now = or_(due_now, OutboxMessage.status == MailStatus.failed)
    with unit_of_work(write=False):
        due = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts)
            .where(OutboxMessage.status != MailStatus.sent, due_now)
            .order_by(OutboxMessage.id).limit(limit)).all()
    for message_id, attempts in due:
        with unit_of_work(write=True):
            claimed = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.attempts == attempts,
                       OutboxMessage.status != MailStatus.sent)
                .values(attempts=attempts + 1, next_attempt_at=utcnow() + claim_for, status=MailStatus.pending,
                        gave_up_at=None))
            # An UPDATE's result is a CursorResult (with a rowcount); Session.execute is annotated as Result.
            won = cast(CursorResult[Any], claimed).rowcount == 1
            message = db.session.get(OutboxMessage, message_id) if won else None
            if message is not None:
                db.session.expunge(message)
        if message is None:
            continue  # another worker has it
        # No transaction stays open while SMTP talks: on SQLite a read held across the send would make the
        # status write below fail after another writer commits, and the mail would go out twice.
        error = None
        try:
            _send(message)
        except Exception as exc:  # SMTP down, refused, timeout …: keep it and retry later
            error = exc
        with unit_of_work(write=True):
            stored = db.session.get(OutboxMessage, message_id)
            if stored is None:  # erased meanwhile (services/privacy.py): nothing left to record
                continue
            if error is not None:
                stored.status = MailStatus.failed
                stored.last_error = f"{type(error).__name__}: {error}"[:2000]
                stored.next_attempt_at = utcnow() + backoff(stored.attempts)
                if _permanent(error) or utcnow() - stored.created_at >= retry_for:
                    stored.gave_up_at = utcnow()  # failed for good: only `mail send-pending` tries again
                failed += 1
                log.warning("mail %s to %s failed (attempt %s%s): %s", stored.id, stored.to, stored.attempts,
                            ", for good" if stored.gave_up_at else "", error)
            else:
                stored.status = MailStatus.sent
                stored.sent_at = utcnow()
                stored.last_error = None
                sent += 1
    return sent, failed


def pending_count() -> int:
    """Messages not yet delivered, including those that failed for good."""
    return db.session.execute(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status != MailStatus.sent)).scalar_one()


# Without a broker the `deliver_mail` job runs on this thread (roadshow/jobs.py); the lambda looks the
# function up at each run.
deliverer = Deliverer("mail-outbox", lambda: deliver_pending(), log)


def init_app(app: Flask) -> None:
    mailman.init_app(app)
