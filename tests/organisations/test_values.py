"""services/values.py: the one cleaner per value (phone, email, web address, text), table-driven, and
the limits it shares with the columns, the API schemas and the forms."""
from __future__ import annotations

import pytest

from roadshow.models import Attendee, Contact, Industry, Organisation
from roadshow.services import values
from roadshow.services.errors import Invalid, InvalidValue


@pytest.mark.parametrize("typed,stored", [
    ("13800138000", "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("(138) 0013.8000", "13800138000"),
    ("8613800138000", "13800138000"),  # was refused for an attendee and accepted for a contact
    ("86 138 0013 8000", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("+86 138-0013-8000", "13800138000"),
    ("0086 138 0013 8000", "13800138000"),
    ("＋８６　１３８００１３８０００", "13800138000"),  # full-width, as a Chinese keyboard types it
    ("  19912345678 ", "19912345678"),
    # landlines: allowed everywhere (the invitation and import rule), kept as typed without spaces
    ("0554-6661234", "0554-6661234"),
    ("05546661234", "05546661234"),
    ("010-12345678", "010-12345678"),
    ("(0551) 6661 2345", "055166612345"),
    ("0551-66612345-801", "0551-66612345-801"),
    # abroad: + or 00 and the country code
    ("+44 20 7946 0958", "+442079460958"),
    ("0044 20 7946 0958", "+442079460958"),
    ("+1 (415) 555-0100", "+14155550100"),
    ("", None),
    ("   ", None),
    (None, None),
])
def test_phone_numbers_accepted(app_ctx, typed, stored):
    assert values.clean_phone(typed) == stored


@pytest.mark.parametrize("typed", [
    "12345", "12", "call me", "1380013800", "138001380001", "12800138000", "0551-1234", "+12", "+0123456789",
    "+1234567890123456", "8612800138000", "138 0013 8000 转 5", "1" * 41,
])
def test_phone_numbers_refused(app_ctx, typed):
    with pytest.raises(InvalidValue) as caught:
        values.clean_phone(typed, "attendees.0.phone")
    assert list(caught.value.errors) == ["attendees.0.phone"] and caught.value.message


def test_mobile_or_not(app_ctx):
    assert values.is_mainland_mobile(values.clean_phone("+86 138 0013 8000"))
    assert not values.is_mainland_mobile(values.clean_phone("0554-6661234"))
    assert not values.is_mainland_mobile(values.clean_phone("+44 20 7946 0958"))
    assert not values.is_mainland_mobile(None)


@pytest.mark.parametrize("typed,stored", [
    ("Invest@Example.com", "invest@example.com"),
    ("  shu@laoxiangji.example ", "shu@laoxiangji.example"),
    ("zhang@例子.中国", "zhang@例子.中国"),
    ("", None),
    (None, None),
])
def test_emails_accepted(app_ctx, typed, stored):
    assert values.clean_email(typed) == stored


@pytest.mark.parametrize("typed", ["not-an-email", "lin@", "@example.com", "a b@example.com", "a..b@example.com",
                                   "x@localhost", "a@" + "b" * 250 + ".com"])
def test_emails_refused(app_ctx, typed):
    with pytest.raises(InvalidValue) as caught:
        values.clean_email(typed, "contacts.0.email")
    assert list(caught.value.errors) == ["contacts.0.email"]


@pytest.mark.parametrize("typed,stored", [
    ("https://www.example.com/about", "https://www.example.com/about"),
    ("http://example.com", "http://example.com"),
    ("HTTPS://Example.com", "HTTPS://Example.com"),
    ("www.example.com", "https://www.example.com"),
    ("例子.中国", "https://例子.中国"),
    ("http://localhost:5000/x", "http://localhost:5000/x"),
    ("", None),
    (None, None),
])
def test_web_addresses_accepted(app_ctx, typed, stored):
    assert values.clean_url(typed) == stored


@pytest.mark.parametrize("typed", [
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
    "ftp://example.com", "vbscript:msgbox", "x y", "https://exa mple.com", "https://", "https://nodot",
    "https://example.com:port", "https://example.com/\nx", "https://example.com/\x00", "www." + "a" * 300 + ".com",
])
def test_web_addresses_refused(app_ctx, typed):
    with pytest.raises(InvalidValue) as caught:
        values.clean_url(typed)
    assert list(caught.value.errors) == ["website"]


@pytest.mark.parametrize("typed,max_length,stored", [
    ("  王小明 ", 100, "王小明"),
    ("", 100, None),
    ("   ", 100, None),
    (None, 100, None),
    ("甲" * 100, 100, "甲" * 100),
])
def test_text(app_ctx, typed, max_length, stored):
    assert values.clean_text(typed, "name", max_length=max_length) == stored


def test_text_too_long_and_required(app_ctx):
    with pytest.raises(InvalidValue) as caught:
        values.clean_text("甲" * 101, "attendees.0.name", max_length=values.PERSON_NAME_MAX)
    assert caught.value.errors == {"attendees.0.name": ["最多 100 个字符。"]}
    with pytest.raises(InvalidValue) as caught:
        values.require_text("  ", "name", max_length=10, missing="请填写姓名。")
    assert caught.value.errors == {"name": ["请填写姓名。"]}
    assert values.require_text(" 甲 ", "name", max_length=10, missing="请填写姓名。") == "甲"


def test_a_value_error_is_an_invalid_for_the_api(app_ctx):
    with pytest.raises(Invalid) as caught:
        values.clean_url("javascript:alert(1)", "organisation.website")
    assert caught.value.status == 422
    assert caught.value.errors["organisation.website"][0].startswith("请输入以 http:// 或 https:// 开头的网址")


def test_cleaned_values_are_cleaned_again_unchanged(app_ctx):
    for typed in ("+86 138-0013-8000", "0554-6661234", "+44 20 7946 0958"):
        once = values.clean_phone(typed)
        assert values.clean_phone(once) == once
        assert len(once) <= values.PHONE_MAX
    assert values.clean_url(values.clean_url("www.example.com")) == "https://www.example.com"
    assert values.clean_email(values.clean_email("A@Example.com")) == "a@example.com"


@pytest.mark.parametrize("limit,column", [
    (values.PERSON_NAME_MAX, Attendee.name), (values.PERSON_NAME_MAX, Contact.name),
    (values.TITLE_MAX, Attendee.title), (values.TITLE_MAX, Contact.title),
    (values.EMAIL_MAX, Attendee.email), (values.EMAIL_MAX, Contact.email),
    (values.PHONE_MAX, Attendee.phone), (values.PHONE_MAX, Contact.phone),
    (values.ORG_NAME_MAX, Organisation.name), (values.PLACE_MAX, Organisation.province),
    (values.PLACE_MAX, Organisation.city), (values.INDUSTRY_MAX, Organisation.industry),
    (values.INDUSTRY_MAX, Industry.name), (values.WEBSITE_MAX, Organisation.website),
])
def test_limits_are_the_columns(limit, column):
    assert column.property.columns[0].type.length == limit
