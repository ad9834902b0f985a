"""Item analysis: Moodle's quiz statistics as pure functions over a marks matrix.

The formulas are those of Moodle 4.5 (``question/classes/statistics/questions/calculator.php`` for
the items, ``mod/quiz/report/statistics/classes/calculator.php`` for the whole test), as recorded
in ``shared/fixtures/moodle/item_stats_formulas.md`` and explained in ``docs/reports.md``:

- a marks matrix has one row per attempt and one column per item (a quiz slot position), in raw
  marks, beside each item's maximum; an attempt's total is the sum of its row;
- every variance and covariance is a sample one (divided by s - 1);
- the discrimination index is the correlation (x 100) of an item's mark with the rest of the
  test (total minus the item; the whole total for a question drawn by a random slot), the
  discriminative efficiency the same covariance over the largest one those values allow;
- the coefficient of internal consistency is Cronbach's alpha x 100.

Values are kept in Moodle's units: facility and intended weight as fractions 0-1, marks in marks,
percentages (cic, error ratio, effective weight, discrimination) as percent. ``None`` is Moodle's
null: the statistic is undefined for these attempts. Nothing here imports Flask or the database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

#: a variance below this is zero (Moodle: k2 < 1e-12); floating-point noise on a constant
#: column must not turn into a correlation or a negative covariance
ZERO_VARIANCE = 1e-12
#: attempts a question needs before it is flagged
MIN_ATTEMPTS_FOR_FLAGS = 20
#: facility below this: too hard; above FACILITY_HIGH: too easy (fractions)
FACILITY_LOW = 0.2
FACILITY_HIGH = 0.95
#: a discrimination index below this (percent) is low
DISCRIMINATION_LOW = 20.0
#: Moodle's "which attempts" choices, in the order offered
ATTEMPT_CHOICES = ("first", "highest", "last", "all")
#: flag codes, in the order shown
FLAGS = ("too_hard", "too_easy", "low_discrimination", "not_enough_variance")


@dataclass(frozen=True)
class OverallStatistics:
    """Statistics of the attempt totals (marks in marks, cic and error ratio in percent)."""

    count: int
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None
    #: the sum of the items' maxima (Moodle's quiz sumgrades)
    max_total: float

    def to_dict(self) -> dict:
        """The fields as a JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class ItemStatistics:
    """Statistics of one item over the s attempts that had it."""

    count: int
    max_mark: float
    mean: float | None
    #: mean / max mark (0-1); None when the maximum is 0
    facility: float | None
    #: standard deviation in marks
    sd: float | None
    #: max mark / the test's maximum (0-1); None when the test's maximum is 0
    intended_weight: float | None
    #: percent; None for a negative covariance with the total and for drawn questions
    effective_weight: float | None
    #: percent (a correlation x 100, may be negative)
    discrimination_index: float | None
    #: percent
    discriminative_efficiency: float | None
    #: the covariance of the item with the total is negative (Moodle's negcovar)
    negative_covariance: bool
    #: sample variance of the mark and covariance with the total (for the test statistics)
    mark_variance: float | None
    covariance_with_total: float | None

    def to_dict(self) -> dict:
        """The fields as a JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class Analysis:
    """The whole-test statistics and one ItemStatistics per column of the marks matrix."""

    test: OverallStatistics
    items: list[ItemStatistics]


# --- the marks matrix -------------------------------------------------------------------------


def as_matrix(marks, n_items: int | None = None) -> np.ndarray:
    """``marks`` (rows of numbers, None counting as 0) as a float matrix attempts x items."""
    matrix = np.asarray(marks, dtype=float)
    if matrix.size == 0:
        return np.zeros((0, n_items or 0))
    if matrix.ndim != 2:
        raise ValueError("marks must be a two-dimensional table")
    return np.nan_to_num(matrix, nan=0.0)


def _float(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


# --- items ------------------------------------------------------------------------------------


def _columns(x: np.ndarray, y: np.ndarray, totals: np.ndarray) -> dict[str, np.ndarray]:
    """Per column j: variance of x, of y, their covariance, the largest covariance of the
    same values (each sorted on its own), and the covariance of x with the totals."""
    s = x.shape[0]
    dx = x - x.mean(axis=0)
    dy = y - y.mean(axis=0)
    var_x = (dx * dx).sum(axis=0) / (s - 1)
    var_y = (dy * dy).sum(axis=0) / (s - 1)
    flat_x = var_x < ZERO_VARIANCE
    flat_y = var_y < ZERO_VARIANCE
    # A constant column has no deviation at all (its mean may be off by a rounding error).
    dx[:, flat_x] = 0.0
    dy[:, flat_y] = 0.0
    var_x[flat_x] = 0.0
    var_y[flat_y] = 0.0
    covariance = (dx * dy).sum(axis=0) / (s - 1)
    sorted_x = np.sort(x, axis=0) - x.mean(axis=0)
    sorted_y = np.sort(y, axis=0) - y.mean(axis=0)
    sorted_x[:, flat_x] = 0.0
    sorted_y[:, flat_y] = 0.0
    covariance_max = (sorted_x * sorted_y).sum(axis=0) / (s - 1)
    dt = (totals - totals.mean())[:, None]
    with_total = (dx * dt).sum(axis=0) / (s - 1)
    return {
        "var_x": var_x,
        "var_y": var_y,
        "covariance": covariance,
        "covariance_max": covariance_max,
        "with_total": with_total,
    }


def _item(
    s: int,
    max_mark: float,
    mean: float | None,
    intended_weight: float | None,
    columns: dict[str, np.ndarray] | None,
    j: int,
) -> ItemStatistics:
    facility = mean / max_mark if mean is not None and max_mark else None
    if columns is None:  # s <= 1: only the average
        return ItemStatistics(
            s, max_mark, mean, facility, None, intended_weight, None, None, None, False, None, None
        )
    var_x = float(columns["var_x"][j])
    var_y = float(columns["var_y"][j])
    covariance = float(columns["covariance"][j])
    covariance_max = float(columns["covariance_max"][j])
    with_total = float(columns["with_total"][j])
    product = var_x * var_y
    discrimination = 100.0 * covariance / math.sqrt(product) if product > 0 else None
    efficiency = (
        100.0 * covariance / covariance_max if abs(covariance_max) >= ZERO_VARIANCE else None
    )
    return ItemStatistics(
        count=s,
        max_mark=max_mark,
        mean=mean,
        facility=facility,
        sd=math.sqrt(var_x),
        intended_weight=intended_weight,
        effective_weight=None,
        discrimination_index=_float(discrimination),
        discriminative_efficiency=_float(efficiency),
        negative_covariance=with_total < 0,
        mark_variance=var_x,
        covariance_with_total=with_total,
    )


def _intended(max_mark: float, max_total: float) -> float | None:
    return max_mark / max_total if max_total else None


def item_statistics(marks, maxima: Sequence[float]) -> list[ItemStatistics]:
    """Statistics of every item (column) of a marks matrix, the rest of the test being the
    total without the item; effective weights share 100 % among the items."""
    maxima = [float(m) for m in maxima]
    x = as_matrix(marks, len(maxima))
    s, p = x.shape[0], len(maxima)
    if x.shape[1] != p:
        raise ValueError("one maximum per column of marks")
    max_total = sum(maxima)
    if s == 0:
        return [
            ItemStatistics(
                0, m, None, None, None, _intended(m, max_total), None, None, None, False, None, None
            )
            for m in maxima
        ]
    totals = x.sum(axis=1)
    means = x.mean(axis=0)
    columns = _columns(x, totals[:, None] - x, totals) if s > 1 else None
    items = [
        _item(s, maxima[j], float(means[j]), _intended(maxima[j], max_total), columns, j)
        for j in range(p)
    ]
    return _with_effective_weights(items)


def _with_effective_weights(items: list[ItemStatistics]) -> list[ItemStatistics]:
    """100 x sqrt(Cx_j) / sum of sqrt(Cx_k) over the items whose Cx is known and not negative;
    None for an item with a negative covariance, or when that sum is 0."""
    roots = [
        math.sqrt(item.covariance_with_total)
        if item.covariance_with_total is not None and item.covariance_with_total >= 0
        else None
        for item in items
    ]
    denominator = sum(root for root in roots if root is not None)
    result = []
    for item, root in zip(items, roots, strict=True):
        weight = None
        if root is not None and denominator > 0 and not item.negative_covariance:
            weight = 100.0 * root / denominator
        result.append(_replace(item, effective_weight=weight))
    return result


def _replace(item: ItemStatistics, **changes) -> ItemStatistics:
    return ItemStatistics(**{**asdict(item), **changes})


def drawn_question_statistics(marks, totals, max_mark: float, max_total: float) -> ItemStatistics:
    """Statistics of a question drawn by a random slot, over the attempts that drew it: its
    marks against the whole totals of those attempts (Moodle does not subtract the item here);
    no effective weight."""
    x = np.asarray(marks, dtype=float).reshape(-1, 1)
    t = np.asarray(totals, dtype=float)
    s = x.shape[0]
    max_mark = float(max_mark)
    intended = _intended(max_mark, float(max_total))
    if s == 0:
        return ItemStatistics(
            0, max_mark, None, None, None, intended, None, None, None, False, None, None
        )
    columns = _columns(x, t.reshape(-1, 1), t) if s > 1 else None
    return _item(s, max_mark, float(x.mean()), intended, columns, 0)


# --- the whole test ---------------------------------------------------------------------------


def overall_statistics(
    totals, max_total: float, item_variances: Iterable[float | None] = ()
) -> OverallStatistics:
    """Count, mean, median, sd, skewness, kurtosis of the totals and, from the items' sample
    variances, the coefficient of internal consistency, error ratio and standard error."""
    t = np.asarray(list(totals) if not isinstance(totals, np.ndarray) else totals, dtype=float)
    s = int(t.size)
    max_total = float(max_total)
    if s == 0:
        return OverallStatistics(0, None, None, None, None, None, None, None, None, max_total)
    mean = float(t.mean())
    median = float(np.median(t))
    sd = skewness = kurtosis = cic = error_ratio = standard_error = None
    if s > 1:
        deviations = t - mean
        sd = math.sqrt(float((deviations**2).sum()) / (s - 1))
    if s > 2:
        deviations = t - mean
        m2 = float((deviations**2).sum()) / s
        m3 = float((deviations**3).sum()) / s
        m4 = float((deviations**4).sum()) / s
        k2 = s * m2 / (s - 1)
        if k2 >= ZERO_VARIANCE:
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            skewness = k3 / k2**1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurtosis = k4 / (k2 * k2)
            variances = [v for v in item_variances if v is not None]
            p = len(variances)
            if p > 1:
                cic = 100.0 * p / (p - 1) * (1.0 - sum(variances) / k2)
                error_ratio = _float(100.0 * math.sqrt(1.0 - cic / 100.0)) if cic <= 100 else None
                standard_error = error_ratio / 100.0 * sd if error_ratio is not None else None
    return OverallStatistics(
        count=s,
        mean=mean,
        median=median,
        sd=sd,
        skewness=_float(skewness),
        kurtosis=_float(kurtosis),
        cic=_float(cic),
        error_ratio=error_ratio,
        standard_error=_float(standard_error),
        max_total=max_total,
    )


def analyse(marks, maxima: Sequence[float]) -> Analysis:
    """The test statistics and the item statistics of a marks matrix (attempts x items)."""
    maxima = [float(m) for m in maxima]
    x = as_matrix(marks, len(maxima))
    items = item_statistics(x, maxima)
    test = overall_statistics(x.sum(axis=1), sum(maxima), [item.mark_variance for item in items])
    return Analysis(test=test, items=items)


# --- which attempts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A finished attempt as the choice of attempts sees it."""

    attempt_id: int
    user_id: int
    number: int
    #: the raw total; ignored while the attempt awaits grading (Moodle's NULL sumgrades)
    total: float | None
    awaiting_grading: bool


