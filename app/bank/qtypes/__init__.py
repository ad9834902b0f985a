"""The registry of question types: one module per type, all behind `QType` (see base.py)."""

from __future__ import annotations

from app.bank.qtypes import (
    description,
    essay,
    matching,
    multiple,
    numerical,
    shortanswer,
    single,
    truefalse,
)
from app.bank.qtypes.base import (
    COMPETENCY_CODES,
    STATUSES,
    TEXT_FORMATS,
    Issue,
    Problem,
    QType,
    QTypeDataError,
    QuestionData,
)

#: name -> the one instance of each question type, in the order offered to authors
QTYPES: dict[str, QType] = {
    module.qtype.name: module.qtype
    for module in (
        single,
        multiple,
        truefalse,
        shortanswer,
        numerical,
        matching,
        essay,
        description,
    )
}


def get_qtype(name: str) -> QType:
    """Return the question type called `name`; raise KeyError for an unknown one."""
    try:
        return QTYPES[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown question type {name!r}") from None


__all__ = [
    "COMPETENCY_CODES",
    "QTYPES",
    "STATUSES",
    "TEXT_FORMATS",
    "Issue",
    "Problem",
    "QType",
    "QTypeDataError",
    "QuestionData",
    "get_qtype",
]
