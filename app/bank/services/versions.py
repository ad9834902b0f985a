"""Versions of a question: which fields are versioned, comparing content, writing a new version.

Versions are immutable: any change of a versioned field writes a new one; a change of status,
tags or category only updates the question.
"""

import base64
import json
import re
import secrets

from app.bank.formats.mapping import file_key
from app.bank.models import Question, QuestionCompetency, QuestionFile, QuestionVersion
from app.bank.qtypes import QuestionData
from app.core import clock
from app.extensions import db

#: the parts of a question that belong to its version (an edit of any makes a new version)
VERSION_FIELDS = (
    "qtype",
    "name",
    "questiontext",
    "questiontextformat",
    "generalfeedback",
    "generalfeedbackformat",
    "defaultmark",
    "penalty",
    "difficulty",
    "competencies",
    "source_version",
    "hints",
    "correctfeedback",
    "partiallycorrectfeedback",
    "incorrectfeedback",
    "data",
    "files",
)
#: versioned fields stored in rows of their own rather than columns of the version
ROW_FIELDS = ("competencies", "files")


def normalised(value):
    """JSON-equal form, floats rounded, so stored and parsed content compare equal."""

    def fix(item):
        if isinstance(item, float):
            return round(item, 7)
        if isinstance(item, dict):
            return {k: fix(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [fix(v) for v in item]
        return item

    return fix(json.loads(json.dumps(value, sort_keys=True)))


def changed_version_fields(old: QuestionData, new: QuestionData) -> list[str]:
    """The versioned fields whose content differs between two questions, in VERSION_FIELDS order."""
    return [
        name
        for name in VERSION_FIELDS
        if normalised(getattr(old, name)) != normalised(getattr(new, name))
    ]


def changed_labels(question: Question, data: QuestionData, category_path: str) -> list[str]:
    """Which of status, tags and category ``data`` changes on ``question`` (no new version)."""
    return [
        label
        for label, differs in (
            ("status", question.status != data.status),
            ("tags", question.tags != data.tags),
            ("category", question.category.full_name != category_path),
        )
        if differs
    ]


def question_state(question: Question) -> dict:
    """What an audit row records of a question before a change."""
    return {
        "status": question.status,
        "tags": question.tags,
        "category": question.category.full_name,
        "version": question.latest_number,
    }


def new_version(question: Question, data: QuestionData, number: int, actor) -> QuestionVersion:
    """Add version ``number`` of ``question`` holding ``data``, authored by ``actor``."""
    version = QuestionVersion(
        question=question,
        number=number,
        author_id=getattr(actor, "id", None),
        competency_rows=[
            QuestionCompetency(code=code, position=i) for i, code in enumerate(data.competencies)
        ],
        file_rows=[
            QuestionFile(
                name=file_key(item),
                mimetype=item["mimetype"],
                content=base64.b64decode(item["content_base64"]),
            )
            for item in data.files
        ],
        **{name: getattr(data, name) for name in VERSION_FIELDS if name not in ROW_FIELDS},
    )
    db.session.add(version)
    question.latest_number = number
    question.updated_at = clock.now()
    return version


#: the shape of the keys ``new_question_key`` makes
ASSIGNED_KEY = re.compile(r"q-[0-9a-f]{12}")


def new_question_key() -> str:
    """A fresh stable key for a question that came without one."""
    return "q-" + secrets.token_hex(6)
