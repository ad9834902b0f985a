"""Short answer: a typed word or phrase compared with accepted answers, `*` as wildcard."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from app.bank.qtypes._typed import TypedAnswerQType
from app.bank.qtypes.api import TextAnswerAPI
from app.bank.qtypes.base import (
    FRACTION_TOLERANCE,
    ChoiceOrder,
    DataReader,
    Issue,
    check_answer_texts,
    check_fractions,
    clamp_fraction,
    read_answer,
    write_answer,
)
from app.bank.qtypes.i18n import _, _l

# A run of asterisks not preceded by a backslash is one wildcard (Moodle: '/(?<!\\\\)\*+/').
_WILDCARD_RUN = re.compile(r"(?<!\\)\*+")
_ONE_WILDCARD = re.compile(r"(?<!\\)\*")


def matches_pattern(response: str, pattern: str, *, usecase: bool) -> bool:
    """Tell whether `response` matches an accepted answer, as Moodle's
    compare_string_with_wildcard does: `*` matches any run of characters, `\\*` is a literal
    asterisk, the response is trimmed, case is ignored unless `usecase`."""
    response = unicodedata.normalize("NFC", response).strip()
    pattern = unicodedata.normalize("NFC", pattern).strip()
    bits = [re.escape(bit.replace("\\*", "*")) for bit in _WILDCARD_RUN.split(pattern)]
    flags = 0 if usecase else re.IGNORECASE
    # Moodle's PCRE pattern has no /s flag, so a wildcard does not cross a line break either.
    return re.fullmatch(".*".join(bits), response, flags) is not None


def clean_answer(pattern: str) -> str:
    """Turn an accepted-answer pattern into something showable: wildcards become spaces."""
    bits = [bit.replace("\\*", "*") for bit in _ONE_WILDCARD.split(pattern)]
    return " ".join(bits).strip()


class ShortAnswer(TextAnswerAPI, TypedAnswerQType):
    """The first accepted answer (in the order written) that matches decides the fraction."""

    name = "shortanswer"
    label = _l("Short answer")
    help = _l(
        "Staff type a word or phrase. The first answer that matches decides the grade; * "
        "matches any characters. At least one answer must be worth 100%."
    )
    keys = ("usecase", "answers")
    form_layout = (("answers",), ("usecase",))
    start_rows = {"answers": 3}

    def read(self, reader: DataReader, d: Mapping[str, Any]) -> dict[str, Any]:
        """Read case sensitivity and the accepted answers."""
        return {
            "usecase": reader.boolean(d, "usecase", (), False),
            "answers": [
                read_answer(reader, item, ("answers", index))
                for index, item in reader.items(d, "answers", ())
            ],
        }

    def to_dict(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Write case sensitivity and the accepted answers."""
        return {
            "usecase": bool(data["usecase"]),
            "answers": [write_answer(answer) for answer in data["answers"]],
        }

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        """Moodle: at least one answer, one of them worth 100%, grades from the option list."""
        answers = data["answers"]
        issues = check_answer_texts(answers)
        if not answers:
            issues.append(Issue(("answers",), _("give at least 1 answer")))
        elif not any(abs(a["fraction"] - 1) <= FRACTION_TOLERANCE for a in answers):
            issues.append(Issue(("answers",), _("one of the answers must have fraction 1 (100%)")))
        issues.extend(check_fractions(answers, allow_negative=False))
        return issues

    def normalise_response(
        self, data: Mapping[str, Any], raw: Any, choice_order: ChoiceOrder = None
    ) -> str | None:
        """Keep the text as typed (grading trims it); blank means not answered."""
        if isinstance(raw, (list, tuple)):
            raw = raw[0] if raw else None
        if raw is None or isinstance(raw, bool):
            return None
        text = str(raw)
        return text if text.strip() else None

    def matching_answer(self, data: Mapping[str, Any], response: Any) -> int | None:
        """Index of the first accepted answer that `response` matches."""
        if not isinstance(response, str) or not response.strip():
            return None  # Moodle: a blank response is not gradable, even against '*'
        for index, answer in enumerate(data["answers"]):
            if matches_pattern(response, answer["text"], usecase=bool(data["usecase"])):
                return index
        return None

    def grade(self, data: Mapping[str, Any], response: Any) -> float:
        """The fraction of the first matching answer; 0 when none matches."""
        index = self.matching_answer(data, response)
        if index is None:
            return 0.0
        return clamp_fraction(float(data["answers"][index]["fraction"]))

    def random_guess_score(self, data: Mapping[str, Any]) -> float:
        """Moodle: the fraction of a bare `*` answer, if there is one."""
        for answer in data["answers"]:
            if answer["text"].strip() == "*":
                return float(answer["fraction"])
        return 0.0

    def correct_response(self, data: Mapping[str, Any]) -> str | None:
        """The first 100% answer with its wildcards blanked out."""
        for answer in data["answers"]:
            if abs(answer["fraction"] - 1) <= FRACTION_TOLERANCE:
                return clean_answer(answer["text"])
        return None


qtype = ShortAnswer()
