"""Reading and writing reviewable YAML data files with a line number for every node.

ruamel.yaml in round-trip mode: YAML 1.2 (so ``no`` and ``on`` stay text) and the line of each
mapping, key and list item, which is how every problem in a framework or indicator file is pinned
to the line its author must fix. Pure: no Flask, no database.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML

from app.core.gettext import _
from app.core.problems import Problem


def loader() -> YAML:
    """A fresh round-trip loader (YAML objects are not safe to share across threads)."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    return yaml


def dumper() -> YAML:
    """Block style, 2-space indents with list dashes indented, no line wrapping, Unicode kept."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 1_000_000  # never fold long lines: one edit, one diff line
    yaml.allow_unicode = True
    return yaml


def load(text: str, filename: str) -> tuple[Any, list[Problem]]:
    """Parse ``text``; return the document (None on a syntax error) and the syntax problem."""
    try:
        return loader().load(text), []
    except Exception as exc:  # any loader failure (scanner, parser, reader) is a syntax error
        return None, [Problem(error_line(exc, text), syntax_message(exc), filename)]


def dump(document: Any) -> str:
    """Write ``document`` (plain dicts and lists, or ruamel's commented ones) as YAML text."""
    buffer = io.StringIO()
    dumper().dump(document, buffer)
    return buffer.getvalue()


def line(node: Any, default: int = 1) -> int:
    """1-based line where a mapping or sequence starts."""
    lc = getattr(node, "lc", None)
    if lc is None or getattr(lc, "line", None) is None:
        return default
    return lc.line + 1


def key_line(node: Any, key: Any) -> int:
    """1-based line of ``key`` in a mapping (falls back to the mapping's own line)."""
    try:
        return node.lc.key(key)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return line(node)


def value_line(node: Any, key: Any) -> int:
    """1-based line of the value of ``key`` in a mapping (falls back to the key's line)."""
    try:
        return node.lc.value(key)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return key_line(node, key)


def item_line(node: Any, index: int) -> int:
    """1-based line of item ``index`` of a sequence."""
    try:
        return node.lc.item(index)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return line(node)


def error_line(exc: Exception, text: str) -> int:
    """Where a loader error happened, as a 1-based line."""
    for attr in ("problem_mark", "context_mark"):
        mark = getattr(exc, attr, None)
        if mark is not None and getattr(mark, "line", None) is not None:
            return mark.line + 1
    position = getattr(exc, "position", None)  # reader errors (bad characters) give an offset
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return 1


def syntax_message(exc: Exception) -> str:
    """A one-line description of a loader error, without ruamel's source excerpt."""
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    detail = ", ".join(str(part) for part in parts if part)
    if not detail:
        lines = str(exc).strip().splitlines()
        detail = lines[0] if lines else type(exc).__name__
    return _("YAML syntax error: %(detail)s", detail=detail)
