"""The statistics table as pages and workbooks show it: its sort keys, the sorting, the XLSX file.

Sorting happens on the server (``?sort=facility&dir=desc``): without a sort key the rows keep
the quiz's order, each random slot followed by the questions it drew; with one every row is
sorted on its own and undefined values go last whichever the direction.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.bank.qtypes import QTYPES
from app.core.i18n import select_locale
from app.core.spreadsheet import workbook_bytes, write_table
from app.reports.labels import CHOICE_LABELS, FLAG_LABELS

#: sort key -> how a row gives its value
SORTS = {
    "number": lambda row: row["number"],
    "name": lambda row: row["name"] or row["category"],
    "count": lambda row: row["stats"]["count"],
    "facility": lambda row: row["stats"]["facility"],
    "sd": lambda row: sd_fraction(row),
    "random_guess_score": lambda row: row["random_guess_score"],
    "intended_weight": lambda row: row["stats"]["intended_weight"],
    "effective_weight": lambda row: row["stats"]["effective_weight"],
    "discrimination_index": lambda row: row["stats"]["discrimination_index"],
    "discriminative_efficiency": lambda row: row["stats"]["discriminative_efficiency"],
}

#: column headings, in the order of the page and the workbook
HEADINGS = {
    "number": _l("Q#"),
    "name": _l("Question"),
    "qtype": _l("Type"),
    "count": _l("Attempts"),
    "facility": _l("Facility index"),
    "sd": _l("Standard deviation"),
    "random_guess_score": _l("Random guess score"),
    "intended_weight": _l("Intended weight"),
    "effective_weight": _l("Effective weight"),
    "discrimination_index": _l("Discrimination index"),
    "discriminative_efficiency": _l("Discriminative efficiency"),
    "flags": _l("Flags"),
}


def sd_fraction(row: dict) -> float | None:
    """The standard deviation as a fraction of the question's maximum (Moodle's display)."""
    sd, maximum = row["stats"]["sd"], row["stats"]["max_mark"]
    return None if sd is None or not maximum else sd / maximum


def sorted_rows(rows: list[dict], sort: str | None, descending: bool = False) -> list[dict]:
    """The rows in the quiz's order (no sort key) or by ``sort``, undefined values last."""
    if sort not in SORTS:
        return list(rows)
    value = SORTS[sort]
    known = [row for row in rows if value(row) is not None]
    unknown = [row for row in rows if value(row) is None]
    known.sort(key=value, reverse=descending)
    return known + unknown


def type_label(row: dict) -> str:
    """The question type in words ("Random question" for a random slot's position)."""
    if row["kind"] == "random":
        return _("Random question")
    qtype = QTYPES.get(row["qtype"])
    return str(qtype.label) if qtype is not None else ""


def row_name(row: dict) -> str:
    """The question's name, or where a random slot draws from."""
    if row["kind"] == "random":
        return _("Random question from %(category)s", category=row["category"])
    return row["name"]


def response_summary(item: dict) -> str:
    """A response of the response analysis in the reader's language ("(no answer)" if none)."""
    summary = item.get("summaries", {}).get(select_locale(), item["summary"])
    return summary or _("(no answer)")


def _response_rows(rows: list[dict]):
    """The responses sheet's rows: each question's answers, then each of its parts' (a Cloze
    question's blanks, named "question · Blank n")."""
    whole = [(row, row_name(row), row["responses"]) for row in rows]
    parts = [
        (row, f"{row_name(row)} · {response_summary(part['label'])}", part["responses"])
        for row in rows
        for part in row.get("parts", [])
    ]
    for row, name, items in whole + parts:
        for item in items:
            number = row["number"] or row["key"]
            yield [number, name, response_summary(item), item["count"], item["fraction"]]


def _percent(value: float | None) -> float | None:
    return None if value is None else value / 100.0


def statistics_xlsx(title: str, payload: dict, rows: list[dict]) -> bytes:
    """The statistics as a workbook: the questions, the test, the responses; bold frozen
    headers, every cell text or a number (never a formula); fractions stay fractions."""
    from openpyxl import Workbook

    workbook = Workbook()
    questions = workbook.active
    questions.title = "questions"
    write_table(
        questions,
        [str(heading) for heading in HEADINGS.values()],
        (
            [
                row["number"] or row["key"],
                row_name(row),
                type_label(row),
                row["stats"]["count"],
                row["stats"]["facility"],
                sd_fraction(row),
                row["random_guess_score"],
                row["stats"]["intended_weight"],
                _percent(row["stats"]["effective_weight"]),
                _percent(row["stats"]["discrimination_index"]),
                _percent(row["stats"]["discriminative_efficiency"]),
                ", ".join(str(FLAG_LABELS[code]) for code in row["flags"]),
            ]
            for row in rows
        ),
        widths={2: 40, 12: 30},
    )
    for column in "EFGHIJK":
        for cell in questions[column][1:]:
            cell.number_format = "0.00%"
    test = payload["test"]
    overview = workbook.create_sheet("test")
    write_table(
        overview,
        [_("Statistic"), _("Value")],
        [
            [_("Quiz"), title],
            [_("Attempts counted"), str(CHOICE_LABELS[payload["choice"]])],
            [_("Number of attempts"), test["count"]],
            [_("Maximum mark"), test["max_total"]],
            [_("Mean"), test["mean"]],
            [_("Median"), test["median"]],
            [_("Standard deviation"), test["sd"]],
            [_("Skewness"), test["skewness"]],
            [_("Kurtosis"), test["kurtosis"]],
            [_("Coefficient of internal consistency (%)"), test["cic"]],
            [_("Error ratio (%)"), test["error_ratio"]],
            [_("Standard error"), test["standard_error"]],
        ],
        widths={1: 40, 2: 30},
    )
    answers = workbook.create_sheet("responses")
    write_table(
        answers,
        [_("Q#"), _("Question"), _("Response"), _("Count"), _("Mean fraction earned")],
        _response_rows(rows),
        widths={2: 40, 3: 40},
    )
    workbook.properties.title = title[:250]
    return workbook_bytes(workbook)
