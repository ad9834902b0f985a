"""Essay: free text graded by a trainer, with grader information to guide the marking."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from app.bank.qtypes.api import TextAnswerAPI
from app.bank.qtypes.base import (
    ChoiceOrder,
    DataReader,
    Issue,
    QType,
    Rendering,
    esc,
    not_answered_block,
)
from app.bank.qtypes.i18n import _, _l

RESPONSE_FORMATS = ("editor", "editorfilepicker", "plain", "monospaced", "noinline")
#: Moodle's attachment counts: -1 means unlimited. SkillGrid takes no uploads but keeps the value.
ATTACHMENT_COUNTS = (-1, 0, 1, 2, 3)


class Essay(TextAnswerAPI, QType):
    """Never auto-graded: `grade` returns None and the attempt waits for a trainer."""

    name = "essay"
    label = _l("Essay")
    help = _l(
        "Staff write a text that a trainer marks. The grader information guides the marking "
        "and is never shown to staff."
    )
    is_manually_graded = True
    keys = (
        "responseformat",
        "responserequired",
        "responsefieldlines",
        "attachments",
        "attachmentsrequired",
        "minwordlimit",
        "maxwordlimit",
        "graderinfo",
        "graderinfoformat",
        "responsetemplate",
    )
    form_legend = _l("The response")
    form_layout = (
        ("responseformat", "responsefieldlines", "responserequired"),
        ("minwordlimit", "maxwordlimit"),
        ("graderinfo",),
        ("responsetemplate",),
    )

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read Moodle's essay options (the GIFT import defaults when absent)."""
        data: dict[str, Any] = {
            "responseformat": reader.text(d, "responseformat", (), "editor"),
            "responserequired": reader.boolean(d, "responserequired", (), True),
            "responsefieldlines": reader.integer(d, "responsefieldlines", (), 15),
            "attachments": reader.integer(d, "attachments", (), 0),
            "attachmentsrequired": reader.integer(d, "attachmentsrequired", (), 0),
            "minwordlimit": reader.integer(d, "minwordlimit", (), None),
            "maxwordlimit": reader.integer(d, "maxwordlimit", (), None),
            "graderinfo": reader.text(d, "graderinfo", ()),
            "responsetemplate": reader.text(d, "responsetemplate", ()),
        }
        fmt = reader.text_format(d, "graderinfoformat", ())
        if fmt is not None:
            data["graderinfoformat"] = fmt
        return data

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write the options; word limits and the grader-info format only when set."""
        out = {key: data.get(key) for key in self.keys}
        for key in ("minwordlimit", "maxwordlimit", "graderinfoformat"):
            if out[key] is None:
                del out[key]
        return out

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Known response format, sensible box size and word limits."""
        issues = []
        if data["responseformat"] not in RESPONSE_FORMATS:
            issues.append(
                Issue(
                    ("responseformat",),
                    _("'responseformat' must be one of: %(allowed)s")
                    % {"allowed": ", ".join(RESPONSE_FORMATS)},
                )
            )
        if data["responsefieldlines"] is None or not 1 <= data["responsefieldlines"] <= 100:
            issues.append(
                Issue(("responsefieldlines",), _("'responsefieldlines' must be from 1 to 100"))
            )
        if data["attachments"] not in ATTACHMENT_COUNTS:
            issues.append(Issue(("attachments",), _("'attachments' must be -1, 0, 1, 2 or 3")))
        if data["attachmentsrequired"] is None or data["attachmentsrequired"] < 0:
            issues.append(
                Issue(("attachmentsrequired",), _("'attachmentsrequired' cannot be negative"))
            )
        low, high = data["minwordlimit"], data["maxwordlimit"]
        for key, value in (("minwordlimit", low), ("maxwordlimit", high)):
            if value is not None and value < 0:
                issues.append(Issue((key,), _("a word limit cannot be negative")))
        if low is not None and high is not None and low > high:
            issues.append(
                Issue(("minwordlimit",), _("the minimum word count is above the maximum"))
            )
        return issues

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> str | None:
        """Keep the text as written; blank means not answered."""
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        if raw is None or isinstance(raw, bool):
            return None
        text = str(raw).replace("\r\n", "\n")
        return text if text.strip() else None

    def grade(self, data: Mapping[str, Any], response: Any) -> None:
        """Essays are marked by a trainer."""
        return None

    def random_guess_score(self, data: Mapping[str, Any]) -> None:
        """There is no guessing an essay."""
        return None

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """The text as written."""
        return response if isinstance(response, str) else ""

    def answer_html(self, view: Rendering) -> str:
        """A text area sized by responsefieldlines, prefilled with the response template."""
        data = view.data
        value = (
            view.response if isinstance(view.response, str) else data.get("responsetemplate", "")
        )
        monospace = " font-monospace" if data.get("responseformat") == "monospaced" else ""
        required = " required" if data.get("responserequired", True) else ""
        return (
            '<div class="answer qtype-essay">'
            f'<textarea class="form-control{monospace}" name="{esc(view.field_name)}"'
            f' id="{esc(view.field_name)}" rows="{int(data.get("responsefieldlines") or 15)}"'
            ' aria-label="'
            + esc(_("Answer"))
            + f'"{required}>'
            # A leading newline right after <textarea> is eaten by the HTML parser.
            + "\n"
            + html.escape(value or "", quote=False)
            + "</textarea></div>"
        )

    def review_html(self, view: Rendering) -> str:
        """The text as written, escaped; grader information is for graders, not shown here."""
        response = view.response
        if not isinstance(response, str) or not response.strip():
            return not_answered_block()
        escaped = html.escape(response, quote=False).replace("\n", "<br>\n")
        monospace = " font-monospace" if view.data.get("responseformat") == "monospaced" else ""
        return (
            f'<div class="answer qtype-essay response border rounded p-2{monospace}">'
            + escaped
            + "</div>"
        )


qtype = Essay()
