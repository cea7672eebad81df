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
Delivery is a job of several units of work (services/outbox.py, shared with the SMS outbox): claim a batch
of due messages, send each on the run's one SMTP connection (no transaction open while SMTP talks) and
record how its sending went; a run lasts at most MAIL_DELIVERY_RUN_SECONDS (25 s, less than the job's
period) and hands its job over again when mail is left.
Without MAIL_SERVER, mail is written to the log instead of sent.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_mailman import EmailMultiAlternatives, Mail
from sqlalchemy import and_, func, or_, select

from ..extensions import db
from ..jobs import Deliverer, enqueue_after_commit
from ..models import MailStatus, OutboxMessage
from ..models.types import utcnow
from . import outbox

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


def _email(message: OutboxMessage) -> EmailMultiAlternatives:
    config = current_app.config
    email = EmailMultiAlternatives(subject=message.subject, body=message.body_text,
                                   from_email=config["MAIL_DEFAULT_SENDER"], to=[message.to],
                                   headers={"Message-ID": message_id(message)})
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for item in message.attachments or []:
        email.attach(item["filename"], item["content"], item.get("content_type", "application/octet-stream"))
    return email


class Connection:
    """One SMTP connection for a whole delivery run, opened with the first message, closed at the end.

    A refused message (a recipient, the sender or the data refused: smtplib has reset the conversation)
    leaves the connection for the next one; any other error closes it, and the next message opens a new
    one. A reused connection that turns out dropped (the server's idle timeout, its limit of messages a
    connection: a disconnection or a 421) is opened again and the message tried once more on it."""

    def __init__(self) -> None:
        self._backend: Any = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception as exc:  # the server went away: nothing to close politely
                log.debug("closing the SMTP connection: %s", exc)

    def _open(self) -> Any:
        config = current_app.config
        # From the settings of now, always SMTP: Flask-Mailman would otherwise use what it read at start-up,
        # and silently keep mail in memory whenever the app runs with TESTING on.
        backend = mailman.get_connection(
            backend="smtp", host=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME") or "", password=config.get("MAIL_PASSWORD") or "",
            use_tls=bool(config.get("MAIL_USE_TLS")), use_ssl=bool(config.get("MAIL_USE_SSL")),
            timeout=config.get("MAIL_TIMEOUT", 30), fail_silently=False)
        backend.open()
        self._backend = backend
        return backend

    def __call__(self, message: OutboxMessage) -> None:
        import smtplib

        if not current_app.config.get("MAIL_SERVER"):
            log.info("mail (no MAIL_SERVER set) to=%s subject=%s\n%s", message.to, message.subject,
                     message.body_text)
            return
        email = _email(message)
        while True:
            reused = self._backend is not None
            backend = self._backend or self._open()
            try:
                backend.send_messages([email])  # open already: the backend leaves the connection open
                return
            except smtplib.SMTPRecipientsRefused:
                raise
            except Exception as exc:
                dropped = isinstance(exc, smtplib.SMTPServerDisconnected) or (
                    isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421) or (
                    isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException))
                if dropped or not isinstance(exc, smtplib.SMTPResponseException):
                    self.close()
                if not (dropped and reused):
                    raise
                log.info("SMTP connection dropped (%s); sending on a new one", exc)


def _failed(stored: OutboxMessage, error: Exception) -> None:
    stored.status = MailStatus.failed
    stored.next_attempt_at = utcnow() + backoff(stored.attempts)
    retry_for = timedelta(hours=_setting("MAIL_RETRY_FOR_HOURS", RETRY_FOR_HOURS))
    if _permanent(error) or utcnow() - stored.created_at >= retry_for:
        stored.gave_up_at = utcnow()  # failed for good: only `mail send-pending` tries again
    log.warning("mail %s to %s failed (attempt %s%s): %s", stored.id, stored.to, stored.attempts,
                ", for good" if stored.gave_up_at else "", error)


OUTBOX = outbox.Outbox("mail", "deliver_mail", OutboxMessage, MailStatus.pending, MailStatus.sent, log)


def deliver_pending(limit: int | None = None, *, retry_failed: bool = False,
                    until_done: bool = False) -> tuple[int, int]:
    """Send what is due, on one SMTP connection, for at most MAIL_DELIVERY_RUN_SECONDS (until_done: until
    nothing is due); when time runs out with mail left, the `deliver_mail` job is handed over again
    (services/outbox.py). Returns (sent, failed).

    retry_failed (the CLI, by hand): also retry failed messages now, without waiting for their
    back-off, and those that failed for good. A message being sent by another worker is
    `pending` while claimed, so it is not taken twice."""
    def due(now: Any) -> Any:
        due_now = and_(OutboxMessage.gave_up_at.is_(None), OutboxMessage.next_attempt_at <= now)
        return or_(due_now, OutboxMessage.status == MailStatus.failed) if retry_failed else due_now

    seconds = None if until_done else _setting("MAIL_DELIVERY_RUN_SECONDS", outbox.RUN_SECONDS)
    return outbox.deliver(OUTBOX, due=due, claim_for=timedelta(seconds=_setting("MAIL_CLAIM_SECONDS", CLAIM_SECONDS)),
                          sender=Connection(), failed=_failed, seconds=seconds, limit=limit,
                          batch=int(_setting("MAIL_DELIVERY_BATCH", outbox.BATCH)), claim_values={"gave_up_at": None})


def pending_count() -> int:
    """Messages not yet delivered, including those that failed for good."""
    return db.session.execute(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status != MailStatus.sent)).scalar_one()


# Without a broker the `deliver_mail` job runs on this thread (roadshow/jobs.py); the lambda looks the
# function up at each run.
deliverer = Deliverer("mail-outbox", lambda: deliver_pending(), log)


def init_app(app: Flask) -> None:
    mailman.init_app(app)
