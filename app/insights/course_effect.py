"""The course-effect report: the effect of a course on each service indicator linked to what it
teaches and on the composite, with the warnings in words a manager reads.

Reads through ``app.insights.queries`` (completions and roles once per report, one query per
indicator, two per month for the composite) and computes with the pure ``effect`` module.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core.gettext import _
from app.courses.models import Course
from app.insights import queries
from app.insights.effect import Completer, EffectResult, Estimate, course_effect
from app.quality.models import Indicator
from app.quality.periods import shift
from app.quality.units import HIGHER, UNITS, plain

COMPOSITE = "composite"
DEFAULT_WINDOW = 3
MAX_WINDOW = 12

#: what each warning means, for a manager
WARNINGS = {
    "no_completers": _l(
        "Nobody who completed the course has enough values before and after completing it yet, "
        "so there is nothing to measure."
    ),
    "no_comparisons": _l(
        "There is no colleague in the same job role without the course to compare with, so "
        "the effect cannot be told apart from what happened to everyone."
    ),
    "few_treated": _l(
        "Fewer than 10 people who completed the course have enough values: read the estimate "
        "as a hint, not as a result."
    ),
    "few_controls": _l(
        "Fewer than 10 comparable colleagues have enough values: read the estimate as a hint, "
        "not as a result."
    ),
    "no_interval": _l(
        "There are too few people or too little variation to give a confidence interval."
    ),
    "constant": _l("The values did not change at all: there is no effect to measure."),
    "no_pre_trend": _l(
        "There are not enough months before the course to check that both groups were moving "
        "alike beforehand."
    ),
    "pre_trends_differ": _l(
        "Before the course the two groups were already moving differently, so part of the "
        "difference may not be the course's doing."
    ),
}


@dataclass
class OutcomeEffect:
    """The effect of a course on one outcome: an indicator, or the composite (None)."""

    indicator: Indicator | None
    result: EffectResult

    @property
    def code(self) -> str:
        """The outcome as the API names it: an indicator's code or "composite"."""
        return self.indicator.code if self.indicator else COMPOSITE

    @property
    def higher_is_better(self) -> bool:
        """Which way the raw values improve (the composite: up)."""
        return self.indicator is None or self.indicator.direction == HIGHER

    def label(self, locale) -> str:
        """ "K01 客户满意率", or the composite's name."""
        return self.indicator.label(locale) if self.indicator else _("Composite service score")

    def unit_words(self) -> str:
        """What one unit of the effect is, in words."""
        if self.indicator is None:
            return _("points of the composite (0–100)")
        if self.indicator.unit == "percent":
            return _("percentage points")
        if self.indicator.unit == "count":
            return _("per month")
        return _("points")

    def warnings(self) -> list[str]:
        """The warnings in words."""
        return [str(WARNINGS[code]) for code in self.result.warnings]

    def verdict(self) -> str:
        """One sentence: what the estimate says, honestly."""
        plain_e, matched = self.result.plain, self.result.matched
        if plain_e.effect is None:
            return _("The effect cannot be estimated from the data so far.")
        if plain_e.low is None:
            return _(
                "Completers changed by %(effect)s %(unit)s more than comparable colleagues, "
                "but without an interval this says little.",
                effect=signed(plain_e.effect),
                unit=self.unit_words(),
            )
        interval = {"low": signed(plain_e.low), "high": signed(plain_e.high)}
        if plain_e.low > 0:
            text = _(
                "Completers improved by %(effect)s %(unit)s more than comparable colleagues "
                "(95 %% confidence interval %(low)s to %(high)s).",
                effect=shown(plain_e.effect),
                unit=self.unit_words(),
                **interval,
            )
            if matched.low is not None and matched.low <= 0:
                # the plain comparison may flatter a course that went to the weakest
                text += " " + _(
                    "Compared with colleagues who started at the same level, the interval "
                    "includes zero: part of the gain may be the weakest catching up."
                )
            return text
        if plain_e.high < 0:
            return _(
                "Completers did worse by %(effect)s %(unit)s than comparable colleagues "
                "(95 %% confidence interval %(low)s to %(high)s).",
                effect=shown(-plain_e.effect),
                unit=self.unit_words(),
                **interval,
            )
        return _(
            "No clear effect: the 95 %% confidence interval (%(low)s to %(high)s %(unit)s) "
            "includes zero.",
            unit=self.unit_words(),
            **interval,
        )


