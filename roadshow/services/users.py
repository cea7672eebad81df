"""Users, passwords and API tokens."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApiToken, Role, User
from ..models.types import utcnow
from . import audit
from .errors import AuthenticationFailed, Conflict, Invalid
from .locks import start_writing

# Compared against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(email: str, password: str, role: str, *, name: str = "", actor: User | None = None) -> User:
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid({"role": [_("Unknown role %(role)s; choose one of %(roles)s.", role=role,
                                  roles=", ".join(r.value for r in Role))]}) from None
    if len(password) < 8:
        raise Invalid({"password": [_("The password must have at least 8 characters.")]})
    if find_by_email(email) is not None:
        raise Conflict(_("A user with the email %(email)s already exists.", email=normalise_email(email)))
    user = User(email=normalise_email(email), name=name, role=role_value)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, {"email": user.email, "role": role_value})
    return user


def authenticate(email: str, password: str) -> User:
    global _DUMMY_HASH
    user = find_by_email(email)
    if user is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = User(password_hash="")
            _DUMMY_HASH.set_password(secrets.token_hex(8))
        _DUMMY_HASH.check_password(password)
        raise AuthenticationFailed(_("Wrong email or password."))
    if not user.check_password(password) or not user.active:
        raise AuthenticationFailed(_("Wrong email or password."))
    return user


def issue_token(user: User, ttl: timedelta) -> tuple[str, ApiToken]:
    """Return the token (shown once) and its stored record."""
    token = secrets.token_urlsafe(32)
    record = ApiToken(user=user, token_hash=ApiToken.hash(token), expires_at=utcnow() + ttl)
    db.session.add(record)
    db.session.flush()
    audit.record(user, "token.issue", "api_token", record.id, {"expires_at": record.expires_at})
    return token, record


def token_for_password(email: str, password: str, ttl: timedelta) -> tuple[User, str, ApiToken]:
    """Sign in for a bearer token. The password hash (the slow part) is checked before the unit of work
    starts writing, so sign-ins never hold the write lock while hashing."""
    user = authenticate(email, password)
    start_writing()
    token, record = issue_token(user, ttl)
    return user, token, record


@cache
def _token_by_hash():
    # Built once: every API request resolves its token, and building the statement and its
    # loader option cost more than running it.
    return (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
            .options(joinedload(ApiToken.user, innerjoin=True)))


def resolve_token(token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token record for a bearer token, or None when unknown, expired or revoked."""
    if not token or len(token) > 200:
        return None
    record = db.session.scalar(_token_by_hash(), {"token_hash": ApiToken.hash(token)})
    now = now or utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    if not record.user.active:
        return None
    return record


def revoke_token(record: ApiToken, actor: User) -> None:
    record.revoked_at = utcnow()
    audit.record(actor, "token.revoke", "api_token", record.id)
