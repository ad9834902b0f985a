"""What Moodle's two formats, GIFT and Moodle XML, share: category paths and printed numbers."""

from __future__ import annotations

import re
from typing import Any

_CONTEXT_TOKEN = re.compile(r"^\$[a-z0-9]+\$$")


def category_path(category: str | None) -> str:
    """The Moodle path of a category: "A/B" -> `$course$/top/A/B`."""
    return "$course$/top" + ("/" + category if category else "")


def category_from_path(path: str, trim: str | None = None) -> str | None:
    """A Moodle category path as SkillGrid names it: `$course$/top/A/B` -> "A/B"; root -> None.

    Moodle writes a slash inside a name as `//`; SkillGrid separates names with `/`, so such a
    slash becomes a full-width ／. Each name is stripped of `trim` (default: whitespace).
    """
    names = [name.replace("\0", "／").strip(trim) for name in path.replace("//", "\0").split("/")]
    names = [name for name in names if name]
    if names and _CONTEXT_TOKEN.match(names[0]):
        names = names[1:]
    if names and names[0] == "top":
        names = names[1:]
    return "/".join(names) or None


def php_number(value: Any) -> str:
    """A number as PHP prints it (14 significant digits), exact (repr) where that would round;
    None as an empty string."""
    if value is None:
        return ""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    short = format(value, ".14g")
    return short if float(short) == value else repr(value)
