"""Organisations and their contacts: the enterprises, funds, banks and incubators a bureau invites.

Every rule about an organisation's fields lives here; the API and the console only translate
`Invalid` / `Conflict` into their own answers.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Contact, Industry, Invitation, Organisation, OrgKind, User
from . import audit, credit_code
from .errors import Conflict, Invalid, NotFound

NAME_MAX = 200
PLACE_MAX = 50
WEBSITE_MAX = 300
CONTACTS_MAX = 50
CONTACT_FIELDS = ("name", "title", "email", "phone")
# The fields of an organisation the services accept, in the order forms and logs show them.
FIELDS = ("name", "kind", "credit_code", "province", "city", "industry", "website")


def clean_credit_code(value: str | None, field: str = "credit_code") -> str | None:
    """'' → None; lower case accepted, stored upper case; a wrong check character is Invalid."""
    if value is None or not value.strip():
        return None
    code = credit_code.normalise(value)
    if len(code) != 18:
        raise Invalid({field: [_("A unified social credit code has 18 characters; this one has %(n)d.",
                                 n=len(code))]})
    if any(c not in credit_code.ALPHABET for c in code):
        raise Invalid({field: [_("A unified social credit code uses only digits and capital letters "
                                 "other than I, O, S, V and Z.")]})
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


# --- the industry list -------------------------------------------------------------------------

def industries() -> list[Industry]:
    """The district's industry list, in its own order."""
    return list(db.session.scalars(select(Industry).order_by(Industry.position, Industry.id)))


def industry_names() -> list[str]:
    return [i.name for i in industries()]


# --- reading -----------------------------------------------------------------------------------

def get_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        raise NotFound(_("There is no organisation with this id."))
    return org


def search_organisations(q: str | None = None, kind: OrgKind | str | None = None, *, industry: str | None = None,
                         page: int = 1, per_page: int = 50) -> tuple[list[Organisation], int]:
    """Organisations whose name contains `q` (any part of a Chinese name; Latin letters in any case),
    or whose credit code starts with it; optionally of one kind and one industry. Newest first.
    Returns (the page's organisations, the total that match)."""
    stmt = select(Organisation)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(or_(Organisation.name.icontains(q, autoescape=True),
                              Organisation.credit_code.startswith(credit_code.normalise(q), autoescape=True)))
    if kind:
        stmt = stmt.where(Organisation.kind == OrgKind(kind))
    if industry:
        stmt = stmt.where(Organisation.industry == industry)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Organisation.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


# --- writing -----------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def clean_website(value: Any, field: str = "website") -> str | None:
    """An http(s) address; a bare host name ("www.example.com") is taken as https."""
    value = _text(value)
    if value is None:
        return None
    if "://" not in value:
        value = "https://" + value
    message = _("Enter a web address starting with http:// or https://, e.g. https://www.example.com.")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        raise Invalid({field: [message]}) from None
    if parts.scheme.lower() not in ("http", "https") or not host or any(c.isspace() for c in value) \
            or ("." not in host and host != "localhost"):
        raise Invalid({field: [message]})
    if len(value) > WEBSITE_MAX:
        raise Invalid({field: [_("At most %(n)d characters.", n=WEBSITE_MAX)]})
    return value


