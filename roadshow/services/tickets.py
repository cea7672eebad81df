"""Ticket codes.

A code is 26 characters of RFC 4648 base32 (A–Z, 2–7: QR "alphanumeric" mode, so the symbol
stays small and scans fast from a phone screen). It encodes 16 bytes: 10 random bytes (the
ticket's id, 80 bits from `secrets`) followed by the first 6 bytes of HMAC-SHA256(SECRET_KEY,
id). Nobody can guess a code (128 unknown bits) or make one up (the MAC needs the key), and a
forged or garbled code is refused by a constant-time MAC comparison before the database is
asked. The code is stored on the attendee (unique index) and looked up there.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Attendee, Registration, RegistrationStatus

_ID_BYTES = 10
_MAC_BYTES = 6
CODE_LENGTH = 26  # base32 of 16 bytes, padding stripped


def _mac(ticket_id: bytes) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"ticket:" + ticket_id, hashlib.sha256).digest()[:_MAC_BYTES]


def new_code() -> str:
    ticket_id = secrets.token_bytes(_ID_BYTES)
    return base64.b32encode(ticket_id + _mac(ticket_id)).decode().rstrip("=")


def is_authentic(code: object) -> bool:
    """True when `code` is a well-formed code signed with this installation's key."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH or not code.isascii():
        return False
    try:
        raw = base64.b32decode(code.upper() + "======", casefold=False)
    except (binascii.Error, ValueError):
        return False
    ticket_id, mac = raw[:_ID_BYTES], raw[_ID_BYTES:]
    return hmac.compare_digest(mac, _mac(ticket_id))


def normalise(code: str) -> str:
    return code.strip().upper() if isinstance(code, str) else ""


@cache
def _by_code(with_organisation: bool):
    # Built once: a scan at the door should not pay for building the statement and its loader
    # options every time (most of a lookup's Python time).
    stmt = select(Attendee).where(Attendee.ticket_code == bindparam("code"))
    if with_organisation:
        stmt = stmt.options(joinedload(Attendee.registration, innerjoin=True)
                            .joinedload(Registration.organisation, innerjoin=True))
    return stmt


def authentic_code(code: object) -> str | None:
    """The code as stored (normalised) when it is authentic; None for a malformed or forged one,
    which no query needs to look for."""
    code = normalise(code) if isinstance(code, str) else ""
    return code if is_authentic(code) else None


def find_attendee(code: object, with_organisation: bool = False) -> Attendee | None:
    """The attendee holding this ticket, or None for an unknown, malformed or forged code;
    `with_organisation` loads the registration and its organisation in the same query."""
    stored = authentic_code(code)
    if stored is None:
        return None
    return db.session.scalar(_by_code(with_organisation), {"code": stored})


def assign(registration: Registration) -> None:
    """Give every attendee of a confirmed registration a code (idempotent)."""
    if registration.status is not RegistrationStatus.confirmed:
        return
    for attendee in registration.attendees:
        if attendee.ticket_code is None:
            attendee.ticket_code = new_code()
