"""Question file formats: pure parse/write functions, no Flask; problems carry file:line.

`FORMATS` is the registry callers pick a format from (by name, or through `detect_format`),
so adding a format is one module plus one entry here, never another if-chain.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.bank.formats.cloze import looks_like_cloze, parse_cloze
from app.bank.formats.gift import dump_gift, looks_like_gift, parse_gift
from app.bank.formats.jsonfmt import dump_json, parse_json
from app.bank.formats.moodle_xml import dump_moodle_xml, looks_like_moodle_xml, parse_moodle_xml
from app.bank.formats.xlsx import dump_xlsx, looks_like_xlsx, parse_xlsx
from app.bank.formats.yaml_bank import dump_yaml, parse_yaml
from app.bank.qtypes.base import Problem, QuestionData
from app.bank.qtypes.i18n import _

Parser = Callable[[Any, str], tuple[list[QuestionData], list[Problem]]]


@dataclass(frozen=True)
class FormatSpec:
    """One file format: its name, file extensions, parser and (optional) writer.

    `parse(content, filename)` returns (questions, problems) and never raises; `content` is
    text, or bytes for a binary format. `dump` takes the questions (YAML also takes the file's
    category) and returns text (bytes for a binary format); None if read-only.
    """

    name: str
    extensions: tuple[str, ...]
    parse: Parser
    dump: Callable[..., Any] | None = None
    #: a cheap test on the content (text, or bytes for binary formats) when the name says nothing
    sniff: Callable[[Any], bool] | None = None
    #: whether the format is read and written as bytes (a spreadsheet) rather than UTF-8 text
    binary: bool = False


def _looks_like_json(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("[")


def _looks_like_yaml(text: str) -> bool:
    return any(line.startswith(("questions:", "category:")) for line in text.splitlines())


#: format name -> spec, in the order offered to users (and tried when sniffing content)
FORMATS: dict[str, FormatSpec] = {
    "yaml": FormatSpec("yaml", (".yaml", ".yml"), parse_yaml, dump_yaml, _looks_like_yaml),
    "json": FormatSpec("json", (".json",), parse_json, dump_json, _looks_like_json),
    "moodlexml": FormatSpec(
        "moodlexml", (".xml",), parse_moodle_xml, dump_moodle_xml, looks_like_moodle_xml
    ),
    # Moodle's Cloze text files have no extension of their own: found by content (before GIFT,
    # whose sniffing a text with Cloze blanks could also pass), import only as in Moodle.
    "cloze": FormatSpec("cloze", (), parse_cloze, None, looks_like_cloze),
    "gift": FormatSpec("gift", (".gift",), parse_gift, dump_gift, looks_like_gift),
    "xlsx": FormatSpec("xlsx", (".xlsx",), parse_xlsx, dump_xlsx, looks_like_xlsx, binary=True),
}


def register_format(spec: FormatSpec) -> None:
    """Add (or replace) a format in the registry."""
    FORMATS[spec.name] = spec


def format_by_extension(filename: str) -> FormatSpec | None:
    """The format a file's extension names, or None (`.txt` names none: sniff its content)."""
    extension = os.path.splitext(filename)[1].lower()
    for spec in FORMATS.values():
        if extension in spec.extensions:
            return spec
    return None


def detect_format(filename: str, content: str | bytes | None = None) -> str | None:
    """Name the format of a file from its extension, else from its content; None if unknown.

    Text sniffers see text and binary sniffers see bytes; other content is not shown to them.
    """
    spec = format_by_extension(filename)
    if spec is not None:
        return spec.name
    if content is not None:
        is_bytes = isinstance(content, bytes)
        for spec in FORMATS.values():
            if spec.sniff is not None and spec.binary == is_bytes and spec.sniff(content):
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
    "dump_gift",
    "dump_json",
    "dump_moodle_xml",
    "dump_xlsx",
    "dump_yaml",
    "format_by_extension",
    "parse_cloze",
    "parse_gift",
    "parse_json",
    "parse_moodle_xml",
    "parse_text",
    "parse_xlsx",
    "parse_yaml",
    "register_format",
]
