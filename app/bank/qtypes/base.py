"""The question-type interface and the plain data that formats, graders and the app share.

Nothing here knows about Flask or the database: a question travels between YAML, JSON, GIFT,
Moodle XML and the `QuestionVersion` row as a `QuestionData`, and the type-specific part
(`QuestionData.data`) is owned, read and validated by the question type named in `qtype`.
"""

from __future__ import annotations

import html
import math
import random
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from app.bank import richtext
from app.bank.qtypes.api import ResponseRefused
from app.bank.qtypes.i18n import LazyText, _, _l

TEXT_FORMATS = richtext.TEXT_FORMATS
STATUSES = ("draft", "ready", "retired")
DIFFICULTIES = (1, 2, 3)
DEFAULT_PENALTY = 0.3333333
DEFAULT_DIFFICULTY = 2


#: Moodle's grade options (question_bank::fraction_options_full), positive half.
# fmt: off
FRACTION_OPTIONS: tuple[float, ...] = (
    1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0,
)
# fmt: on
FRACTION_TOLERANCE = 1e-6
#: Moodle's question_state::graded_state_for_fraction: within this of 1 is right, of 0 wrong.
FULL_MARK_EPSILON = 1e-6

#: JSON-able and opaque to callers: store what choice_order() returns and pass it back.
ChoiceOrder = Any


def is_allowed_fraction(value: float, *, allow_negative: bool) -> bool:
    """Tell whether `value` is one of Moodle's grade options (negatives only where allowed)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        return False
    if value < 0 and not allow_negative:
        return False
    return any(abs(abs(value) - option) <= FRACTION_TOLERANCE for option in FRACTION_OPTIONS)


def is_full_mark(fraction: float) -> bool:
    """Tell whether `fraction` counts as fully right (3 x 0.3333333 does)."""
    return fraction > 1 - FULL_MARK_EPSILON


def clamp_fraction(fraction: float) -> float:
    """Keep a grade within [0, 1], snapping what Moodle calls right or wrong to exactly 1 or 0.

    Grade options are rounded to 7 places, so three answers of 0.3333333 add up to 0.9999999;
    that is a full mark, and marks stored from it should not read 0.9999999.
    """
    if fraction > 1 - FULL_MARK_EPSILON:
        return 1.0
    if fraction < FULL_MARK_EPSILON:
        return 0.0
    return fraction


@dataclass
class Problem:
    """One problem found in a question file, located by file and line for the author."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Issue:
    """One problem in a question's type-specific data, with the path of the field concerned."""

    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return self.message


