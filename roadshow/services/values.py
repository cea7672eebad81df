"""The one cleaner for each kind of value a person types: phone, e-mail, web address, text.

Registration (public form and API), invitations (console, API, spreadsheet import) and organisations
(console, API) all clean through these functions, and the WTForms validators of `forms/validators.py`
call them too, so a value is accepted, stored and refused in the same way on every path, with the same
message in the user's language. Each cleaner returns the normalised value (None for a blank one) or
raises `InvalidValue` under the field name it is given.

Phone numbers: one rule everywhere, the most permissive of the ones that came before it.
- A mainland mobile number (11 digits starting with 1) is stored as those 11 digits, whatever the prefix
  (+86, 0086, 86) and the spaces, dashes, dots or brackets typed: `+86 138-0013-8000` → `13800138000`,
  `8613800138000` → `13800138000`.
- Landlines are allowed (an area code of 3 or 4 digits starting with 0, 7 or 8 digits, an optional
  extension): a bureau invites companies by their switchboard, and the spreadsheets it imports list them.
  They are stored as typed without spaces (`0554-6661234` keeps its dash). A number that must receive an
  SMS is a mobile number: `is_mainland_mobile` tells them apart.
- Numbers abroad: + (or 00) and the country code, at most 15 digits (E.164): `+44 20 7946 0958` →
  `+442079460958`.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from .errors import InvalidValue

# Lengths, the same as the columns that store the values (tests/organisations/test_values.py checks them).
# Ids are INTEGER columns (int4 on PostgreSQL). A larger number names no row; SQLite's driver cannot even bind
# one over 2**63 (OverflowError), so such numbers are refused before they reach a query.
ID_MAX = 2**31 - 1
PERSON_NAME_MAX = 100  # an attendee's or a contact's name
TITLE_MAX = 100  # a job title
ORG_NAME_MAX = 200
PLACE_MAX = 50  # province, city
INDUSTRY_MAX = 50
WEBSITE_MAX = 300
EMAIL_MAX = 254  # RFC 5321's limit on a path
PHONE_MAX = 30  # a cleaned number always fits (at most 20 characters)
PHONE_INPUT_MAX = 40  # as typed, with spaces, dashes and a prefix
CREDIT_CODE_INPUT_MAX = 40  # as typed, with spaces; 18 characters once cleaned

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{1,2}-?\d{7,8}(-\d{1,6})?")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")
_PHONE_NOISE = re.compile(r"[\s().]")
_MOBILE_PREFIXES = ("+86", "86")  # 0086 has become +86 by then


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def too_long(max_length: int) -> str:
    """The message for a value longer than `max_length` characters."""
    return _("At most %(n)d characters.", n=max_length)


def clean_text(value: object, field: str, *, max_length: int) -> str | None:
    """Optional text: stripped, '' → None, longer than `max_length` → InvalidValue."""
    text = _text(value)
    if text is not None and len(text) > max_length:
        raise InvalidValue(field, too_long(max_length))
    return text


def require_text(value: object, field: str, *, max_length: int, missing: str) -> str:
    """Text that must be given: as `clean_text`, and blank → InvalidValue with the message `missing`."""
    text = clean_text(value, field, max_length=max_length)
    if text is None:
        raise InvalidValue(field, missing)
    return text


def phone_message() -> str:
    return _("Enter a mobile number (11 digits starting with 1), a landline with its area code, or an "
             "international number starting with + and the country code.")


def clean_phone(value: object, field: str = "phone") -> str | None:
    """'' → None; otherwise the number in its stored form (see the module's docstring)."""
    raw = _text(value)
    if raw is None:
        return None
    if len(raw) > PHONE_INPUT_MAX:
        raise InvalidValue(field, too_long(PHONE_INPUT_MAX))
    compact = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", raw))  # full-width digits, ＋ and （）
    digits = compact.replace("-", "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if _MOBILE.fullmatch(digits):
        return digits
    for prefix in _MOBILE_PREFIXES:
        if digits.startswith(prefix) and _MOBILE.fullmatch(digits[len(prefix):]):
            return digits[len(prefix):]
    if _LANDLINE.fullmatch(compact):
        return compact
    if _LANDLINE.fullmatch(digits):
        return digits
    if _INTERNATIONAL.fullmatch(digits):
        return digits
    raise InvalidValue(field, phone_message())


def is_mainland_mobile(phone: str | None) -> bool:
    """Whether a cleaned number is a mainland mobile number (one that can receive an SMS here)."""
    return phone is not None and _MOBILE.fullmatch(phone) is not None


def clean_email(value: object, field: str = "email") -> str | None:
    """'' → None; otherwise a syntactically valid address in lower case (no DNS lookup)."""
    text = _text(value)
    if text is None:
        return None
    if len(text) > EMAIL_MAX:
        raise InvalidValue(field, _("This email address is too long."))
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidValue(field, _("This is not a valid email address.")) from None


def clean_url(value: object, field: str = "website") -> str | None:
    """'' → None; otherwise an http or https address with a host name. A bare host name
    ("www.example.com") is taken as https; any other scheme (javascript:, data:, ftp:) is refused."""
    text = _text(value)
    if text is None:
        return None
    url = text if "://" in text else "https://" + text
    message = _("Enter a web address starting with http:// or https://, e.g. https://www.example.com.")
    if any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        raise InvalidValue(field, message)
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname or "", parts.port  # a port that is not a number raises ValueError
    except ValueError:
        raise InvalidValue(field, message) from None
    if parts.scheme.lower() not in ("http", "https") or not host or ("." not in host and host != "localhost"):
        raise InvalidValue(field, message)
    if len(url) > WEBSITE_MAX:
        raise InvalidValue(field, too_long(WEBSITE_MAX))
    return url


def clean_id(value: Any) -> int | None:
    """A row id as given (a whole number or its digits), or None when it cannot name a row: not a positive whole
    number, or larger than the id columns hold (`ID_MAX`). Every id read from a request body goes through this."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None
