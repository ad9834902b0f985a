"""Description: text shown between questions; nothing to answer and no mark."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.bank.qtypes.base import QType
from app.bank.qtypes.i18n import _l


class Description(QType):
    """Carries only the common fields; its default mark is 0."""

    name = "description"
    label = _l("Description")
    help = _l("Text shown between questions: nothing to answer and no mark.")
    is_graded = False
    is_drawable = False
    default_mark = 0.0
    default_penalty = 0.0

    def grade(self, data: Mapping[str, Any], response: Any) -> None:
        """Nothing to grade."""
        return None

    def random_guess_score(self, data: Mapping[str, Any]) -> None:
        """Nothing to guess."""
        return None

    def is_complete_response(self, data: Mapping[str, Any], response: Any) -> bool:
        """Always complete: there is nothing to answer."""
        return True


qtype = Description()
