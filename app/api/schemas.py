"""Marshmallow schemas of API v1: they validate every request and document every answer.

Times are RFC 3339 in UTC (``2026-11-27T09:00:00Z``); dates (hired_at, due_at) are RFC 3339
full dates. Unknown keys in a JSON body are refused (422); unknown query parameters are ignored.
"""

from datetime import UTC

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from app.bank.formats import FORMATS
from app.bank.qtypes import QTYPES, STATUSES, api_response_schemas
from app.core.permissions import ROLE_VALUES
from app.courses.models import COURSE_STATUSES, ENROLMENT_STATUSES
from app.quizzes.models import ATTEMPT_STATES, REVIEW_ITEMS

MAX_SEQ = 2**62
#: the most records one PUT /users may carry
MAX_FEED_ROWS = 5000


class UTCDateTime(fields.DateTime):
    """An aware datetime written as RFC 3339 in UTC with a Z, to the second."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Strict(ma.Schema):
    """A request body: unknown keys are errors."""

    class Meta:
        unknown = ma.RAISE


# --- errors -------------------------------------------------------------------------------


class ErrorItemSchema(ma.Schema):
    """One located problem: a field (dotted path), a row (from 1), or a file and line."""

    field = fields.String(metadata={"description": "Dotted path of the field, e.g. users.2.email"})
    row = fields.Integer(metadata={"description": "Row of a bulk request, counted from 1"})
    file = fields.String(metadata={"description": "The uploaded file"})
    line = fields.Integer(metadata={"description": "Line in that file, counted from 1"})
    message = fields.String(required=True)


class ErrorSchema(ma.Schema):
    """Every error answer of the API, whatever its status."""

    code = fields.String(
        required=True, metadata={"description": "snake_case, e.g. not_found, attempt_closed"}
    )
    message = fields.String(required=True)
    errors = fields.List(fields.Nested(ErrorItemSchema), required=True)


# --- tokens and me ------------------------------------------------------------------------


class TokenRequestSchema(Strict):
    """Credentials of a local account."""

    username = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"description": "Employee number or email"},
    )
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class TokenSchema(ma.Schema):
    """A new token: shown once, send it as ``Authorization: Bearer <token>``."""

    token = fields.String(required=True)
    expires_at = UTCDateTime(required=True, allow_none=True)


class PersonSchema(ma.Schema):
    """A person as the HR feed reads and writes them."""

    employee_no = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    department = fields.String(
        required=True, allow_none=True, metadata={"description": "Department path from the root"}
    )
    job_role = fields.String(required=True, allow_none=True, metadata={"description": "e.g. CTR"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLE_VALUES)), required=True)
    hired_at = fields.Date(required=True, allow_none=True)
    is_active = fields.Boolean(required=True)


class TokenInfoSchema(ma.Schema):
    """The token of the request."""

    kind = fields.String(required=True, validate=validate.OneOf(("user", "service")))
    name = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True, allow_none=True)
    expires_at = UTCDateTime(required=True, allow_none=True)


class MeSchema(PersonSchema):
    """The user the token acts as, with the departments they manage."""

    manages = fields.List(fields.String(), required=True)
    token = fields.Nested(TokenInfoSchema, required=True)


# --- quizzes and attempts -----------------------------------------------------------------


class QuizItemSchema(ma.Schema):
    """A quiz I may attempt now."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    time_limit_minutes = fields.Integer(required=True, allow_none=True)
    attempts_left = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null = unlimited"}
    )
    close_at = UTCDateTime(required=True, allow_none=True)


class QuizListSchema(ma.Schema):
    """A page of quizzes."""

    items = fields.List(fields.Nested(QuizItemSchema), required=True)


class ChoiceSchema(ma.Schema):
    """A choice, subquestion or answer: a per-attempt id (1..n in displayed order) and HTML."""

    id = fields.Integer(required=True)
    text = fields.String(required=True, metadata={"description": "Sanitised HTML"})


class BlankSchema(ma.Schema):
    """A blank of a Cloze question, in order: the text marks blank n with {#n}."""

    id = fields.Integer(required=True)
    type = fields.String(
        required=True,
        validate=validate.OneOf(("shortanswer", "numerical", "single", "multiple")),
        metadata={"description": "the type whose rules grade the blank"},
    )
    mark = fields.Integer(required=True, metadata={"description": "the blank's weight"})
    choices = fields.List(fields.Nested(ChoiceSchema), metadata={"description": "single/multiple"})


#: the response of each question type, as sent and as read back (each type declares its own)
RESPONSE_SHAPES = api_response_schemas()


def response_field(**kwargs) -> fields.Dict:
    """A question's response: one of RESPONSE_SHAPES, by the slot's qtype."""
    return fields.Dict(metadata={"anyOf": RESPONSE_SHAPES}, **kwargs)


