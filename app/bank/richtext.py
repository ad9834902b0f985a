"""Rich text of questions: the four text formats turned into sanitised HTML.

The source is always stored as written; these functions only produce what a browser is shown.
Every path ends in nh3 with an explicit allow-list, so no format can smuggle script in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TEXT_FORMATS = ("markdown", "html", "plain", "moodle")

# fmt: off
ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
# fmt: on
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "code": {"class"},  # markdown-it marks fenced code with language-xxx
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Cleaner and parser are built once: both are immutable after construction and costly to make.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"}, attributes={})
_MARKDOWN = MarkdownIt("js-default")  # raw HTML off, tables on; output is still sanitised

#: how texts refer to a file embedded in their question (Moodle's placeholder)
PLUGINFILE = "@@PLUGINFILE@@/"
# Up to the end of the attribute; a query or fragment after the name is kept as it is.
_PLUGINFILE_URL = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>?#]*)")

# Moodle's text_to_html() drops whitespace around tags before turning newlines into <br>,
# so HTML written over several lines does not sprout extra breaks.
_SPACE_BETWEEN_TAGS = re.compile(r">\s+<")
_NEWLINE_BEFORE_TAG = re.compile(r"[\r\n]<")
_NEWLINE_AFTER_TAG = re.compile(r">[\r\n]")


def sanitise(fragment: str) -> str:
    """Return `fragment` with every tag, attribute and URL scheme outside the allow-list removed."""
    return _CLEANER.clean(fragment or "")


def render(text: str, fmt: str = "markdown") -> str:
    """Render question text written in `fmt` to sanitised block-level HTML."""
    text = text or ""
    if fmt == "markdown":
        return sanitise(_MARKDOWN.render(text))
    if fmt == "html":
        return sanitise(text)
    if fmt == "moodle":
        # The wrapper is ours, added after cleaning, so the class survives the allow-list.
        return '<div class="text_to_html">' + sanitise(_moodle_auto_format(text)) + "</div>"
    return _plain_to_html(text)


def resolve_files(rendered: str, file_url: Callable[[str], str]) -> str:
    """Point the @@PLUGINFILE@@/<name> references of rendered HTML at ``file_url(name)``.

    The stored text keeps Moodle's placeholder; only what a browser is shown changes. The
    caller says where a file is served (a route of the app), so this stays free of Flask.
    """

    def replace(match: re.Match[str]) -> str:
        name = unquote(html.unescape(match.group(1)))
        return html.escape(file_url(name), quote=True)

    return _PLUGINFILE_URL.sub(replace, rendered)


def render_inline(text: str, fmt: str = "markdown") -> str:
    """Render a short piece (a choice, a feedback line) without wrapping it in a paragraph."""
    text = text or ""
    if fmt == "markdown":
        # Inline rendering keeps choices on one line inside their <label>; a choice written
        # over several paragraphs falls back to block rendering.
        if "\n\n" in text.strip():
            return render(text, fmt)
        return sanitise(_MARKDOWN.renderInline(text.strip()))
    if fmt == "moodle":
        return sanitise(_moodle_auto_format(text))
    return render(text, fmt)


def to_plain(text: str, fmt: str = "markdown") -> str:
    """Return the visible text of `text` without any markup (for names, summaries, exports)."""
    if fmt == "plain":
        return (text or "").strip()
    rendered = render(text, fmt)
    return html.unescape(_TEXT_ONLY.clean(rendered)).strip()


def _moodle_auto_format(text: str) -> str:
    """Moodle's FORMAT_MOODLE: HTML is allowed and newlines become line breaks."""
    text = _SPACE_BETWEEN_TAGS.sub("><", text)
    text = _NEWLINE_BEFORE_TAG.sub(" <", text)
    text = _NEWLINE_AFTER_TAG.sub("> ", text)
    return text.replace("\r\n", "\n").replace("\n", "<br>\n")


def _plain_to_html(text: str) -> str:
    """Moodle's FORMAT_PLAIN: everything escaped, double spaces and newlines kept visible."""
    escaped = html.escape(text, quote=False).replace("  ", "&nbsp; ")
    return escaped.replace("\r\n", "\n").replace("\n", "<br>\n")


def as_markup(html: str) -> Markup:
    """Mark HTML as safe for Jinja: only for what ``render``/``sanitise`` or a qtype renderer
    (which escapes everything it writes) produced."""
    return Markup(html)  # noqa: S704 - callers pass output of the sanitising renderers only
