"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), organisation category (1), administrative
division (6), the organisation code of GB 11714 (8 + its own check character), and a
check character over the first 17 computed with the standard's weights modulo 31.
"""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def _org_check(body: str) -> str:
    # GB 11714: digits count as themselves, letters A=10 … Z=35.
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _check(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    # Codes are often copied from licences with spaces between groups of characters.
    return "".join(code.split()).upper()


def is_valid(code: str) -> bool:
    code = normalise(code)
    if len(code) != 18 or any(c not in _VALUE for c in code):
        return False
    if _org_check(code[8:16]) != code[16]:
        return False
    return _check(code[:17]) == code[17]


def complete(first16: str) -> str:
    """Append both check characters to 16 characters (used for demo and test data)."""
    first16 = normalise(first16)
    with_org = first16 + _org_check(first16[8:16])
    return with_org + _check(with_org)
