"""Scoring of service results (DOMAIN.md §3.3): pure functions over plain data.

- **Indicator score** ``s ∈ [0, 100]`` from a raw value and the parameters in force for the
  person's job role and period. Higher is better: ``s = clamp((x − floor) / (target − floor))
  × 100``; lower is better: ``s = clamp((ceiling − x) / (ceiling − target)) × 100``. At or
  beyond the target the score is 100; at or beyond the zero point (the floor, or for lower-is-
  better the ceiling) it is 0.
- **Composite** ``S = Σ wᵢ·sᵢ / Σ wᵢ`` over the weighted indicators present that period: the
  weights of the indicators present are renormalised to sum to 1. When the weights present
  cover less than half of the role's weights (``MIN_COVERAGE``), there is no composite (None).
- **Gates** (K15 safety violations, K16 service red lines) carry no weight: a gate event, a
  value worse than the gate's target (any violation when the target is 0), caps the composite
  at exactly ``GATE_CAP`` (``min(S, 60)``).
- **Ranks** within a group (a department, a job role): highest composite first; composites
  equal to two decimals share a rank and the next rank skips (1, 2, 2, 4); no composite, no rank.

Worked examples are in docs/service-quality.md and tests/quality/test_scoring.py.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from app.quality.units import HIGHER

#: the composite a gate event caps at
GATE_CAP = 60.0
#: the share of a role's weights that must be present for a composite
MIN_COVERAGE = 0.5
#: composites are compared (ranks) and shown to this many decimals
DECIMALS = 2
_EPSILON = 1e-9


@dataclass(frozen=True)
class Parameters:
    """The parameters of one indicator for one job role and period."""

    direction: str
    floor: float
    target: float
    ceiling: float
    weight: float | None = None
    is_gate: bool = False


def clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    """``x`` limited to [low, high]."""
    return max(low, min(high, x))


def indicator_score(value: float, p: Parameters) -> float:
    """The 0–100 score of a raw ``value`` under parameters ``p``."""
    if p.direction == HIGHER:
        span = p.target - p.floor
        ratio = (value - p.floor) / span if span else (1.0 if value >= p.target else 0.0)
    else:
        span = p.ceiling - p.target
        ratio = (p.ceiling - value) / span if span else (1.0 if value <= p.target else 0.0)
    return clamp(ratio) * 100.0


def is_gate_event(value: float, p: Parameters) -> bool:
    """True when a gate indicator's value is worse than its target (a violation)."""
    if not p.is_gate:
        return False
    return value < p.target if p.direction == HIGHER else value > p.target


@dataclass(frozen=True, slots=True)
class Entry:
    """One indicator of one person and period, as the composite sees it."""

    code: str
    value: float
    score: float | None
    weight: float | None = None
    is_gate: bool = False
    is_gate_event: bool = False


@dataclass(frozen=True)
class Share:
    """A weighted indicator in the composite: its weight, renormalised share and points."""

    code: str
    weight: float
    share: float
    score: float
    points: float


@dataclass(frozen=True)
class Composite:
    """A composite and every step of it (what a person's explanation shows)."""

    value: float | None
    #: the weighted mean before a gate cap
    uncapped: float | None
    #: the weight present ÷ the role's total weight (0–1)
    coverage: float
    present_weight: float
    total_weight: float
    shares: tuple[Share, ...]
    gate_events: tuple[str, ...]

    @property
    def is_capped(self) -> bool:
        """True when a gate event lowered the composite."""
        return self.uncapped is not None and self.value is not None and self.value < self.uncapped

    @property
    def has_too_little_data(self) -> bool:
        """True when the indicators present cover less than MIN_COVERAGE of the weights."""
        return self.value is None


def composite(entries: Iterable[Entry], total_weight: float) -> Composite:
    """The composite of one person and period from their entries and the role's total weight."""
    entries = list(entries)
    weighted = [
        e for e in entries if not e.is_gate and e.weight and e.weight > 0 and e.score is not None
    ]
    present = sum(e.weight for e in weighted)
    coverage = present / total_weight if total_weight > 0 else 0.0
    events = tuple(sorted(e.code for e in entries if e.is_gate and e.is_gate_event))
    if not weighted or coverage + _EPSILON < MIN_COVERAGE:
        return Composite(None, None, coverage, present, total_weight, (), events)
    shares = tuple(
        Share(e.code, e.weight, e.weight / present, e.score, e.weight / present * e.score)
        for e in weighted
    )
    uncapped = sum(s.points for s in shares)
    value = min(uncapped, GATE_CAP) if events else uncapped
    return Composite(value, uncapped, coverage, present, total_weight, shares, events)


def rounded(value: float | None) -> float | None:
    """A score or composite as shown, compared and sent: to DECIMALS places."""
    return None if value is None else round(value + 0.0, DECIMALS)


def ranks(values: Mapping[Hashable, float | None]) -> dict[Hashable, int | None]:
    """Competition ranks, highest first: equal values (to DECIMALS) share a rank (1, 2, 2, 4)."""
    ranked: dict[Hashable, int | None] = dict.fromkeys(values)
    present = sorted(
        ((rounded(v), k) for k, v in values.items() if v is not None),
        key=lambda item: -item[0],
    )
    previous = None
    rank = 0
    for position, (value, key) in enumerate(present, start=1):
        if value != previous:
            rank, previous = position, value
        ranked[key] = rank
    return ranked


def group_ranks(
    values: Mapping[Hashable, float | None], groups: Mapping[Hashable, Hashable]
) -> dict[Hashable, int | None]:
    """Ranks within each group: ``groups`` maps each key to its group (department, role)."""
    by_group: dict[Hashable, dict[Hashable, float | None]] = {}
    for key, value in values.items():
        by_group.setdefault(groups.get(key), {})[key] = value
    result: dict[Hashable, int | None] = {}
    for members in by_group.values():
        result.update(ranks(members))
    return result
