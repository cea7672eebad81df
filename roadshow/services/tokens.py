"""Bearer tokens verified without a query: signed, and checked against an in-process revocation cache.

A token is `itsdangerous`-signed with `SECRET_KEY` (its own salt) and carries
`[token id, user id, role, session_version, issued at, expires at]`. Checking one costs an HMAC and a look
into this process's `RevocationCache`, which holds the active users (id → email, name, role,
session_version) and the ids of the revoked tokens that have not expired yet. The cache is reloaded (two
small queries) by the first request after it is `TOKEN_REVOCATION_SECONDS` old (5 s by default) — never per
request — so a revoked token, a deactivated or deleted user and an old role stop working in every process
within that time; the process that made the change reloads at once (after its commit). A signed token the
cache does not vouch for (its user, role or session version unknown to it: made after the load, maybe by another
process) is decided by the database (`users.resolve_token`), as the old tokens are.

Tokens of the old format (random strings without a signature, issued before this) are still accepted
through the database, as before, until they expire (at most `API_TOKEN_TTL_HOURS` after their issue).
"""
from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from flask import Flask, current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from ..extensions import db
from ..models import ApiToken, Role, User
from ..models.types import utcnow

_SALT = "roadshow.api-token"
_EXTENSION = "roadshow.token_cache"
CLAIMS_CACHED = 4096  # signed tokens whose checked claims each process keeps (`_claims_signed_with`)
CHANGED = "roadshow_tokens_changed"  # session.info: this unit of work revoked tokens or changed a user


@dataclass(frozen=True)
class TokenUser:
    """The user behind a signed token as the cache last saw them: what requests authorise and audit with
    (`permissions.can`, `audit.record`), without loading the row."""

    id: int
    email: str
    name: str
    role: Role
    session_version: int
    active: bool = True  # only active users are in the cache
    is_authenticated = True  # Flask-Login's interface, which permissions.can asks

    @property
    def is_active(self) -> bool:
        return self.active


@dataclass(frozen=True)
class Bearer:
    """A verified bearer token: its record's id, its user and when it expires."""

    token_id: int
    user: TokenUser | User
    expires_at: datetime


@dataclass(frozen=True)
class Snapshot:
    users: dict[int, TokenUser]
    revoked: frozenset[int]
    monotonic: float  # time.monotonic() just before the queries: whatever committed before is in it


_EMPTY = Snapshot({}, frozenset(), float("-inf"))


@cache
def _active_users():
    return select(User.id, User.email, User.name, User.role, User.session_version).where(User.active.is_(True))


@cache
def _revoked_tokens():
    # Revoked and not expired yet; or expired early (the record's expiry moved before the token's own, which
    # can only be one issued within the lifetime).
    now: BindParameter[datetime] = bindparam("now")
    return select(ApiToken.id).where(or_(
        and_(ApiToken.revoked_at.is_not(None), ApiToken.expires_at > now),
        and_(ApiToken.expires_at <= now, ApiToken.created_at > bindparam("since"))))


class RevocationCache:
    """One per app and process; threads share it. Reloads when older than `TOKEN_REVOCATION_SECONDS`."""

    def __init__(self) -> None:
        self._snapshot = _EMPTY
        self._lock = threading.Lock()
        self._generations = itertools.count(1)
        self._generation = 0  # raised by expire(): a load that started before it does not count as fresh

    def expire(self) -> None:
        """Reload before the next check (this process changed tokens or users, or the tests emptied tables)."""
        self._generation = next(self._generations)  # atomic, unlike += from two threads
        self._snapshot = _EMPTY

    def current(self, seconds: float) -> Snapshot:
        snapshot = self._snapshot
        if time.monotonic() - snapshot.monotonic < seconds:
            return snapshot
        with self._lock:
            snapshot = self._snapshot  # another thread may have reloaded while this one waited
            if time.monotonic() - snapshot.monotonic < seconds:
                return snapshot
            return self._load()

    def _load(self) -> Snapshot:
        generation, mono, now = self._generation, time.monotonic(), utcnow()
        since = now - timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
        users = {row.id: TokenUser(row.id, row.email, row.name, row.role, row.session_version)
                 for row in db.session.execute(_active_users())}
        revoked = frozenset(db.session.scalars(_revoked_tokens(), {"now": now, "since": since}))
        snapshot = Snapshot(users, revoked, mono)
        # Expired meanwhile (a commit in this process changed tokens): use it for this check, load again next.
        self._snapshot = snapshot if generation == self._generation else _EMPTY
        return snapshot


def cache_of(app: Flask) -> RevocationCache:
    found = app.extensions.get(_EXTENSION)
    if found is None:
        found = app.extensions.setdefault(_EXTENSION, RevocationCache())
    return found


@cache
def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256})


def _current_serializer() -> URLSafeSerializer:
    return _serializer(current_app.config["SECRET_KEY"])


def sign(record: ApiToken, user: User) -> str:
    """The bearer token of a flushed record (it needs the id)."""
    issued = int(time.time())
    expires = int(record.expires_at.timestamp())
    return str(_current_serializer().dumps([record.id, user.id, user.role.value, user.session_version or 0,
                                            issued, expires]))


def is_signed(token: str) -> bool:
    """Signed tokens have a dot between payload and signature; the old random ones never do."""
    return "." in token


def _claims(token: str) -> tuple[int, int, str, int, int, int] | None:
    return _claims_signed_with(current_app.config["SECRET_KEY"], token)


@lru_cache(maxsize=CLAIMS_CACHED)
def _claims_signed_with(secret_key: str, token: str) -> tuple[int, int, str, int, int, int] | None:
    # What a token says depends only on the token and the key, so a door device's token, sent with every scan,
    # is checked (an HMAC and a JSON decode) once per process; its expiry and the revocation cache are
    # looked at on every request (`verify`). Bounded, and forged tokens only push out the oldest entries.
    try:
        payload: Any = _serializer(secret_key).loads(token)
    except (BadData, ValueError, UnicodeError):
        return None
    if (not isinstance(payload, list) or len(payload) != 6 or not isinstance(payload[2], str)
            or not all(type(v) is int for i, v in enumerate(payload) if i != 2)):
        return None
    return payload[0], payload[1], payload[2], payload[3], payload[4], payload[5]


def authentic(token: str) -> bool:
    """Signed with this app's key and not expired (whatever the revocation cache says)."""
    claims = _claims(token)
    return claims is not None and claims[5] > time.time()


def verify(token: str) -> Bearer | None:
    """The bearer of a signed token, or None when its signature or expiry fail or this process's cache does not
    vouch for its user, role, session version or revocation (`users.resolve_token` then asks the database)."""
    claims = _claims(token)
    if claims is None:
        return None
    token_id, user_id, role, version, _issued, expires = claims
    if expires <= time.time():
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    snapshot = cache_of(app).current(app.config["TOKEN_REVOCATION_SECONDS"])
    user = snapshot.users.get(user_id)
    if (user is None or user.role.value != role or user.session_version != version
            or token_id in snapshot.revoked):
        return None
    return Bearer(token_id, user, datetime.fromtimestamp(expires, UTC))


def changed(session: Session) -> None:
    """Tokens were revoked or a user changed in this unit of work: this process reloads after the commit."""
    session.info[CHANGED] = True


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(CHANGED, False):
        return
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    cache_of(app).expire()


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(CHANGED, None)