def choose_attempts(candidates: Iterable[Candidate], choice: str) -> list[int]:
    """The ids of the attempts a choice takes from finished ones, in attempt-id order.

    Moodle picks the first, last or highest-graded attempt of each person among all their
    finished attempts (highest: ties go to the lowest number; a total awaiting grading counts as
    0), then drops any that awaits grading; "all" takes every finished, graded attempt.
    """
    if choice not in ATTEMPT_CHOICES:
        raise ValueError(f"unknown choice of attempts {choice!r}")
    rows = list(candidates)
    if choice == "all":
        chosen = rows
    else:
        best: dict[int, Candidate] = {}
        for row in rows:
            held = best.get(row.user_id)
            if held is None or _better(row, held, choice):
                best[row.user_id] = row
        chosen = list(best.values())
    return sorted(row.attempt_id for row in chosen if not row.awaiting_grading)


def _score(row: Candidate) -> float:
    return 0.0 if row.awaiting_grading or row.total is None else row.total


def _better(row: Candidate, held: Candidate, choice: str) -> bool:
    if choice == "first":
        return row.number < held.number
    if choice == "last":
        return row.number > held.number
    return _score(row) > _score(held) or (_score(row) == _score(held) and row.number < held.number)


# --- flags and the histogram ----------------------------------------------------------------


