"""JSON bodies that cannot hurt: a depth limit, no lone surrogates, no NUL; else a 400.

``json.loads`` of 100,000 nested brackets raises ``RecursionError`` (not a ``ValueError``, so
``get_json(silent=True)`` and webargs let it through as a 500), and ``"\\ud800"`` or
``"\\u0000"`` is valid JSON but no text the databases can store (``UnicodeEncodeError`` deep
in a query; PostgreSQL refuses NUL). ``register(app)`` makes the app's JSON provider refuse
them, and checks every JSON request body once before any view, Flask-Limiter key function or
webargs parser reads it.
"""

from __future__ import annotations

import json
import re

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider

#: the deepest nesting of arrays and objects a request body may have
MAX_JSON_DEPTH = 32

#: lone surrogates cannot be encoded; NUL is refused by PostgreSQL in any text
_SURROGATE = re.compile("[\ud800-\udfff\x00]")


class UnsafeJSON(ValueError):
    """A JSON document too deep or holding a lone surrogate (a ValueError: "invalid JSON")."""


def check_value(value, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise UnsafeJSON when ``value`` nests deeper than ``max_depth`` or holds a surrogate."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise UnsafeJSON("lone surrogate or NUL in a string")
            continue
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise UnsafeJSON(f"nested deeper than {max_depth}")
        stack.extend((child, depth + 1) for child in children)


def safe_loads(text, **kwargs):
    """``json.loads`` that raises ``UnsafeJSON`` (a ValueError) for what it must not return."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise UnsafeJSON("nested too deeply") from None
    check_value(value)
    return value


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider whose ``loads`` refuses deep nesting and lone surrogates."""

    def loads(self, s, **kwargs):
        """Parse ``s`` (``request.get_json`` turns the ValueError into a 400)."""
        return safe_loads(s, **kwargs)


def _check_json_body():
    """Refuse a hostile JSON body before anything parses it (400; the API answers in its shape)."""
    if not request.is_json:
        return
    body = request.get_data(cache=True)
    if not body:
        return
    try:
        safe_loads(body)
    except UnsafeJSON:
        abort(400)
    except ValueError:
        return  # ordinary invalid JSON: each parser answers it as it always did


def register(app: Flask) -> None:
    """Use the safe provider and check JSON bodies before every view."""
    app.json = SafeJSONProvider(app)
    app.before_request(_check_json_body)
