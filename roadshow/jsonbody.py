"""Request bodies in JSON: one provider for the whole app that refuses absurdly deep nesting.

Python's parser recurses once per level: a body of a few kilobytes (``[[[[…]]]]`` a thousand deep) ends
in a RecursionError, and even a parsed one can break whatever walks it next. No request Roadshow takes
nests more than a handful of levels, so anything deeper than ``MAX_DEPTH`` is a 400 with a clear message,
on every endpoint (API and pages), before any view or validator sees it.
"""
from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

from .services.errors import DomainError

MAX_DEPTH = 32


class TooDeeplyNested(DomainError):
    status = 400
    title = _l("Malformed request")


def depth(value: Any) -> int:
    """How many arrays/objects deep the parsed value goes (iteratively: no recursion to exhaust)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _refuse() -> TooDeeplyNested:
    return TooDeeplyNested(str(_l("The JSON body is nested too deeply (at most %(n)d levels).", n=MAX_DEPTH)))


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's provider, whose ``loads`` (behind ``request.get_json``) refuses nesting deeper than
    MAX_DEPTH. The error is not a ValueError, so ``get_json(silent=True)`` does not swallow it."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise _refuse() from None
        if depth(value) > MAX_DEPTH:
            raise _refuse()
        return value
