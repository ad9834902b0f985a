"""Generator step "service scores": the demo indicator system and a value of each indicator for
every generated staff member and month.

The indicators and their parameters come from ``framework/indicators.yaml`` (in force from the
first generated month; links to competencies the generated data lacks are left out). For each
of the ``--periods`` months ending with the last complete month before the as-of day, every
staff member in post that month gets a value of each indicator their job role's parameters
name, drawn around their ability (the same draw that drives their quiz answers), with a person
effect per indicator and monthly noise; inspections sample 70 % of the people; gate events are
rare. One ``demo`` batch per month; rows are written in multi-row inserts.
"""

from __future__ import annotations

import math

from app.bench.data.base import Context, bulk_insert, next_id
from app.quality import periods, queries
from app.quality.files import DEMO_FILE, parse_yaml
from app.quality.models import Score, ScoreBatch
from app.quality.services import bulk_load_indicators
from app.quality.units import HIGHER, UNITS

#: monthly chance of a gate event per person: indicator -> (chance, job roles)
GATE_RATES = {"K15": (0.002, ("MR", "MI", "INS")), "K16": (0.001, ("CTR", "CC", "AM"))}
SAMPLED = {"K05": 0.7}


def _raw(latent: float, p, unit: str) -> float:
    limits = UNITS[unit]
    if p.direction == HIGHER:
        value = min(p.floor + latent / 100 * (p.target - p.floor), p.ceiling)
    else:
        value = max(p.ceiling - latent / 100 * (p.ceiling - p.target), p.floor)
    value = max(value, limits.minimum)
    if limits.maximum is not None:
        value = min(value, limits.maximum)
    return round(value, 2)


def generate(ctx: Context) -> str:
    """Load the indicators, then a value per staff member, indicator and month."""
    rng = ctx.rng("service scores")
    parsed, problems = parse_yaml(DEMO_FILE.read_text(encoding="utf-8"), "indicators.yaml")
    if problems:
        raise ValueError("; ".join(str(p) for p in problems))
    last = periods.last_complete(ctx.now.date())
    months = periods.ending(last, ctx.params.periods)
    bulk_load_indicators(parsed, valid_from=months[0])
    units = {i.id: i.unit for i in queries.indicators_by_id().values()}
    role_ids = ctx.shared["role_ids"]
    people = ctx.shared["people"]
    effects: dict[tuple[int, int], float] = {}
    score_id = next_id(Score)
    batch_id = next_id(ScoreBatch)
    total = events = 0
    for month in months:
        in_force = queries.parameters_in_force(month)
        first_day = periods.first_day(month)
        rows = []
        for person in people:
            if person.hired_at > first_day:
                continue
            role_id = role_ids[person.job_role]
            for entry in in_force.get(role_id, {}).values():
                p = entry.parameters
                if p.is_gate:
                    chance, roles = GATE_RATES.get(entry.code, (0.0, ()))
                    value = 1.0 if person.job_role in roles and rng.random() < chance else 0.0
                    events += value > 0
                elif entry.code in SAMPLED and rng.random() > SAMPLED[entry.code]:
                    continue
                elif units[entry.indicator_id] == "count":
                    rate = 0.12 * math.exp(-0.5 * person.ability)
                    value = float(rng.random() < rate) + float(rng.random() < rate / 6)
                else:
                    key = (person.id, entry.indicator_id)
                    if key not in effects:
                        effects[key] = rng.gauss(0, 4)
                    latent = 85 + 6 * person.ability + effects[key] + rng.gauss(0, 5)
                    value = _raw(latent, p, units[entry.indicator_id])
                rows.append(
                    {
                        "id": score_id,
                        "user_id": person.id,
                        "indicator_id": entry.indicator_id,
                        "period": month,
                        "value": value,
                        "job_role_id": role_id,
                        "department_id": person.department_id,
                        "batch_id": batch_id,
                    }
                )
                score_id += 1
        bulk_insert(
            ctx,
            ScoreBatch,
            [
                {
                    "id": batch_id,
                    "period": month,
                    "source": "demo",
                    "filename": None,
                    "actor_id": None,
                    "created_at": ctx.now,
                    "note": "generated",
                    "indicators": sorted({e.code for r in in_force.values() for e in r.values()}),
                    "n_created": len(rows),
                    "n_updated": 0,
                    "n_deleted": 0,
                    "n_unchanged": 0,
                }
            ],
        )
        total += bulk_insert(ctx, Score, rows)
        batch_id += 1
    return (
        f"{len(parsed.indicators)} indicators; {total} values over {len(months)} months "
        f"({months[0]} to {months[-1]}), {events} gate events"
    )
