"""Domain errors. Services raise them; the API turns them into problem+json, the
HTML side into a flashed message or a form error."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    title = _l("The request cannot be carried out")

    def __init__(self, detail: str | None = None, **extra):
        super().__init__(detail or str(self.title))
        self.detail = detail or str(self.title)
        self.extra = extra


class NotFound(DomainError):
    status = 404
    title = _l("Not found")


class Conflict(DomainError):
    status = 409
    title = _l("Conflict")


class Invalid(DomainError):
    """Input that passed the schema but breaks a domain rule; `errors` maps field → messages."""

    status = 422
    title = _l("Invalid input")

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None):
        super().__init__(detail or str(_l("Some fields are invalid.")))
        self.errors = errors


class Gone(DomainError):
    status = 410
    title = _l("No longer available")


class AuthenticationFailed(DomainError):
    status = 401
    title = _l("Authentication failed")


class InvalidValue(Invalid):
    """One value that breaks its rule (services/values.py): `message` is what a form shows beside the
    field, `errors` the same message under the field's name for the API."""

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})
        self.field = field
        self.message = message


class CapacityFull(Conflict):
    """No seat for a party that must be admitted whole and at once (a walk-in at the door)."""

    title = _l("The event is full")

    def __init__(self, detail: str | None = None, **extra):
        super().__init__(detail or str(_l("The event is full: there is no free seat for this party.")),
                         result="capacity_full", **extra)
