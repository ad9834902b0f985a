"""Questions of an attempt as the API shows them, and their responses both ways.

The API names choices, subquestions and answers by per-attempt ids: 1..n in the order the
attempt displays them (frozen in ``AttemptSlot.choice_order``). Each question type owns its
shape (``api_view``, ``api_to_raw``, ``api_from_stored`` in ``app/bank/qtypes``): sending, an API
response is turned into the raw value the page's form would have sent, and the type's own
``normalise_response`` stores it; reading, a stored response is turned back into ids. Nothing
here grades, and nothing reveals a fraction, feedback or the key.
"""

from collections.abc import Mapping

from flask_babel import gettext as _

from app.bank import richtext
from app.bank.qtypes import get_qtype
from app.bank.qtypes.api import ResponseRefused


class ResponseInvalid(Exception):
    """The response does not fit the question's type; ``errors`` are field errors."""

    def __init__(self, errors: list[dict]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors))


def _invalid(field: str, message: str) -> ResponseInvalid:
    return ResponseInvalid(
        [{"field": f"response.{field}" if field else "response", "message": message}]
    )


def question_view(slot) -> dict:
    """A slot as the API shows it: text, mark, and choices with per-attempt ids."""
    version = slot.version
    item = {
        "slot": slot.number,
        "question_id": version.question.key,
        "qtype": version.qtype,
        "text": richtext.render(version.questiontext, version.questiontextformat),
        "mark": slot.max_mark,
    }
    qtype = get_qtype(version.qtype)
    item.update(qtype.api_view(version.data, slot.choice_order, version.questiontextformat))
    return item


def normalised_response(slot, response) -> object:
    """The stored form of an API response for ``slot``; ResponseInvalid if it does not fit."""
    if not isinstance(response, Mapping):
        raise _invalid("", _("Give the response as an object."))
    version = slot.version
    qtype = get_qtype(version.qtype)
    try:
        raw = qtype.api_to_raw(version.data, slot.choice_order, response)
    except ResponseRefused as refused:
        raise _invalid(refused.field, refused.message) from None
    return qtype.normalise_response(version.data, raw, slot.choice_order)


def api_response(slot, stored) -> dict | None:
    """A stored response (or a right answer) in the API's form; None when there is none."""
    if stored is None:
        return None
    version = slot.version
    return get_qtype(version.qtype).api_from_stored(version.data, slot.choice_order, stored)