def flags(item: ItemStatistics) -> list[str]:
    """The flag codes of an item with enough attempts: too hard, too easy, low discrimination,
    or not enough variance (an undefined discrimination is never "low")."""
    if item.count < MIN_ATTEMPTS_FOR_FLAGS:
        return []
    found = []
    if item.facility is not None and item.facility < FACILITY_LOW:
        found.append("too_hard")
    if item.facility is not None and item.facility > FACILITY_HIGH:
        found.append("too_easy")
    if item.discrimination_index is None:
        found.append("not_enough_variance")
    elif item.discrimination_index < DISCRIMINATION_LOW:
        found.append("low_discrimination")
    return sorted(found, key=FLAGS.index)


def histogram(totals, max_total: float, bins: int = 10) -> list[tuple[float, float, int]]:
    """(low, high, count) of the totals in ``bins`` equal bands of 0..max_total; the last band
    holds the maximum itself. Empty for a test worth nothing."""
    t = np.asarray(list(totals) if not isinstance(totals, np.ndarray) else totals, dtype=float)
    if max_total <= 0:
        return []
    edges = np.linspace(0.0, float(max_total), bins + 1)
    counts, _edges = np.histogram(np.clip(t, 0.0, float(max_total)), bins=edges)
    return [(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(bins)]