class QuestionSchema(ma.Schema):
    """A question of an attempt as shown: never a fraction, a key or feedback."""

    slot = fields.Integer(required=True)
    question_id = fields.String(required=True, metadata={"description": "The stable key"})
    qtype = fields.String(required=True, validate=validate.OneOf(tuple(QTYPES)))
    text = fields.String(required=True, metadata={"description": "Sanitised HTML"})
    mark = fields.Float(required=True, metadata={"description": "The slot's maximum mark"})
    choices = fields.List(fields.Nested(ChoiceSchema), metadata={"description": "single/multiple"})
    subquestions = fields.List(fields.Nested(ChoiceSchema), metadata={"description": "matching"})
    answers = fields.List(fields.Nested(ChoiceSchema), metadata={"description": "matching"})
    blanks = fields.List(fields.Nested(BlankSchema), metadata={"description": "cloze"})


class AnsweredQuestionSchema(QuestionSchema):
    """A question with the response saved for it (null when unanswered)."""

    response = response_field(required=True, allow_none=True)


class AttemptStartSchema(ma.Schema):
    """An attempt just started or resumed."""

    id = fields.Integer(required=True)
    deadline_at = UTCDateTime(
        required=True, allow_none=True, metadata={"description": "null = no time limit"}
    )
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class AttemptResultSchema(ma.Schema):
    """State and grade of an attempt (mark and passed are null while hidden or ungraded)."""

    state = fields.String(required=True, validate=validate.OneOf(ATTEMPT_STATES))
    mark = fields.Float(required=True, allow_none=True)
    max_mark = fields.Float(required=True)
    passed = fields.Boolean(required=True, allow_none=True)
    needs_grading = fields.Boolean(required=True)


class AttemptSchema(AttemptResultSchema):
    """An attempt with its questions and saved responses."""

    id = fields.Integer(required=True)
    quiz_id = fields.Integer(required=True)
    quiz_title = fields.String(required=True)
    started_at = UTCDateTime(required=True)
    deadline_at = UTCDateTime(required=True, allow_none=True)
    finished_at = UTCDateTime(required=True, allow_none=True)
    questions = fields.List(fields.Nested(AnsweredQuestionSchema), required=True)


class SaveRequestSchema(Strict):
    """One answer; ``seq`` (optional) must grow with each save of the attempt."""

    response = response_field(required=True)
    seq = fields.Integer(validate=validate.Range(min=0, max=MAX_SEQ))


class SaveResultSchema(ma.Schema):
    """What a save did: applied is false when a newer save is already stored."""

    saved_at = UTCDateTime(required=True)
    applied = fields.Boolean(required=True)


class ReviewQuestionSchema(AnsweredQuestionSchema):
    """A question in review: what the quiz's review options allow now, else null."""

    earned_mark = fields.Float(required=True, allow_none=True)
    right_answer = response_field(required=True, allow_none=True)
    feedback = fields.String(required=True, allow_none=True, metadata={"description": "HTML"})
    comment = fields.String(required=True, allow_none=True)


class ReviewSchema(AttemptResultSchema):
    """A finished attempt as the review options allow."""

    id = fields.Integer(required=True)
    quiz_id = fields.Integer(required=True)
    review = fields.List(fields.String(validate=validate.OneOf(REVIEW_ITEMS)), required=True)
    questions = fields.List(fields.Nested(ReviewQuestionSchema), required=True)


# --- question bank ------------------------------------------------------------------------


class QuestionQuerySchema(ma.Schema):
    """The bank list's filters."""

    category = fields.String(metadata={"description": "Category path; includes its subtree"})
    qtype = fields.String(validate=validate.OneOf(tuple(QTYPES)))
    competency = fields.String(
        validate=validate.Regexp(r"^[A-Z]{1,4}[0-9]{1,3}$"),
        metadata={"description": "A competency code of the framework, e.g. SV1"},
    )
    difficulty = fields.Integer(validate=validate.Range(min=1, max=3))
    status = fields.String(validate=validate.OneOf(STATUSES))
    tag = fields.String(validate=validate.Length(max=100))
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Text search"})


class QuestionSummarySchema(ma.Schema):
    """A question of the bank (its latest version)."""

    id = fields.String(required=True, metadata={"description": "The stable key"})
    name = fields.String(required=True)
    qtype = fields.String(required=True)
    category = fields.String(required=True)
    status = fields.String(required=True)
    difficulty = fields.Integer(required=True)
    competencies = fields.List(fields.String(), required=True)
    competency_names = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Competency code -> its name in the request's language"},
    )
    tags = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)
    updated_at = UTCDateTime(required=True)


class QuestionListSchema(ma.Schema):
    """A page of questions."""

    items = fields.List(fields.Nested(QuestionSummarySchema), required=True)


