"""The API's side of a question type: what a type raises for a response that does not fit, and
the checks the types' ``api_to_raw`` share.

The API names choices by per-attempt ids (1..n in displayed order); each type turns such a
response into the raw value its page form would send (``QType.api_to_raw``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from app.bank.qtypes.i18n import _

#: the longest text the API accepts as an answer (an essay)
MAX_API_TEXT = 100_000


class ResponseRefused(ValueError):
    """An API response does not fit the question's type; `field` is its path in the response."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


def is_whole_number(value: Any) -> bool:
    """Tell whether `value` is an int (JSON's true and false are not numbers here)."""
    return isinstance(value, int) and not isinstance(value, bool)


def expect_api_keys(
    response: Mapping[str, Any], required: str, optional: Sequence[str] = ()
) -> None:
    """Refuse an API response with keys the type does not know or without `required`."""
    for key in response:
        if key not in (required, *optional):
            raise ResponseRefused(str(key), _("Unknown field for this question type."))
    if required not in response:
        raise ResponseRefused(required, _("Missing data for required field."))


def api_id(value: Any, count: int, field: str, message: str) -> int:
    """Check a per-attempt id (1..count) sent to the API; `message` says what to give instead."""
    if not is_whole_number(value) or not 1 <= value <= count:
        raise ResponseRefused(field, message % {"n": count})
    return value


class TextAnswerAPI:
    """The API shape of an answer typed as text, ``{"text": ...}`` (short answer, essay).

    Put it before `QType` in the bases so that its methods win.
    """

    api_schema: ClassVar[Mapping[str, Any]] = {
        "type": "object",
        "properties": {"text": {"type": "string", "nullable": True}},
        "required": ["text"],
        "additionalProperties": False,
    }

    def api_to_raw(
        self, data: Mapping[str, Any], choice_order: Any, response: Mapping[str, Any]
    ) -> str | None:
        """The text as sent (null: not answered); not text or too long is refused."""
        expect_api_keys(response, "text")
        text = response["text"]
        if text is None:
            return None
        if not isinstance(text, str):
            raise ResponseRefused("text", _("Give the answer as text."))
        if len(text) > MAX_API_TEXT:
            raise ResponseRefused(
                "text", _("The answer is longer than %(n)d characters.") % {"n": MAX_API_TEXT}
            )
        return text

    def api_from_stored(
        self, data: Mapping[str, Any], choice_order: Any, stored: Any
    ) -> dict[str, Any] | None:
        """The text as stored."""
        return {"text": stored} if isinstance(stored, str) else None