class QTypeDataError(ValueError):
    """Raised by `QType.from_dict` when the type-specific part cannot be read at all."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(issue.message for issue in self.issues))


@dataclass
class QuestionData:
    """A question as imported or exported: every field SkillGrid and Moodle carry, no Flask."""

    qtype: str
    name: str
    questiontext: str = ""
    id: str | None = None  #: the stable key; also GIFT's [id:] and Moodle XML's idnumber
    category: str | None = None  #: category names from the root joined by "/"
    questiontextformat: str = "markdown"
    generalfeedback: str = ""
    generalfeedbackformat: str | None = None  #: None means "same as questiontextformat"
    defaultmark: float = 1.0
    penalty: float = DEFAULT_PENALTY
    difficulty: int = DEFAULT_DIFFICULTY
    competencies: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status: str = "draft"
    source_version: str | None = None
    hints: list[dict[str, Any]] = field(default_factory=list)
    correctfeedback: str = ""
    partiallycorrectfeedback: str = ""
    incorrectfeedback: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    #: embedded files (Moodle's @@PLUGINFILE@@): {name, path, mimetype, content_base64},
    #: sorted by path and name; texts refer to them as @@PLUGINFILE@@/<path><name>
    files: list[dict[str, Any]] = field(default_factory=list)
    #: where the question starts in its source file; not part of the question's identity
    line: int | None = field(default=None, compare=False)
    #: the description of the question's category, where the file carries one (Moodle XML)
    category_description: str | None = field(default=None, compare=False)

    def combined_feedback(self, fraction: float | None) -> str:
        """Return the combined feedback Moodle shows for a graded `fraction` (source text)."""
        if fraction is None:
            return ""
        if is_full_mark(fraction):
            return self.correctfeedback
        if fraction > 0:
            return self.partiallycorrectfeedback
        return self.incorrectfeedback


class DataReader:
    """Reads loosely typed input (YAML, JSON, form data) into clean values, collecting issues."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        """Record one issue at `path`."""
        self.issues.append(Issue(tuple(path), message))

    def mapping(self, value: Any, path: tuple[str | int, ...]) -> Mapping[str, Any]:
        """Return `value` if it is a mapping, else record an issue and return an empty one."""
        if isinstance(value, Mapping):
            return value
        self.add(path, _("expected a mapping of keys and values"))
        return {}

    def unknown_keys(
        self, d: Mapping[str, Any], allowed: Sequence[str], path: tuple[str | int, ...]
    ) -> None:
        """Record an issue for every key of `d` that is not in `allowed`."""
        for key in d:
            if key not in allowed:
                self.add(
                    (*path, str(key)),
                    _("unknown key '%(key)s' (expected one of: %(allowed)s)")
                    % {"key": key, "allowed": ", ".join(allowed)},
                )

    def text(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: str = ""
    ) -> str:
        """Read a text field; whole numbers are accepted as their digits."""
        value = d.get(key, default)
        if value is None:
            return default
        if isinstance(value, str):
            return str(value)  # drops ruamel's scalar-string subclasses
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.add((*path, key), _("'%(key)s' must be text (put it in quotes)") % {"key": key})
        return default

    def optional_text(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...]
    ) -> str | None:
        """Read a text field that may be absent or null."""
        if d.get(key) is None:
            return None
        return self.text(d, key, path)

    def text_format(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...]
    ) -> str | None:
        """Read an optional text-format name (markdown, html, plain, moodle)."""
        value = self.optional_text(d, key, path)
        if value is not None and value not in TEXT_FORMATS:
            self.add(
                (*path, key),
                _("'%(key)s' must be one of: %(allowed)s")
                % {"key": key, "allowed": ", ".join(TEXT_FORMATS)},
            )
            return None
        return value

    def number(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: float
    ) -> float:
        """Read a finite number."""
        value = d.get(key, default)
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
            if math.isfinite(number):
                return number
        self.add((*path, key), _("'%(key)s' must be a number") % {"key": key})
        return default

    def integer(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: int | None
    ) -> int | None:
        """Read a whole number (1.0 is accepted, 1.5 is not)."""
        value = d.get(key, default)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        self.add((*path, key), _("'%(key)s' must be a whole number") % {"key": key})
        return default

    def boolean(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...], default: bool
    ) -> bool:
        """Read true/false; Moodle's 0 and 1 are accepted too."""
        value = d.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.add((*path, key), _("'%(key)s' must be true or false") % {"key": key})
        return default

    def items(
        self, d: Mapping[str, Any], key: str, path: tuple[str | int, ...]
    ) -> list[tuple[int, Mapping[str, Any]]]:
        """Read a list of mappings, returning (index, mapping) for each readable entry."""
        value = d.get(key)
        if value is None:
            return []
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            self.add((*path, key), _("'%(key)s' must be a list") % {"key": key})
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                result.append((index, item))
            else:
                self.add((*path, key, index), _("each entry must be a mapping of keys and values"))
        return result


def read_answer(
    reader: DataReader,
    item: Mapping[str, Any],
    path: tuple[str | int, ...],
    extra_keys: Sequence[str] = (),
) -> dict[str, Any]:
    """Read one {text, fraction, feedback} answer, keeping optional per-piece formats."""
    keys = ("text", "fraction", "feedback", *extra_keys, "format", "feedbackformat")
    reader.unknown_keys(item, keys, path)
    answer: dict[str, Any] = {
        "text": reader.text(item, "text", path),
        "fraction": reader.number(item, "fraction", path, 0.0),
        "feedback": reader.text(item, "feedback", path),
    }
    for key in ("format", "feedbackformat"):
        fmt = reader.text_format(item, key, path)
        if fmt is not None:
            answer[key] = fmt
    return answer


def write_answer(answer: Mapping[str, Any], extra_keys: Sequence[str] = ()) -> dict[str, Any]:
    """Return an answer in the exported key order; optional formats only when set."""
    out: dict[str, Any] = {"text": answer["text"]}
    for key in extra_keys:
        out[key] = answer[key]
    out["fraction"] = answer["fraction"]
    out["feedback"] = answer.get("feedback", "")
    for key in ("format", "feedbackformat"):
        if answer.get(key):
            out[key] = answer[key]
    return out


def check_answer_texts(answers: Sequence[Mapping[str, Any]]) -> list[Issue]:
    """Report answers whose text is blank (Moodle would drop them; we ask the author)."""
    return [
        Issue(("answers", index, "text"), _("answer %(n)d has no text") % {"n": index + 1})
        for index, answer in enumerate(answers)
        if not str(answer["text"]).strip()
    ]