#: GET /questions/{id} answers the bank's JSON export of one question (docs/question-format.md)
EXPORTED_QUESTION = {
    "type": "object",
    "description": "One question exactly as in the bank's JSON export",
    "properties": {
        "id": {"type": "string"},
        "qtype": {"type": "string"},
        "name": {"type": "string"},
        "category": {"type": "string"},
    },
    "required": ["id", "qtype", "name"],
    "additionalProperties": True,
}


class ImportSchema(ma.Schema):
    """A question file and how to read it (multipart/form-data)."""

    file = Upload(required=True)
    format = fields.String(load_default="auto", validate=validate.OneOf(("auto", *FORMATS)))
    dry_run = fields.Boolean(load_default=False)
    category = fields.String(
        validate=validate.Length(max=1000),
        metadata={"description": "Category path the file's categories are put under"},
    )


class ProblemSchema(ma.Schema):
    """A problem of an import, located by file and line."""

    file = fields.String(required=True)
    line = fields.Integer(required=True)
    message = fields.String(required=True)


class ImportResultSchema(ma.Schema):
    """What an import did (or would do, on a dry run)."""

    created = fields.Integer(required=True)
    new_versions = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    dry_run = fields.Boolean(required=True)
    problems = fields.List(fields.Nested(ProblemSchema), required=True)


# --- people -------------------------------------------------------------------------------


class UsersQuerySchema(ma.Schema):
    """Filters of the people list."""

    role = fields.String(validate=validate.OneOf(ROLE_VALUES))
    department = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "Department path from the root; includes its subtree"},
    )
    job_role = fields.String(validate=validate.Length(max=10), metadata={"description": "e.g. CC"})


class UserListSchema(ma.Schema):
    """A page of people."""

    items = fields.List(fields.Nested(PersonSchema), required=True)


class UserRecordSchema(Strict):
    """One person of the HR feed; the record replaces these fields (roles are kept)."""

    employee_no = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(allow_none=True, validate=validate.Length(max=255))
    department = fields.String(allow_none=True, validate=validate.Length(max=500))
    job_role = fields.String(allow_none=True, validate=validate.Length(max=10))
    hired_at = fields.Date(allow_none=True)
    is_active = fields.Boolean(load_default=True)


class UserFeedSchema(Strict):
    """People to create or update by employee number, all or none."""

    users = fields.List(
        fields.Nested(UserRecordSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_FEED_ROWS),
    )


class DryRunQuerySchema(ma.Schema):
    """``dry_run=true`` checks and reports without writing."""

    dry_run = fields.Boolean(load_default=False)


class UserFeedResultSchema(ma.Schema):
    """What the feed did (or would do)."""

    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    dry_run = fields.Boolean(required=True)


class DepartmentSchema(ma.Schema):
    """A department with its sub-departments."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    path = fields.String(required=True, metadata={"description": "Names from the root, '/'"})
    active_members = fields.Integer(required=True)
    children = fields.List(fields.Nested(lambda: DepartmentSchema()), required=True)


class DepartmentTreeSchema(ma.Schema):
    """The whole tree: the roots, each with its children."""

    items = fields.List(fields.Nested(DepartmentSchema), required=True)


# --- training -----------------------------------------------------------------------------


class CoursesQuerySchema(ma.Schema):
    """Filters of the course list."""

    status = fields.String(validate=validate.OneOf(COURSE_STATUSES))
    q = fields.String(validate=validate.Length(max=200))


class CourseSchema(ma.Schema):
    """A course."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    status = fields.String(required=True)
    credit_hours = fields.Float(required=True)
    is_open = fields.Boolean(required=True)
    competencies = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Competency code -> the level the course brings it to"},
    )
    competency_names = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Competency code -> its name in the request's language"},
    )
    published_at = UTCDateTime(required=True, allow_none=True)


class CourseListSchema(ma.Schema):
    """A page of courses."""

    items = fields.List(fields.Nested(CourseSchema), required=True)


class AssignmentSchema(ma.Schema):
    """A current course assignment of a person."""

    course_id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ENROLMENT_STATUSES))
    due_at = fields.Date(
        required=True,
        allow_none=True,
        metadata={"description": "Last day, in the company's time zone"},
    )
    completed_at = UTCDateTime(required=True, allow_none=True)
    mandatory = fields.Boolean(required=True)


class CertificateSchema(ma.Schema):
    """A certificate a person holds (revoked ones are left out)."""

    code = fields.String(required=True)
    course_id = fields.Integer(required=True)
    issued_at = UTCDateTime(required=True)
    expires_at = UTCDateTime(required=True, allow_none=True)


class TrainingSchema(ma.Schema):
    """A person's assignments and certificates."""

    assignments = fields.List(fields.Nested(AssignmentSchema), required=True)
    certificates = fields.List(fields.Nested(CertificateSchema), required=True)