def signed(value: float | None) -> str:
    """A difference as text with its sign: "+3.02", "−0.4", "—"."""
    if value is None:
        return "—"
    text = plain(round(value, 2))
    return f"+{text}" if value > 0 else text.replace("-", "−")


def shown(value: float | None) -> str:
    """A mean as text, to two decimals ("—" for none)."""
    return plain(None if value is None else round(value, 2))


def _window_range(completions: dict[int, str], window: int) -> tuple[str, str]:
    return shift(min(completions.values()), -2 * window), shift(max(completions.values()), window)


def _effect(
    outcomes, roles, completions: dict[int, str], window: int, higher: bool
) -> EffectResult:
    completers = [Completer(user_id, month) for user_id, month in sorted(completions.items())]
    return course_effect(
        outcomes, roles, completers, completions, window=window, higher_is_better=higher
    )


def effect_on(course: Course, indicator: Indicator | None, window: int) -> OutcomeEffect:
    """The course's effect on one indicator (None: the composite)."""
    completions = queries.first_completions(course.id)
    if not completions:
        return OutcomeEffect(indicator, _effect({}, {}, {}, window, True))
    first, last = _window_range(completions, window)
    roles = queries.roles_by_month(first, last)
    return _outcome(indicator, completions, roles, first, last, window)


def _outcome(indicator, completions, roles, first, last, window) -> OutcomeEffect:
    if indicator is None:
        role_ids = {roles[u][m] for u, m in completions.items() if m in roles.get(u, {})}
        outcomes = queries.composite_outcomes(first, last, role_ids)
        return OutcomeEffect(None, _effect(outcomes, roles, completions, window, True))
    outcomes = queries.indicator_outcomes(indicator.id, first, last)
    higher = indicator.direction == HIGHER
    return OutcomeEffect(indicator, _effect(outcomes, roles, completions, window, higher))


@dataclass
class CourseEffect:
    """The report of a course: its completers and the effect on each outcome."""

    course: Course
    window: int
    n_completed: int
    outcomes: list[OutcomeEffect]


def course_effects(course: Course, window: int = DEFAULT_WINDOW) -> CourseEffect:
    """The effect of ``course`` on every indicator linked to its competencies (strength ≥ 2),
    then on the composite."""
    completions = queries.first_completions(course.id)
    indicators = queries.linked_indicators(course)
    if not completions:
        empty = _effect({}, {}, {}, window, True)
        return CourseEffect(
            course, window, 0, [OutcomeEffect(i, empty) for i in [*indicators, None]]
        )
    first, last = _window_range(completions, window)
    roles = queries.roles_by_month(first, last)
    return CourseEffect(
        course,
        window,
        len(completions),
        [_outcome(i, completions, roles, first, last, window) for i in [*indicators, None]],
    )


def as_json(course: Course, outcome: OutcomeEffect) -> dict:
    """The API's answer for one outcome."""
    result = outcome.result

    def number(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    plain_e: Estimate = result.plain
    matched: Estimate = result.matched
    return {
        "course_id": course.id,
        "indicator": outcome.code,
        "window": result.window,
        "effect": number(plain_e.effect),
        "ci_low": number(plain_e.low),
        "ci_high": number(plain_e.high),
        "matched_effect": number(matched.effect),
        "matched_ci_low": number(matched.low),
        "matched_ci_high": number(matched.high),
        "n_treated": result.n_treated,
        "n_control": result.n_control,
        "pre_trend_ok": result.pre_trend_ok,
        "warnings": list(result.warnings),
        "messages": outcome.warnings(),
    }


def unit_of(indicator: Indicator | None):
    """The indicator's unit (for showing values), or the composite's points."""
    return UNITS["points"] if indicator is None else UNITS[indicator.unit]