def check_fractions(answers: Sequence[Mapping[str, Any]], *, allow_negative: bool) -> list[Issue]:
    """Report fractions that are not among Moodle's grade options."""
    issues = []
    for index, answer in enumerate(answers):
        if not is_allowed_fraction(answer["fraction"], allow_negative=allow_negative):
            issues.append(
                Issue(
                    ("answers", index, "fraction"),
                    _("answer %(n)d: fraction %(f)s is not one of Moodle's grade options")
                    % {"n": index + 1, "f": answer["fraction"]},
                )
            )
    return issues


def esc(value: Any) -> str:
    """Escape a value for HTML text or a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def permutation_or_identity(order: Any, size: int) -> list[int]:
    """Return `order` if it is a permutation of range(size), else the natural order."""
    if isinstance(order, Sequence) and not isinstance(order, (str, bytes)):
        candidate = [i for i in order if isinstance(i, int) and not isinstance(i, bool)]
        if len(candidate) == len(order) and sorted(candidate) == list(range(size)):
            return candidate
    return list(range(size))


def correctness_badge(fraction: float) -> str:
    """Return the Bootstrap badge saying whether a (part of a) response was right."""
    if is_full_mark(fraction):
        return '<span class="badge text-bg-success ms-2">' + esc(_("Correct")) + "</span>"
    if fraction > 0:
        return '<span class="badge text-bg-warning ms-2">' + esc(_("Partially correct")) + "</span>"
    return '<span class="badge text-bg-danger ms-2">' + esc(_("Incorrect")) + "</span>"


def feedback_block(text: str, fmt: str) -> str:
    """Return specific feedback as a muted block, or nothing when there is none."""
    if not text or not text.strip():
        return ""
    return (
        '<div class="feedback small text-body-secondary">' + richtext.render(text, fmt) + "</div>"
    )


def right_answer_block(label: str, answer_html: str) -> str:
    """Return the "The correct answer is" block shown in review."""
    return (
        '<div class="rightanswer alert alert-light py-1 px-2 mt-2 mb-0">'
        + esc(label)
        + " "
        + answer_html
        + "</div>"
    )


def review_name(field_name: str | None) -> str:
    """Name the disabled controls of a review; unique when none is given, because radio
    buttons sharing a name across questions on one page would untick each other."""
    return field_name or "review-" + secrets.token_hex(4)


def not_answered_block() -> str:
    """Return the note shown in review when nothing was answered."""
    return '<div class="notanswered text-body-secondary">' + esc(_("Not answered")) + "</div>"


@dataclass(frozen=True)
class Rendering:
    """One rendering of a question's answer area: for an attempt, or (``is_review``) read-only.

    `QType.render_answer` and `QType.render_review` build it, so each type writes its HTML once
    in `answer_html` and `review_html` from one argument instead of repeating the signatures.
    """

    data: Mapping[str, Any]
    response: Any
    order: ChoiceOrder
    field_name: str
    textformat: str
    is_review: bool = False
    show_correct: bool = False
    show_feedback: bool = False
    #: the stored question text, for a type whose controls sit inside it (`answers_in_text`)
    questiontext: str = ""
    #: what the page calls the question ("Question 3"): a group of choices names it in its
    #: legend, so a screen reader says which question the group answers
    question_label: str = ""


class QType:
    """One question type: reads, validates, grades and renders its type-specific data, and says
    everything else the app needs to know about it (label, form, grading needs, API shape).

    `data` is always the canonical dict that `from_dict` returns; responses are the JSON-able
    values that `normalise_response` returns. Grading never raises on a malformed response.
    Adding a type means adding one module (and its syntax in the file formats): the rest of the
    app asks the type, never tests its name.
    """

    name: ClassVar[str]
    #: what authors and staff call the type (translated when shown)
    label: ClassVar[LazyText]
    #: what the type is and the rules its answers follow, shown to authors above its fields
    help: ClassVar[LazyText]
    #: whether a response earns a mark at all (a description does not)
    is_graded: ClassVar[bool] = True
    #: whether a trainer marks it: `grade` returns None and the attempt waits for grading
    is_manually_graded: ClassVar[bool] = False
    #: whether a random quiz slot may draw it
    is_drawable: ClassVar[bool] = True
    #: whether correct/partially correct/incorrect feedback applies (Moodle: choice, matching)
    has_combined_feedback: ClassVar[bool] = False
    #: whether an answer may carry a negative grade (the form then offers negative options)
    allow_negative: ClassVar[bool] = False
    #: whether a response has parts analysed one by one (`summarise_parts`, `grade_parts`,
    #: `part_label`): item statistics then show each part apart (a Cloze question's blanks)
    has_parts: ClassVar[bool] = False
    default_mark: ClassVar[float] = 1.0
    default_penalty: ClassVar[float] = DEFAULT_PENALTY
    #: the type-specific keys, in the order they are written
    keys: ClassVar[tuple[str, ...]] = ()
    #: what an answer holds besides text, fraction and feedback (numerical: a tolerance)
    answer_extra_keys: ClassVar[tuple[str, ...]] = ()

    # --- the authoring form --------------------------------------------------------------

    #: the legend over the type's own fields on the authoring form
    form_legend: ClassVar[LazyText] = _l("Answers")
    #: the type's fields on the authoring form, row by row: a list of rows (answers, units,
    #: subquestions) alone, or fields side by side; empty: each key on a row of its own
    form_layout: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: blank rows of each list a new question starts with (Moodle offers a few empty ones too)
    start_rows: ClassVar[Mapping[str, int]] = {"answers": 4, "units": 1, "subquestions": 4}

    # --- answers written inside the question text ----------------------------------------

    #: whether the answers sit inside the question text (Cloze's blanks): files and forms write
    #: them there (`split_text`, `join_text`) and pages show the text through `render_answer`
    #: and `render_review`, given `questiontext=`, instead of above the controls (`text_html`)
    answers_in_text: ClassVar[bool] = False

    def split_text(
        self, questiontext: str, textformat: str
    ) -> tuple[str, dict[str, Any] | None, list[Issue]]:
        """Take the answers a file writes inside the question text out of it: the text as
        stored, the type's data read from them (None: the type keeps its data in its own
        keys) and the problems, each at ("questiontext", line within the text)."""
        return questiontext, None, []

    def join_text(self, questiontext: str, data: Mapping[str, Any], textformat: str) -> str:
        """The question text as files write it: what `split_text` took out put back in."""
        return questiontext

    def default_mark_for(self, data: Mapping[str, Any]) -> float:
        """The question's mark when a file does not give one."""
        return self.default_mark

    def text_html(self, questiontext: str, textformat: str) -> str:
        """The question text as pages show it above the answer controls ("" when the
        controls carry it)."""
        return "" if self.answers_in_text else richtext.render(questiontext, textformat)

    def preview_html(self, questiontext: str, textformat: str) -> str:
        """The author's live preview of a question text as typed in the form."""
        return richtext.render(questiontext, textformat)

    # --- reading and writing -------------------------------------------------------------

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read the type-specific keys of `d` into canonical data, recording issues."""
        return {}

    def parse_dict(self, d: Mapping[str, Any]) -> tuple[dict[str, Any], list[Issue]]:
        """Read the type-specific part; return canonical data and structural issues."""
        reader = DataReader()
        d = reader.mapping(d, ())
        reader.unknown_keys(d, self.keys, ())
        data = self.read(reader, d)
        return data, reader.issues

    def from_dict(self, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read the type-specific part, raising `QTypeDataError` if its structure is wrong."""
        data, issues = self.parse_dict(d)
        if issues:
            raise QTypeDataError(issues)
        return data

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return the type-specific part as written in YAML, in a stable key order."""
        return {}

    def export_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return the type-specific part as written in the JSON export."""
        return self.to_dict(data)

    # --- validation ----------------------------------------------------------------------

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Return the semantic issues of canonical `data` (Moodle's edit-form rules)."""
        return []

    def problems(self, data: Mapping[str, Any]) -> list[Issue]:
        """Return every issue of `data`: structure first, then meaning once the structure holds."""
        parsed, issues = self.parse_dict(data)
        return issues or self.check(parsed)

    def validate(self, data: Mapping[str, Any]) -> list[str]:
        """Return readable messages for everything wrong with `data`; empty when valid."""
        return [issue.message for issue in self.problems(data)]

    # --- responses and grading -----------------------------------------------------------

    def read_form(self, data: Mapping[str, Any], form: Any, field_name: str) -> Any:
        """Pull this question's raw value out of submitted form data (a MultiDict or dict)."""
        return form.get(field_name)

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> Any:
        """Turn a raw form/JSON value into the stored response (None when not answered)."""
        return None

    def is_complete_response(self, data: Mapping[str, Any], response: Any) -> bool:
        """Tell whether `response` answers the question (for "answered" marks in navigation)."""
        return response is not None and response != "" and response != [] and response != {}

    def grade(self, data: Mapping[str, Any], response: Any) -> float | None:
        """Return the fraction in [0, 1] earned by `response`, or None if not auto-graded."""
        return None

    def random_guess_score(self, data: Mapping[str, Any]) -> float | None:
        """Return the expected fraction of a random guess, or None where Moodle has none."""
        return 0.0

    def correct_response(self, data: Mapping[str, Any]) -> Any:
        """Return a response that earns full marks (None where there is none)."""
        return None

    def summarise_response(self, data: Mapping[str, Any], response: Any) -> str:
        """Return `response` as one line of plain text (reports, item analysis)."""
        if response is None:
            return ""
        return str(response)

    def summarise_parts(self, data: Mapping[str, Any], response: Any) -> list[str]:
        """The response part by part, for statistics per part (a Cloze blank is one part;
        most types have a single part: the whole response)."""
        return [self.summarise_response(data, response)]

    def grade_parts(self, data: Mapping[str, Any], response: Any) -> list[float | None]:
        """The fraction earned by each part of `summarise_parts`."""
        return [self.grade(data, response)]

    def part_label(self, number: int) -> str:
        """What part `number` (from 1) is called in statistics."""
        return str(number)

    def regrade_signature(self, data: Mapping[str, Any], questiontext: str) -> tuple:
        """What must stay the same between two versions for a regrade to keep the responses:
        the type, the text and whatever the person chose from (a change there is a new
        question, not a key fix)."""
        return (self.name, questiontext, ())

    def choice_order(
        self, data: Mapping[str, Any], shuffle: bool, rng: random.Random
    ) -> ChoiceOrder:
        """Freeze the order of the choices for a new attempt (an opaque JSON-able value)."""
        return []

    # --- rendering -----------------------------------------------------------------------

    def render_answer(
        self,
        data: Mapping[str, Any],
        response: Any,
        choice_order: ChoiceOrder,
        field_name: str,
        *,
        textformat: str = "markdown",
        questiontext: str = "",
        question_label: str = "",
    ) -> str:
        """Return the answer controls for an attempt: never fractions, feedback or the key.

        A type with `answers_in_text` needs the stored `questiontext` to place them in;
        `question_label` ("Question 3") names the question in a choice group's legend.
        """
        view = Rendering(
            data,
            response,
            choice_order,
            field_name,
            textformat,
            questiontext=questiontext,
            question_label=question_label,
        )
        return self.answer_html(view)

    def render_review(
        self,
        data: Mapping[str, Any],
        response: Any,
        choice_order: ChoiceOrder,
        show_correct: bool,
        show_feedback: bool,
        *,
        textformat: str = "markdown",
        field_name: str | None = None,
        questiontext: str = "",
        question_label: str = "",
    ) -> str:
        """Return the read-only response, with correctness and feedback when allowed.

        Pass a `field_name` unique on the page (e.g. the slot's) to get stable ids, the
        stored `questiontext` for a type with `answers_in_text`, and `question_label`
        ("Question 3") to name the question in a choice group's legend.
        """
        view = Rendering(
            data,
            response,
            choice_order,
            review_name(field_name),
            textformat,
            is_review=True,
            show_correct=show_correct,
            show_feedback=show_feedback,
            questiontext=questiontext,
            question_label=question_label,
        )
        return self.review_html(view)

    def answer_html(self, view: Rendering) -> str:
        """The answer controls of `render_answer` (types with something to answer override)."""
        return ""

    def review_html(self, view: Rendering) -> str:
        """The read-only response of `render_review` (types with something to answer override)."""
        return ""

    # --- the API's shape -----------------------------------------------------------------

    #: the JSON schema (OpenAPI) of a response to the type, as sent and as read back; None for
    #: a type that takes no answer
    api_schema: ClassVar[Mapping[str, Any] | None] = None

    def api_view(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, textformat: str
    ) -> dict[str, Any]:
        """What the API shows beside the question's text: choices named by per-attempt ids
        (1..n in the order the attempt displays them); nothing for a type without choices."""
        return {}

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, response: Mapping[str, Any]
    ) -> Any:
        """Turn a response sent to the API into the raw value the page's form would send (then
        `normalise_response` stores it); raise `ResponseRefused` when it does not fit."""
        raise ResponseRefused("", _("This question takes no answer."))

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: ChoiceOrder, stored: Any
    ) -> dict[str, Any] | None:
        """A stored response (or a right answer) in the API's form; None when there is none."""
        return None
