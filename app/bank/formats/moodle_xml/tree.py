"""The XML layer of Moodle XML: a small tree of elements that remembers the line of each,
parsed safely, and Moodle's names for the text formats its `format` attributes carry."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from app.bank.qtypes.i18n import _

#: Moodle's format names <-> SkillGrid's
FORMAT_NAMES = {
    "moodle_auto_format": "moodle",
    "html": "html",
    "plain_text": "plain",
    "markdown": "markdown",
    "wiki_like": "moodle",  # retired by Moodle long ago; its files still turn up
}
MOODLE_FORMATS = {"moodle": "moodle_auto_format", "html": "html", "plain": "plain_text",
                  "markdown": "markdown"}  # fmt: skip


class Node:
    """An XML element: tag, attributes, children, its own text and the line it starts on."""

    __slots__ = ("tag", "attrs", "children", "parts", "line")

    def __init__(self, tag: str, attrs: dict[str, str], line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node] = []
        self.parts: list[str] = []
        self.line = line

    @property
    def text(self) -> str:
        """The element's own character data (CDATA included), untrimmed."""
        return "".join(self.parts)

    def find(self, tag: str) -> Node | None:
        """The first child called `tag`."""
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[Node]:
        """Every child called `tag`."""
        return [child for child in self.children if child.tag == tag]

    def iter(self, tag: str) -> Iterable[Node]:
        """Every descendant called `tag`, in document order."""
        for child in self.children:
            if child.tag == tag:
                yield child
            yield from child.iter(tag)


class _Builder:
    """The parser's target: builds Nodes, asking the expat parser for each start tag's line."""

    def __init__(self) -> None:
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.expat: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """Open an element on the line the parser is at."""
        node = Node(tag, dict(attrs), self.expat.CurrentLineNumber)
        if self.stack:
            self.stack[-1].children.append(node)
        elif self.root is None:
            self.root = node
        self.stack.append(node)

    def end(self, tag: str) -> None:
        """Close the innermost open element."""
        self.stack.pop()

    def data(self, data: str) -> None:
        """Add character data to the innermost open element."""
        if self.stack:
            self.stack[-1].parts.append(data)

    def close(self) -> Node | None:
        """The root element, or None if the text held none."""
        return self.root


def parse_tree(text: str) -> Node:
    """Parse XML text safely into Nodes; raises ValueError(line, message) on bad XML."""
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        raise ValueError(
            line, _("XML syntax error: %(msg)s") % {"msg": _syntax_detail(exc)}
        ) from None
    except DefusedXmlException:
        line = builder.expat.CurrentLineNumber or 1
        raise ValueError(
            line, _("the XML declares a DTD or entities, which are refused for safety")
        ) from None
    if root is None:
        raise ValueError(1, _("the file has no XML element"))
    return root


def _syntax_detail(exc: ParseError) -> str:
    return re.sub(r": line \d+, column \d+$", "", str(exc))
