"""Fixtures of the bank's Flask-side tests."""

import textwrap
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from app.bank import services


@pytest.fixture
def import_yaml(app):
    """Import YAML text through the real service: ``import_yaml(text, name=..., **options)``."""

    def run(text: str, name: str = "topic.yaml", **options):
        with app.app_context():
            source = services.decode_source(textwrap.dedent(text).encode("utf-8"), name)
            return services.import_questions(None, [source], **options)

    return run


@pytest.fixture
def exported(app):
    """The bank's latest versions as QuestionData, in export order."""

    def run(category=None):
        with app.app_context():
            return services.export_questions(category)

    return run


class _FormReader(HTMLParser):
    """Collects what a browser would submit from one form of a page (templates left out)."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.in_template = 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: list | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            else:
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = [name, None, None]
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in a:
                self._select[1] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "template" and self.inside:
            self.in_template -= 1
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # Browsers drop one newline after <textarea> and send line ends as CRLF.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self.fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, selected, first = self._select
            self.fields.append((name, selected if selected is not None else first or ""))
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_values(page: str, form_id: str, **changes) -> MultiDict:
    """What submitting form ``form_id`` of ``page`` sends, with ``changes`` applied.

    A change of None removes the field (an unticked checkbox); a list sets several values.
    """
    reader = _FormReader(form_id)
    reader.feed(page)
    values = MultiDict(reader.fields)
    for name, value in changes.items():
        values.poplist(name)
        if isinstance(value, list):
            for item in value:
                values.add(name, item)
        elif value is not None:
            values.add(name, value)
    return values
