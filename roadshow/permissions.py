"""Who may do what: API.md "Roles", in one table, checked by one decorator on both sides."""
from __future__ import annotations

import enum
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from .models import Role, User


class Permission(str, enum.Enum):
    manage_users = "manage_users"
    read_audit = "read_audit"
    manage_events = "manage_events"  # organisations, events, invitations, registrations
    read_events = "read_events"
    read_stats = "read_stats"
    check_in = "check_in"
    read_personal_data = "read_personal_data"  # attendee lists with phones, exports
    erase_personal_data = "erase_personal_data"  # erasure of a person (attendee or contact), API and console
    manage_projects = "manage_projects"  # leads and projects
    read_projects = "read_projects"
    read_reports = "read_reports"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.organiser: frozenset(Permission) - {P.manage_users, P.read_audit},
    Role.door: frozenset({P.check_in, P.read_stats}),
    Role.viewer: frozenset({P.read_events, P.read_stats, P.read_projects, P.read_reports}),
}


def can(user: User | None, permission: Permission) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS[user.role]


def _is_api() -> bool:
    return (request.blueprint or "").startswith("api")


def current_actor() -> User | None:
    """The user behind this request: the bearer token's on the API, the session's on pages."""
    if _is_api():
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


def require(*permissions: Permission):
    """Allow the view only to users holding every permission given.

    API: no or bad token → 401, wrong role → 403 (problem+json).
    Pages: not logged in → the login page, wrong role → a 403 page.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_actor()
            if user is None:
                if _is_api():
                    abort(401)
                from .extensions import login_manager

                return login_manager.unauthorized()
            if not all(can(user, p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permissions = permissions
        return wrapped

    return decorator
