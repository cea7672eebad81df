"""The unified social credit code (GB 32100-2015) with its embedded organisation code (GB 11714)."""
from __future__ import annotations

import pytest

from roadshow.services import credit_code
from roadshow.services.errors import Invalid
from roadshow.services.organisations import clean_credit_code

# Published codes of real organisations (from their business licences / the national enterprise
# credit information publicity system).
REAL = [
    "91440300708461136T",  # Tencent Technology (Shenzhen)
    "91110108551385082Q",  # Beijing Baidu Netcom
    "91350100M000100Y43",  # an organisation code with letters in it
]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_valid(code):
    assert credit_code.is_valid(code)


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_change_is_caught(code):
    for position in range(18):
        for replacement in credit_code.ALPHABET:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert not credit_code.is_valid(changed), changed


@pytest.mark.parametrize("code", REAL)
def test_swapped_neighbours_are_caught(code):
    for position in range(17):
        a, b = code[position], code[position + 1]
        if a != b:
            assert not credit_code.is_valid(code[:position] + b + a + code[position + 2:])


def test_the_embedded_organisation_code_check_is_enforced():
    # 17 characters whose GB 11714 check is wrong, with a GB 32100 check computed over them:
    # only the organisation-code check can reject it.
    body = "91440300708461137"
    values = {c: i for i, c in enumerate(credit_code.ALPHABET)}
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    check = credit_code.ALPHABET[(31 - sum(values[c] * w for c, w in zip(body, weights)) % 31) % 31]
    assert not credit_code.is_valid(body + check)


def test_lower_case_and_spaces_are_accepted_and_stored_upper_case(app_ctx):
    assert clean_credit_code("91440300708461136t") == "91440300708461136T"
    assert clean_credit_code(" 9135 0100 m000 100y43 ") == "91350100M000100Y43"
    assert clean_credit_code("") is None and clean_credit_code(None) is None and clean_credit_code("  ") is None


@pytest.mark.parametrize("value,fragment", [
    ("9144030070846113", "18 位"),           # too short
    ("91440300708461136TX", "18 位"),        # too long
    ("9144030070846113OT", "I、O、S、V、Z"),  # a letter the standard leaves out
    ("91440300708461136U", "无效"),          # wrong check character
])
def test_invalid_codes_say_why_in_chinese(app, value, fragment):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with pytest.raises(Invalid) as err:
            clean_credit_code(value)
    assert fragment in err.value.errors["credit_code"][0]


def test_complete_builds_valid_codes():
    assert credit_code.complete("9144030070846113") == "91440300708461136T"
    assert credit_code.is_valid(credit_code.complete("91340403MA2N0001"))
