"""The registry of question types: one module per type, all behind `QType` (see base.py)."""

from __future__ import annotations

from app.bank.qtypes import (
    cloze,
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
        cloze,
        matching,
        essay,
        description,
    )
}


def api_response_schemas() -> list[dict]:
    """The API response of every type that takes one (OpenAPI schemas titled with the types'
    names; types answered alike share one, e.g. "shortanswer, essay")."""
    shapes: list[tuple[list[str], object]] = []
    for name, qtype in QTYPES.items():
        if qtype.api_schema is None:
            continue
        for names, schema in shapes:
            if schema == qtype.api_schema:
                names.append(name)
                break
        else:
            shapes.append(([name], qtype.api_schema))
    return [{"title": ", ".join(names), **schema} for names, schema in shapes]


def get_qtype(name: str) -> QType:
    """Return the question type called `name`; raise KeyError for an unknown one."""
    try:
        return QTYPES[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown question type {name!r}") from None


__all__ = [
    "QTYPES",
    "STATUSES",
    "TEXT_FORMATS",
    "Issue",
    "Problem",
    "QType",
    "QTypeDataError",
    "QuestionData",
    "api_response_schemas",
    "get_qtype",
]
