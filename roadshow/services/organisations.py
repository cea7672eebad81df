"""Organisations and their contacts: the enterprises, funds, banks and incubators a bureau invites.

Every rule about an organisation's fields lives here; the API and the console only translate
`Invalid` / `Conflict` into their own answers.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, String, TextClause, bindparam, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db
from ..models import Contact, Industry, Invitation, Organisation, OrgKind, User
from ..models.types import utcnow
from . import audit, credit_code, values
from .errors import Conflict, Invalid, InvalidValue, NotFound
from .pipeline import clean_amount

CONTACTS_MAX = 50
CONTACT_FIELDS = ("name", "title", "email", "phone")
# The fields of an organisation the services accept, in the order forms and logs show them.
FIELDS = ("name", "kind", "credit_code", "province", "city", "industry", "website", "fund_size_wan")


def clean_credit_code(value: Any, field: str = "credit_code") -> str | None:
    """'' → None; lower case accepted, stored upper case; a wrong check character is Invalid."""
    if value is None or not str(value).strip():
        return None
    code = credit_code.normalise(str(value))
    if len(code) != 18:
        raise InvalidValue(field, _("A unified social credit code has 18 characters; this one has %(n)d.",
                                    n=len(code)))
    if any(c not in credit_code.ALPHABET for c in code):
        raise InvalidValue(field, _("A unified social credit code uses only digits and capital letters "
                                    "other than I, O, S, V and Z."))
    if not credit_code.is_valid(code):
        raise InvalidValue(field, _("This is not a valid unified social credit code "
                                    "(check the 18 characters)."))
    return code


def by_credit_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.credit_code == code))


def match_organisation(name: str, credit_code: str | None) -> Organisation | None:
    """The organisation `find_or_create_organisation` would take for these cleaned values (by credit code,
    then by exact name), or None when it would create one. Reads only."""
    if credit_code:
        found = by_credit_code(credit_code)
        if found is not None:
            return found
    return db.session.scalar(select(Organisation).where(Organisation.name == name).order_by(Organisation.id))


def find_or_create_organisation(name: str | None, kind: OrgKind | str | None, *,
                                credit_code: str | None = None, actor: User | None = None,
                                **fields: Any) -> tuple[Organisation, bool]:
    """Match by credit code, then by exact name; create only when neither matches.
    Returns (organisation, created). Every field is cleaned by `clean_organisation` first, matched or not
    (Invalid keyed by field); the other fields (FIELDS) are used only for a new organisation."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"not fields of an organisation: {sorted(unknown)}")
    cleaned = clean_organisation({**fields, "name": name, "kind": kind, "credit_code": credit_code})
    name, code = cleaned.pop("name"), cleaned.pop("credit_code")
    found = match_organisation(name, code)
    if found is not None:
        if code and found.credit_code is None:
            found.credit_code = code
        return found, False
    org = Organisation(name=name, credit_code=code, **{k: v for k, v in cleaned.items() if v is not None})
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.create", "organisation", org.id,
                 {"name": org.name, "kind": org.kind, "credit_code": org.credit_code})
    return org, True


# PostgreSQL, a registration of a new organisation (issue 19's burst): the organisation and its audit row in
# one statement, inserted only when nothing matches (`match_organisation`'s rules: the credit code, then the
# exact name). The caller holds the name's (and the code's) lock, so the statement's snapshot sees any
# organisation of that name made meanwhile elsewhere.
_CREATE_IF_UNKNOWN = """
WITH created AS (
    INSERT INTO organisations (name, kind, credit_code, province, city, industry, website, fund_size_wan,
                               created_at, updated_at)
    SELECT :name, :kind, :credit_code, :province, :city, :industry, :website, :fund_size_wan, :now, :now
     WHERE NOT EXISTS (SELECT 1 FROM organisations o
                        WHERE o.name = :name OR (:credit_code IS NOT NULL AND o.credit_code = :credit_code))
    RETURNING id
), audited AS (
    INSERT INTO audit_log (at, user_id, actor, action, entity_type, entity_id, changes)
    SELECT :now, :user_id, :actor, 'organisation.create', 'organisation', created.id, CAST(:changes AS json)
      FROM created
    RETURNING id
)
SELECT id FROM created
"""


@functools.cache
def _create_if_unknown_statement() -> TextClause:
    columns = Organisation.__table__.c
    return text(_CREATE_IF_UNKNOWN).bindparams(
        *(bindparam(field, type_=columns[field].type) for field in FIELDS),
        bindparam("now", type_=columns["created_at"].type), bindparam("user_id", type_=Integer),
        bindparam("actor", type_=String), bindparam("changes", type_=String))


