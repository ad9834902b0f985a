"""What the statistics pages call things: attempt choices, flags, sort keys, in words; and the
flags the bank shows beside its questions (the ``question_flags`` hook)."""

from __future__ import annotations

from flask import url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.bank.queries import QuestionFlag
from app.reports import queries

#: Moodle's "which attempts", in words
CHOICE_LABELS = {
    "first": _l("First attempt of each person"),
    "highest": _l("Highest-graded attempt of each person"),
    "last": _l("Last attempt of each person"),
    "all": _l("Every attempt"),
}

#: the flags on a question, in words, and whether each is a warning
FLAG_LABELS = {
    "too_hard": _l("Too hard"),
    "too_easy": _l("Too easy"),
    "low_discrimination": _l("Low discrimination"),
    "not_enough_variance": _l("Not enough variance"),
}
WARNING_FLAGS = frozenset({"too_hard", "too_easy", "low_discrimination"})

#: what each flag means (shown as the badge's title)
FLAG_HELP = {
    "too_hard": _l("Facility index below 20 %: almost nobody gets it right."),
    "too_easy": _l("Facility index above 95 %: almost everybody gets it right."),
    "low_discrimination": _l(
        "Discrimination index below 20 %: strong and weak candidates do about as well on it."
    ),
    "not_enough_variance": _l(
        "Everybody got the same mark (or the rest of the test did not vary): the discrimination "
        "index cannot be computed."
    ),
}


def percent(value: float | None) -> str:
    """A fraction as a percentage in the user's locale ("—" when undefined)."""
    return "—" if value is None else format_percent(value, "#,##0.00%")


def points(value: float | None) -> str:
    """A value already in percent (0-100) as a percentage ("—" when undefined)."""
    return "—" if value is None else format_percent(value / 100.0, "#,##0.00%")


def number(value: float | None, digits: int = 2) -> str:
    """A number in the user's locale with ``digits`` decimals ("—" when undefined)."""
    return "—" if value is None else format_decimal(value, "#,##0." + "0" * digits)


def question_flags(question_ids) -> dict[int, list[QuestionFlag]]:
    """Hook of ``question_flags``: every flag the quizzes' statistics raised on these questions,
    each naming its quiz and linking to its statistics."""
    found: dict[int, list[QuestionFlag]] = {}
    for row in queries.flags_of_questions(question_ids):
        detail = _(
            "facility %(facility)s, discrimination %(discrimination)s over %(n)d attempts",
            facility=percent(row.facility),
            discrimination=percent(
                None if row.discrimination_index is None else row.discrimination_index / 100
            ),
            n=row.n_attempts,
        )
        url = url_for("reports.quiz_statistics", quiz_id=row.quiz_id, attempts=row.attempt_choice)
        for code in row.flags:
            found.setdefault(row.question_id, []).append(
                QuestionFlag(
                    text=str(FLAG_LABELS.get(code, code)),
                    source=row.quiz_title,
                    detail=detail,
                    url=url,
                    is_warning=code in WARNING_FLAGS,
                )
            )
    return found
