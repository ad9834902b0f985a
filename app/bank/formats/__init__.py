"""Question file formats: pure parse/write functions, no Flask; problems carry file:line.

`FORMATS` is the registry callers pick a format from (by name, or through `detect_format`),
so adding a format is one module plus one entry here, never another if-chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.bank.formats.jsonfmt import dump_json, parse_json
from app.bank.formats.yaml_bank import dump_yaml, parse_yaml
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _

Parser = Callable[[str, str], tuple[list[QuestionData], list[Problem]]]


@dataclass(frozen=True)
class FormatSpec:
    """One file format: its name, file extensions, parser and (optional) writer.

    `parse(text, filename)` returns (questions, problems) and never raises. `dump` takes the
    questions (YAML also takes the file's category) and returns the text; None if read-only.
    """

    name: str
    extensions: tuple[str, ...]
    parse: Parser
    dump: Callable[..., str] | None = None
    #: a cheap test on the text, used when the file name says nothing
    sniff: Callable[[str], bool] | None = None


def _looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("[")


def _looks_like_yaml(text: str) -> bool:
    return any(line.startswith(("questions:", "category:")) for line in text.splitlines())


#: format name -> spec, in the order offered to users
FORMATS: dict[str, FormatSpec] = {
    "yaml": FormatSpec("yaml", (".yaml", ".yml"), parse_yaml, dump_yaml, _looks_like_yaml),
    "json": FormatSpec("json", (".json",), parse_json, dump_json, _looks_like_json),
}


def register_format(spec: FormatSpec) -> None:
    """Add (or replace) a format in the registry."""
    FORMATS[spec.name] = spec


def detect_format(filename: str, text: str | None = None) -> str | None:
    """Name the format of a file from its extension, else from its content; None if unknown."""
    extension = os.path.splitext(filename)[1].lower()
    for spec in FORMATS.values():
        if extension in spec.extensions:
            return spec.name
    if text is not None:
        for spec in FORMATS.values():
            if spec.sniff is not None and spec.sniff(text):
                return spec.name
    return None


def parse_text(text: str, filename: str, fmt: str | None = None) -> tuple[list[Any], list[Problem]]:
    """Parse `text` with the format `fmt` (default: detected from the name, then the content)."""
    name = fmt or detect_format(filename, text)
    spec = FORMATS.get(name or "")
    if spec is None:
        message = _("unsupported file type '%(ext)s' (expected one of: %(allowed)s)") % {
            "ext": os.path.splitext(filename)[1].lower() or filename,
            "allowed": ", ".join(ext for s in FORMATS.values() for ext in s.extensions),
        }
        return [], [Problem(filename, 1, message)]
    return spec.parse(text, filename)


__all__ = [
    "FORMATS",
    "FormatSpec",
    "detect_format",
    "dump_json",
    "dump_yaml",
    "parse_json",
    "parse_text",
    "parse_yaml",
    "register_format",
]
