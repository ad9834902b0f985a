"""Charts of the insight pages (pygal SVG through ``app.core.charts``): the two groups around
completion, and one predictor against one indicator."""

from markupsafe import Markup

from app.core import charts
from app.core.gettext import _
from app.insights.correlation import Pair
from app.insights.course_effect import OutcomeEffect
from app.insights.predictors import COMPETENCY, PredictorReport, label_of


def month_label(k: int) -> str:
    """Months from completion as people read them: "−2", "completion month", "+1"."""
    if k == 0:
        return _("month of completion")
    return f"+{k}" if k > 0 else f"−{-k}"


def profile_chart(outcome: OutcomeEffect, locale) -> Markup | None:
    """The two groups' mean over the months around completion (None without data)."""
    profile = outcome.result.profile
    if not profile:
        return None
    ks = sorted(profile)
    return charts.line(
        _("%(outcome)s: mean by months from completion", outcome=outcome.label(locale)),
        [month_label(k) for k in ks],
        [
            (_("Completed the course"), [profile[k][0] for k in ks]),
            (_("Comparable colleagues"), [profile[k][1] for k in ks]),
        ],
        rotation=0,
    )


def predictor_scatter(report: PredictorReport, pair: Pair, locale) -> Markup | None:
    """One person per point: the predictor against the indicator's mean, with the fitted line."""
    points = report.points(pair)
    if not points:
        return None
    indicator = report.indicators[pair.indicator]
    x_title = (
        _("%(competency)s: current level", competency=label_of(pair, locale))
        if pair.kind == COMPETENCY
        else _("%(category)s: mean quiz result (%%)", category=pair.predictor)
    )
    return charts.scatter(
        _(
            "%(predictor)s and %(indicator)s",
            predictor=label_of(pair, locale),
            indicator=indicator.label(locale),
        ),
        points,
        report.fitted(pair),
        x_title=x_title,
        y_title=_("%(indicator)s: mean of the months", indicator=indicator.label(locale)),
        points_label=_("One person"),
        line_label=_("Fitted line"),
        x_labels=range(1, 6) if pair.kind == COMPETENCY else None,
    )
