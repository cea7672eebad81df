"""Organisations and their contacts."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Contact, Organisation, OrgKind, User
from . import audit, credit_code
from .errors import Conflict, Invalid


def clean_credit_code(value: str | None, field: str = "credit_code") -> str | None:
    """'' → None; lower case accepted, stored upper case; a wrong check character is Invalid."""
    if value is None or not value.strip():
        return None
    code = credit_code.normalise(value)
    if not credit_code.is_valid(code):
        raise Invalid({field: [_("This is not a valid unified social credit code (check the 18 characters).")]})
    return code


def by_credit_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.credit_code == code))


def find_or_create_organisation(name: str, kind: OrgKind | str, *, credit_code: str | None = None,
                                actor: User | None = None, **fields) -> tuple[Organisation, bool]:
    """Match by credit code, then by exact name; create only when neither matches.
    Returns (organisation, created)."""
    code = clean_credit_code(credit_code)
    name = name.strip()
    if code:
        found = by_credit_code(code)
        if found is not None:
            return found, False
    found = db.session.scalar(select(Organisation).where(Organisation.name == name).order_by(Organisation.id))
    if found is not None:
        if code and found.credit_code is None:
            found.credit_code = code
        return found, False
    org = Organisation(name=name, kind=OrgKind(kind), credit_code=code,
                       **{k: v for k, v in fields.items() if v not in (None, "")})
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.create", "organisation", org.id,
                 {"name": org.name, "kind": org.kind, "credit_code": org.credit_code})
    return org, True


def ensure_unique_credit_code(code: str | None, *, exclude_id: int | None = None) -> None:
    if not code:
        return
    found = by_credit_code(code)
    if found is not None and found.id != exclude_id:
        raise Conflict(_("An organisation with this credit code already exists."), existing_id=found.id)


def find_or_create_contact(org: Organisation, name: str, *, email: str | None = None, phone: str | None = None,
                           title: str | None = None) -> Contact:
    """The organisation's contact with this name and the same phone or email, else a new one."""
    name = name.strip()
    email = (email or "").strip().lower() or None
    phone = (phone or "").strip() or None
    for contact in org.contacts:
        if contact.name == name and ((email and contact.email == email) or (phone and contact.phone == phone)
                                     or (not email and not phone)):
            return contact
    contact = Contact(organisation=org, name=name, email=email, phone=phone, title=title)
    db.session.add(contact)
    db.session.flush()
    return contact
