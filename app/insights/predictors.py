"""The predictor report of a job role: which competencies and question categories go with
better service, read in words, and the points of one pair for its scatter plot.

Window: the last six complete months. Outcomes are each person's mean raw value of an indicator
over the window from the score rows recorded with the job role (at least three values); the
predictors are the same people's current competency levels and their mean result per question
category in finished quizzes of the window (people without evidence are left out of a pair).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from flask_babel import lazy_gettext as _l

from app.competencies.queries import competency_label
from app.core import clock
from app.core.gettext import _
from app.insights import queries
from app.insights.correlation import (
    Pair,
    fitted_line,
    is_reliable,
    predictor_table,
    strength,
)
from app.org.models import JobRole
from app.quality import periods
from app.quality import queries as quality_queries
from app.quality.models import Indicator
from app.quality.units import HIGHER

WINDOW_MONTHS = 6
#: the job role the page opens on
DEFAULT_ROLE = "CTR"
#: rows the page shows before "show all"
PAGE_ROWS = 50
MIN_VALUES = 3
COMPETENCY = "competency"
CATEGORY = "category"
KINDS = (COMPETENCY, CATEGORY)
KIND_LABELS = {COMPETENCY: _l("Competency level"), CATEGORY: _l("Quiz results by category")}
STRENGTH_WORDS = {
    "strong": _l("strong"),
    "moderate": _l("moderate"),
    "weak": _l("weak"),
    "negligible": _l("negligible"),
}


@dataclass
class PredictorReport:
    """A job role's table over a window, with the values behind it (for the scatter plots)."""

    job_role: JobRole
    first: str
    last: str
    pairs: list[Pair]
    indicators: dict[str, Indicator]
    predictors: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    outcomes: dict[str, dict[int, float]] = field(default_factory=dict)

    @property
    def computed(self) -> list[Pair]:
        """The pairs with a correlation."""
        return [p for p in self.pairs if p.correlation.spearman is not None]

    def find(self, kind: str, predictor: str, indicator: str) -> Pair | None:
        """One pair of the table, or None."""
        return next(
            (
                p
                for p in self.pairs
                if (p.kind, p.predictor, p.indicator) == (kind, predictor, indicator)
            ),
            None,
        )

    def points(self, pair: Pair) -> list[tuple[float, float]]:
        """(predictor, indicator mean) per person of the pair; quiz results in percent."""
        xs = self.predictors.get((pair.kind, pair.predictor), {})
        ys = self.outcomes.get(pair.indicator, {})
        scale = 100.0 if pair.kind == CATEGORY else 1.0
        return [(xs[u] * scale, ys[u]) for u in sorted(set(xs) & set(ys))]

    def fitted(self, pair: Pair) -> list[tuple[float, float]]:
        """The least-squares line of the pair's points."""
        return fitted_line(self.points(pair))


def window(today=None) -> tuple[str, str]:
    """The first and last month of the window: the last six complete months."""
    last = periods.last_complete(today or clock.local_today())
    return periods.shift(last, -(WINDOW_MONTHS - 1)), last


def _start_of(period: str) -> datetime:
    return clock.from_local(datetime.combine(periods.first_day(period), time.min))


def predictor_report(job_role: JobRole) -> PredictorReport:
    """The table of ``job_role`` (a fixed number of queries, whatever the headcount)."""
    first, last = window()
    by_id = quality_queries.indicators_by_id()
    means = queries.indicator_means(job_role.id, first, last, MIN_VALUES)
    outcomes = {by_id[i].code: values for i, values in means.items()}
    indicators = {by_id[i].code: by_id[i] for i in means}
    predictors: dict[tuple[str, str], dict[int, float]] = {}
    for code, levels in queries.competency_levels(job_role.id, first, last).items():
        predictors[(COMPETENCY, code)] = levels
    results = queries.category_results(
        job_role.id, first, last, _start_of(first), _start_of(periods.shift(last, 1))
    )
    for name, values in results.items():
        predictors[(CATEGORY, name)] = values
    higher = {code: i.direction == HIGHER for code, i in indicators.items()}
    return PredictorReport(
        job_role,
        first,
        last,
        predictor_table(predictors, outcomes, higher),
        indicators,
        predictors,
        outcomes,
    )


def reading(pair: Pair) -> str:
    """The pair in words: "moderate, reliable", "weak, could be chance" (and the direction)."""
    rho = pair.correlation.spearman
    word = strength(rho)
    if word is None:
        return _("not enough data")
    if word == "negligible":
        return str(STRENGTH_WORDS[word])
    reliability = _("reliable") if is_reliable(pair.q) else _("could be chance")
    if rho < 0:
        return _(
            "%(strength)s, %(reliability)s, goes with worse service",
            strength=STRENGTH_WORDS[word],
            reliability=reliability,
        )
    return _(
        "%(strength)s, %(reliability)s", strength=STRENGTH_WORDS[word], reliability=reliability
    )


def as_json(report: PredictorReport) -> dict:
    """The API's answer."""

    def number(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "job_role": report.job_role.code,
        "items": [
            {
                "predictor": p.predictor,
                "kind": p.kind,
                "indicator": p.indicator,
                "n": p.correlation.n,
                "spearman": number(p.correlation.spearman),
                "spearman_p": number_p(p.correlation.spearman_p),
                "pearson": number(p.correlation.pearson),
                "pearson_p": number_p(p.correlation.pearson_p),
                "q": number_p(p.q),
            }
            for p in report.pairs
        ],
    }


def number_p(value: float | None) -> float | None:
    """A p- or q-value as sent: six significant digits (tiny values stay tiny, not 0)."""
    return None if value is None else float(f"{value:.6g}")


def label_of(pair: Pair, locale=None) -> str:
    """The predictor as people read it: "CM2 情绪安抚与冲突化解", or the category's path."""
    if pair.kind == COMPETENCY:
        return competency_label(pair.predictor, locale)
    return pair.predictor


def coefficient(value: float | None) -> str:
    """A correlation as shown: two decimals with a true minus sign ("—": not computed)."""
    return "—" if value is None else f"{value:.2f}".replace("-", "−")


def p_value(value: float | None) -> str:
    """A p- or q-value as shown: three decimals, "< 0.001" below ("—": not computed)."""
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
