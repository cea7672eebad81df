"""Users, passwords and API tokens."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, bindparam, func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApiToken, Role, User
from ..models.types import utcnow
from . import audit, tokens
from .errors import AuthenticationFailed, Conflict, Invalid
from .locks import start_writing
from .tokens import Bearer, TokenUser

# Compared against when the email is unknown, so a login takes as long either way.
_DUMMY_HASH = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Invalid({"role": [_("Unknown role %(role)s; choose one of %(roles)s.", role=role,
                                  roles=", ".join(r.value for r in Role))]}) from None


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise Invalid({"password": [_("The password must have at least 8 characters.")]})


def create_user(email: str, password: str, role: str, *, name: str = "", actor: User | None = None) -> User:
    role_value = _role(role)
    _check_password(password)
    if find_by_email(email) is not None:
        raise Conflict(_("A user with the email %(email)s already exists.", email=normalise_email(email)))
    user = User(email=normalise_email(email), name=name, role=role_value)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, {"email": user.email, "role": role_value})
    return user


def update_user(user: User, actor: User | None, *, role: str | None = None, name: str | None = None,
                active: bool | None = None, password: str | None = None) -> User:
    """Change a user's role, name, active flag or password (None leaves a field as it is). A new password,
    a new role or a deactivation ends every session, remember-me cookie and API token of the user: whoever
    held them signs in again, with the new password and under the new role."""
    fields: dict[str, object] = {}
    if role is not None:
        fields["role"] = _role(role)
    if name is not None:
        fields["name"] = name
    if active is not None:
        fields["active"] = active
    changes: dict[str, object] = dict(audit.diff(user, fields))
    if password:
        _check_password(password)
        user.set_password(password)
        changes["password_changed"] = True
    if changes.keys() & {"role", "active", "password_changed"}:
        changes["tokens_revoked"] = end_sessions(user)
    if changes:
        db.session.flush()
        tokens.changed(db.session())  # the tokens' cache holds names and roles: reload after the commit
        audit.record(actor, "user.update", "user", user.id, changes)
    return user


def end_sessions(user: User) -> int:
    """Sign the user out everywhere: sessions and remember cookies carry `session_version` (checked by the
    user loader), API tokens are revoked. Returns how many live tokens were revoked."""
    user.session_version = (user.session_version or 0) + 1
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session="fetch"))
    tokens.changed(db.session())
    # An UPDATE's result is a CursorResult (with a rowcount); Session.execute is annotated as Result.
    return cast(CursorResult[Any], result).rowcount or 0


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's user loader: `<id>:<session_version>` from a session or a remember cookie; a cookie
    from before the user's last password or role change or deactivation (an older version) loads nobody."""
    ident, _sep, version = user_id.partition(":")
    if not (ident.isdigit() and version.isdigit()) or len(ident) > 10:
        return None
    user = db.session.get(User, int(ident))
    if user is None or user.session_version != int(version) or not user.active:
        return None
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
    """Return the token (shown once) and its stored record. The token is signed and carries the record's id
    (services/tokens.py); the record keeps its SHA-256 like it keeps the old tokens'."""
    record = ApiToken(user=user, token_hash=secrets.token_hex(32), expires_at=utcnow() + ttl)
    db.session.add(record)
    db.session.flush()  # the id goes into the token
    token = tokens.sign(record, user)
    record.token_hash = ApiToken.hash(token)
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
    # Built once: tokens of the old format resolve through it, and building the statement and its
    # loader option cost more than running it.
    return (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
            .options(joinedload(ApiToken.user, innerjoin=True)))


def resolve_token(token: str, now: datetime | None = None) -> Bearer | None:
    """The bearer of a live token, or None when unknown, forged, expired, revoked or its user inactive.
    A signed token is checked without a query (services/tokens.py: revocations count within
    `TOKEN_REVOCATION_SECONDS`); one of the old format (no signature) is looked up as before."""
    if not token or len(token) > 200:
        return None
    if tokens.is_signed(token):
        bearer = tokens.verify(token)
        if bearer is not None or not tokens.authentic(token):
            return bearer
        # Signed, unexpired, but this process's cache does not vouch for it (revoked — or committed after the
        # cache last loaded, by another process, under load): the database decides, as for the old tokens.
    record = db.session.scalar(_token_by_hash(), {"token_hash": ApiToken.hash(token)})
    now = now or utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    if not record.user.active:
        return None
    return Bearer(record.id, record.user, record.expires_at)


def revoke_token(bearer: Bearer, actor: User | TokenUser) -> None:
    db.session.execute(update(ApiToken).where(ApiToken.id == bearer.token_id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    tokens.changed(db.session())
    audit.record(actor, "token.revoke", "api_token", bearer.token_id)
