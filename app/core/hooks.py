"""The one registry of cross-feature hooks.

A feature that must react to another's events, or contribute to another's lists, connects a
handler to a named point here; the feature that owns the point fires it. Wiring is explicit and
happens once per app: ``create_app``'s ``register_hooks`` step builds a ``Hooks`` registry and calls
every feature's ``blueprint.register_hooks(hooks)``. Nothing registers at import time, so whether
quizzes know about courses never depends on which module happened to be imported first.

Handlers run inside the caller's unit of work (plain calls, no signals): they add and flush rows
but never commit, so an event and what follows from it land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

#: the key of the app's registry in ``app.extensions``
EXTENSION_KEY = "skillgrid.hooks"

#: every hook point: name -> what a handler is and when it runs (owner in brackets)
POINTS: dict[str, str] = {
    "users_changed": "fn(users): people were created, moved, re-roled or imported [org]",
    "password_changed": "fn(user): a password was set or reset, or the account deactivated [org]",
    "quiz_access": "fn(user) -> Select of quiz ids open to the user beyond the audience [quizzes]",
    "attempt_finished": "fn(attempt): an attempt was finished and auto-graded [quizzes]",
    "attempt_graded": "fn(attempt): a manual mark made the attempt's grade final [grading]",
    "attempt_regraded": "fn(attempt): a regrade or override changed its marks [grading]",
    "course_completed": "fn(enrolment): a person completed a course [courses]",
    "evidence_source": "EvidenceSource(name, label, link): a kind of evidence [competencies]",
    "notice_kind": "NoticeKind(name, subject, body): how a kind of notice is worded [notify]",
    "notice_producer": "fn(now) -> Iterable[Notice]: the notices due at now [notify]",
    "demo_seeder": "DemoSeeder(order, name, fn): seeds demo data idempotently [core.seed]",
    "scores_changed": "fn(period, user_ids): service scores were imported or corrected [quality]",
    "question_flags": "fn(question_ids) -> {question id: [QuestionFlag]}: remarks shown beside "
    "questions in the bank, e.g. item-analysis flags [bank]",
}


class Hooks:
    """Named hook points, each with its handlers in the order they were connected."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Any]] = {name: [] for name in POINTS}

    def connect(self, point: str, handler: Any) -> Any:
        """Add ``handler`` to ``point`` (once; a second connect of the same handler is ignored)."""
        if point not in self._handlers:
            raise KeyError(f"unknown hook point {point!r}; declare it in app/core/hooks.py")
        if handler not in self._handlers[point]:
            self._handlers[point].append(handler)
        return handler

    def handlers(self, point: str) -> list[Any]:
        """The handlers of ``point``, in connection order (a copy)."""
        return list(self._handlers[point])

    def fire(self, point: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every handler of ``point``; return their results in order."""
        return [handler(*args, **kwargs) for handler in self._handlers[point]]

    def describe(self) -> dict[str, list[str]]:
        """Point -> qualified names of its handlers (for tests and ``flask routes``-like checks)."""
        return {point: [_name(h) for h in handlers] for point, handlers in self._handlers.items()}


def _name(handler: Any) -> str:
    if isinstance(handler, Callable) and hasattr(handler, "__qualname__"):
        return f"{handler.__module__}.{handler.__qualname__}"
    return f"{type(handler).__name__}:{getattr(handler, 'name', repr(handler))}"


def registry() -> Hooks:
    """The current app's hook registry."""
    return current_app.extensions[EXTENSION_KEY]


def fire(point: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Call every handler of ``point`` in the current app; return their results."""
    return registry().fire(point, *args, **kwargs)


def handlers(point: str) -> list[Any]:
    """The handlers connected to ``point`` in the current app."""
    return registry().handlers(point)