def _clean_fields(data: Mapping[str, Any], *, partial: bool, current: Organisation | None = None) -> dict[str, Any]:
    """The organisation fields in `data`, cleaned; every problem at once as one Invalid. An industry
    the organisation already has stays acceptable after it leaves the district's list."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    if "name" in data or not partial:
        name = _text(data.get("name"))
        if name is None:
            errors["name"] = [_("Enter the organisation's name.")]
        elif len(name) > NAME_MAX:
            errors["name"] = [_("At most %(n)d characters.", n=NAME_MAX)]
        else:
            out["name"] = name
    if "kind" in data or not partial:
        kind = data.get("kind")
        try:
            out["kind"] = OrgKind(kind.value if isinstance(kind, OrgKind) else kind)
        except ValueError:
            errors["kind"] = [_("Choose the kind of organisation.")]
    if "credit_code" in data:
        try:
            out["credit_code"] = clean_credit_code(data.get("credit_code"))
        except Invalid as exc:
            errors.update(exc.errors)
    for field in ("province", "city"):
        if field in data:
            value = _text(data.get(field))
            if value is not None and len(value) > PLACE_MAX:
                errors[field] = [_("At most %(n)d characters.", n=PLACE_MAX)]
            else:
                out[field] = value
    if "industry" in data:
        value = _text(data.get("industry"))
        if value is not None and value not in industry_names() \
                and not (current is not None and value == current.industry):
            errors["industry"] = [_("Choose an industry from the district's list.")]
        else:
            out["industry"] = value
    if "website" in data:
        try:
            out["website"] = clean_website(data.get("website"))
        except Invalid as exc:
            errors.update(exc.errors)
    if "contacts" in data and data.get("contacts") is not None:
        try:
            out["contacts"] = _clean_contacts(data["contacts"])
        except Invalid as exc:
            errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    return out


def _clean_contacts(contacts: Any) -> list[dict[str, Any]]:
    if not isinstance(contacts, (list, tuple)):
        raise Invalid({"contacts": [_("Send the contacts as a list.")]})
    if len(contacts) > CONTACTS_MAX:
        raise Invalid({"contacts": [_("At most %(n)d contacts.", n=CONTACTS_MAX)]})
    errors: dict[str, list[str]] = {}
    cleaned = []
    for i, raw in enumerate(contacts):
        raw = dict(raw)
        row: dict[str, Any] = {"id": raw.get("id")}
        key = f"contacts.{i}."
        name = _text(raw.get("name"))
        if name is None:
            errors[key + "name"] = [_("Enter the contact's name.")]
        elif len(name) > 100:
            errors[key + "name"] = [_("At most %(n)d characters.", n=100)]
        row["name"] = name
        title = _text(raw.get("title"))
        if title is not None and len(title) > 100:
            errors[key + "title"] = [_("At most %(n)d characters.", n=100)]
        row["title"] = title
        email = _text(raw.get("email"))
        if email is not None:
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                errors[key + "email"] = [_("Enter a valid email address.")]
        row["email"] = email
        phone = _text(raw.get("phone"))
        if phone is not None:
            digits = sum(c.isdigit() for c in phone)
            if len(phone) > 30 or digits < 5 or any(not (c.isdigit() or c in "+-() ") for c in phone):
                errors[key + "phone"] = [_("Enter a phone number: digits, with + and the country code "
                                           "for numbers outside China.")]
        row["phone"] = phone
        cleaned.append(row)
    if errors:
        raise Invalid(errors)
    return cleaned


@contextmanager
def _unique_credit_code(code: str | None):
    """Run the changes of the block in a savepoint and flush them there, turning a lost race on the
    unique credit code into the same Conflict as the check before it.

    Two requests with one new code can both pass `ensure_unique_credit_code`; the database's unique
    constraint lets only one insert through, and the other learns the winner's id here. (The savepoint
    starts before the block because starting one flushes whatever is pending.)"""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        existing = by_credit_code(code) if code else None
        if existing is None:
            raise
        raise Conflict(_("An organisation with this credit code already exists."),
                       existing_id=existing.id) from None


def _contact_view(contact: Contact) -> dict[str, Any]:
    return {f: getattr(contact, f) for f in CONTACT_FIELDS}


def set_contacts(org: Organisation, contacts: list[dict[str, Any]], *, actor: User | None) -> bool:
    """Make the organisation's contacts exactly `contacts` (cleaned rows; a row with the `id` of an
    existing contact updates it, one without adds a contact, and contacts left out are removed).
    A contact that has been invited cannot be removed. Returns whether anything changed."""
    current = {c.id: c for c in org.contacts}
    keep_ids = set()
    errors: dict[str, list[str]] = {}
    for i, row in enumerate(contacts):
        if row.get("id") is not None:
            if row["id"] not in current:
                errors[f"contacts.{i}.id"] = [_("This contact does not belong to this organisation.")]
            keep_ids.add(row["id"])
    removed = [c for cid, c in current.items() if cid not in keep_ids]
    if removed:
        invited = set(db.session.scalars(select(Invitation.contact_id)
                                         .where(Invitation.contact_id.in_([c.id for c in removed]))))
        for contact in removed:
            if contact.id in invited:
                errors.setdefault("contacts", []).append(
                    _("%(name)s has been invited to an event and cannot be removed.", name=contact.name))
    if errors:
        raise Invalid(errors)

    changed = False
    for contact in removed:
        audit.record(actor, "contact.delete", "contact", contact.id, _contact_view(contact))
        org.contacts.remove(contact)
        changed = True
    for row in contacts:
        fields = {f: row.get(f) for f in CONTACT_FIELDS}
        if row.get("id") is not None:
            contact = current[row["id"]]
            changes = audit.diff(contact, fields)
            if changes:
                audit.record(actor, "contact.update", "contact", contact.id, changes)
                changed = True
        else:
            contact = Contact(organisation=org, **fields)
            db.session.add(contact)
            db.session.flush()
            audit.record(actor, "contact.create", "contact", contact.id,
                         {"organisation_id": org.id, **fields})
            changed = True
    return changed


def create_organisation(data: Mapping[str, Any], *, actor: User | None) -> Organisation:
    """A new organisation from `data` (FIELDS, and optionally `contacts`: a list of {name, title, email,
    phone}). Invalid fields → Invalid (all at once); a credit code already registered → Conflict with
    `existing_id`. To match an existing organisation instead, use `find_or_create_organisation`."""
    fields = _clean_fields(data, partial=False)
    contacts = fields.pop("contacts", None) or []
    ensure_unique_credit_code(fields.get("credit_code"))
    with _unique_credit_code(fields.get("credit_code")):
        org = Organisation(**fields)
        db.session.add(org)
    audit.record(actor, "organisation.create", "organisation", org.id, {k: getattr(org, k) for k in FIELDS})
    if contacts:
        set_contacts(org, [dict(row, id=None) for row in contacts], actor=actor)
    return org


def update_organisation(org: Organisation, data: Mapping[str, Any], *, actor: User | None) -> Organisation:
    """Change the fields present in `data` (a partial update); `contacts`, when present, replaces the
    contact list as `set_contacts` does. Same errors as `create_organisation`."""
    fields = _clean_fields(data, partial=True, current=org)
    contacts = fields.pop("contacts", None)
    if "credit_code" in fields:
        ensure_unique_credit_code(fields["credit_code"], exclude_id=org.id)
    with _unique_credit_code(fields.get("credit_code")):
        changes = audit.diff(org, fields)
    if changes:
        audit.record(actor, "organisation.update", "organisation", org.id, changes)
    if contacts is not None:
        set_contacts(org, contacts, actor=actor)
    return org