def create_if_unknown(cleaned: Mapping[str, Any], *, actor: User | None) -> Organisation | None:
    """PostgreSQL: the organisation of `cleaned` (`clean_organisation`'s output) created with its audit row in
    one statement when none matches it; None when one does (then `find_or_create_organisation` takes it).
    Hold `lock_name("organisation", name)` (and the code's) first. The new object is in the session as
    loaded, not read back."""
    fields = {field: cleaned.get(field) for field in FIELDS}
    entry = audit.entry_values(actor, "organisation.create", "organisation", None,
                               {"name": fields["name"], "kind": fields["kind"], "credit_code": fields["credit_code"]})
    now = utcnow()
    row = db.session.execute(_create_if_unknown_statement(),
                             {**fields, "now": now, "user_id": entry["user_id"], "actor": entry["actor"],
                              "changes": json.dumps(entry["changes"])}).first()
    if row is None:
        return None
    org = Organisation(id=row[0], created_at=now, updated_at=now, **fields)
    make_transient_to_detached(org)
    db.session.add(org)
    return org


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
    """The names of the district's industry list, in its own order: what an industry field may hold (an
    organisation's, an event's, a project's, a team's). The one reader of the list's names."""
    return list(db.session.scalars(select(Industry.name).order_by(Industry.position, Industry.id)))


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
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.scalars(stmt.order_by(Organisation.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


# --- writing -----------------------------------------------------------------------------------

def clean_contact_name(value: Any, field: str = "contact_name") -> str:
    return values.require_text(value, field, max_length=values.PERSON_NAME_MAX,
                               missing=_("Enter the contact's name."))


def clean_kind(value: Any, field: str = "kind") -> OrgKind:
    try:
        return OrgKind(value.value if isinstance(value, OrgKind) else value)
    except ValueError:
        raise InvalidValue(field, _("Choose the kind of organisation.")) from None


def clean_industry(value: Any, field: str = "industry", *, current: Organisation | None = None) -> str | None:
    """'' → None; otherwise a name of the district's industry list. An industry the organisation
    (`current`) already has stays acceptable after it leaves the list."""
    name = values.clean_text(value, field, max_length=values.INDUSTRY_MAX)
    kept = current is not None and name == current.industry
    if name is not None and not kept and name not in industry_names():
        raise InvalidValue(field, _("Choose an industry from the district's list."))
    return name


def clean_organisation(data: Mapping[str, Any], *, partial: bool = False,
                       current: Organisation | None = None) -> dict[str, Any]:
    """The organisation fields in `data` (FIELDS, and `contacts`), cleaned: the one set of rules for
    every path that creates or changes an organisation (console, API, registration, invitations,
    import). Every problem at once as one Invalid keyed by field. `partial`: only the fields present
    (a PATCH); otherwise name and kind are required. `current`: the organisation being changed."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def clean(field: str, cleaner: Callable[[Any], Any]) -> None:
        try:
            out[field] = cleaner(data.get(field))
        except Invalid as exc:
            errors.update(exc.errors)

    if "name" in data or not partial:
        clean("name", lambda v: values.require_text(v, "name", max_length=values.ORG_NAME_MAX,
                                                    missing=_("Enter the organisation's name.")))
    if "kind" in data or not partial:
        clean("kind", clean_kind)
    if "credit_code" in data:
        clean("credit_code", clean_credit_code)
    for field in ("province", "city"):
        if field in data:
            clean(field, functools.partial(values.clean_text, field=field, max_length=values.PLACE_MAX))
    if "industry" in data:
        clean("industry", lambda v: clean_industry(v, current=current))
    if "website" in data:
        clean("website", values.clean_url)
    if "contacts" in data and data.get("contacts") is not None:
        clean("contacts", _clean_contacts)
    if "fund_size_wan" in data:
        clean("fund_size_wan", lambda v: clean_amount(v, "fund_size_wan"))
    _check_fund_size(out, current, errors)
    if errors:
        raise Invalid(errors)
    return out


def _check_fund_size(out: dict[str, Any], current: Organisation | None, errors: dict[str, list[str]]) -> None:
    """Only an industry fund has a size (万元): a size on another kind is refused, not dropped."""
    if "kind" in errors or "fund_size_wan" in errors:
        return
    kind = out.get("kind", current.kind if current is not None else None)
    size = out["fund_size_wan"] if "fund_size_wan" in out else (current.fund_size_wan if current else None)
    if size is not None and kind is not None and kind is not OrgKind.fund:
        errors["fund_size_wan"] = [_("Only an investment fund has a fund size; clear it or choose the kind fund.")]


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
        for field, cleaner in (("name", clean_contact_name),
                               ("title", lambda v, f: values.clean_text(v, f, max_length=values.TITLE_MAX)),
                               ("email", values.clean_email), ("phone", values.clean_phone)):
            try:
                row[field] = cleaner(raw.get(field), key + field)
            except Invalid as exc:
                errors.update(exc.errors)
                row[field] = None
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
    fields = clean_organisation(data)
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
    fields = clean_organisation(data, partial=True, current=org)
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
