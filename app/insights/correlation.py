"""Which skills predict service: correlations of predictors with outcomes, and their q-values.

Pure: per-person values in, a table out (scipy for the tests, numpy for Benjamini–Hochberg).
A *predictor* is a competency's current level or a question category's mean quiz result; an
*outcome* is an indicator's mean raw value. For each pair, the people with both values count:

- Spearman's ρ (average ranks for ties) and Pearson's r, each with its two-sided p-value;
- signs oriented so that positive means "goes with better service" whatever the indicator's
  direction (for a lower-is-better indicator the coefficients change sign; p-values do not);
- ``None`` where fewer than 3 people have both values or either input is constant — never a
  warning, never NaN;
- one Benjamini–Hochberg q-value per computed pair from the Spearman p-values, across the whole
  table (the false discovery rate of reading every pair as real).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_PEOPLE = 3


@dataclass(frozen=True)
class Correlation:
    """Both coefficients of one pair with their p-values (None where they cannot be computed)."""

    n: int
    spearman: float | None = None
    spearman_p: float | None = None
    pearson: float | None = None
    pearson_p: float | None = None


@dataclass(frozen=True)
class Pair:
    """One row of the table: predictor × indicator, its correlation and q-value."""

    kind: str  #: "competency" | "category"
    predictor: str
    indicator: str
    correlation: Correlation
    q: float | None = None


def _constant(values: Sequence[float]) -> bool:
    low, high = min(values), max(values)
    return high - low <= 1e-12 * max(1.0, abs(high), abs(low))


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def correlate(x: Sequence[float], y: Sequence[float], *, sign: float = 1.0) -> Correlation:
    """Spearman and Pearson of paired values, each with n and p (None: n < 3 or constant)."""
    n = len(x)
    if n < MIN_PEOPLE or _constant(x) or _constant(y):
        return Correlation(n)
    from scipy import stats

    with warnings.catch_warnings():
        # the checks above rule out constant input; nothing else may reach the user as a warning
        warnings.simplefilter("ignore")
        rho, rho_p = stats.spearmanr(x, y)
        r, r_p = stats.pearsonr(x, y)
    rho, rho_p, r, r_p = (_finite(v) for v in (rho, rho_p, r, r_p))
    return Correlation(
        n,
        None if rho is None else sign * rho,
        rho_p if rho is not None else None,
        None if r is None else sign * r,
        r_p if r is not None else None,
    )


def benjamini_hochberg(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg q-values of the given p-values (None stays None, and is not counted)."""
    present = [i for i, p in enumerate(p_values) if p is not None]
    q: list[float | None] = [None] * len(p_values)
    if not present:
        return q
    p = np.array([p_values[i] for i in present], dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    # q of the k-th smallest p: the least scaled p from rank k on, at most 1
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    values = np.empty(m)
    values[order] = adjusted
    for index, value in zip(present, values, strict=True):
        q[index] = float(value)
    return q


def predictor_table(
    predictors: Mapping[tuple[str, str], Mapping[int, float]],
    outcomes: Mapping[str, Mapping[int, float]],
    higher_is_better: Mapping[str, bool],
) -> list[Pair]:
    """Every predictor × outcome pair, sorted by |Spearman| descending (None last).

    ``predictors``: (kind, key) -> user id -> value; ``outcomes``: indicator code -> user id ->
    mean raw value; people missing either value of a pair are left out of that pair.
    """
    rows: list[tuple[str, str, str, Correlation]] = []
    for (kind, key), by_person in predictors.items():
        for code, values in outcomes.items():
            people = sorted(set(by_person) & set(values))
            correlation = correlate(
                [by_person[u] for u in people],
                [values[u] for u in people],
                sign=1.0 if higher_is_better.get(code, True) else -1.0,
            )
            rows.append((kind, key, code, correlation))
    qs = benjamini_hochberg([c.spearman_p for _k, _p, _i, c in rows])
    table = [
        Pair(kind, key, code, correlation, q)
        for (kind, key, code, correlation), q in zip(rows, qs, strict=True)
    ]
    return sorted(
        table,
        key=lambda p: (
            p.correlation.spearman is None,
            -abs(p.correlation.spearman or 0.0),
            p.kind,
            p.predictor,
            p.indicator,
        ),
    )


def fitted_line(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The least-squares line through ``points`` at their smallest and largest x ([] if none)."""
    if len(points) < 2:
        return []
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    if _constant(list(xs)):
        return []
    slope, intercept = np.polyfit(xs, ys, 1)
    low, high = float(xs.min()), float(xs.max())
    return [(low, float(slope * low + intercept)), (high, float(slope * high + intercept))]


#: |ρ| from which a correlation reads as weak, moderate, strong
STRENGTHS = ((0.5, "strong"), (0.3, "moderate"), (0.1, "weak"))
#: q below which a correlation reads as reliable
RELIABLE_Q = 0.05


def strength(rho: float | None) -> str | None:
    """ "strong", "moderate", "weak" or "negligible" by |ρ| (None: not computed)."""
    if rho is None:
        return None
    return next((word for bound, word in STRENGTHS if abs(rho) >= bound), "negligible")


def is_reliable(q: float | None) -> bool:
    """True when the q-value is below 0.05."""
    return q is not None and q < RELIABLE_Q
