"""Demo service scores: twelve months of raw values for every demo staff member.

Every staff member (S0001–S0320) gets, for each of the twelve months ending with the last
complete month, a value of each indicator their job role's parameters name, as the source
systems would send them (zeros included for the gates). Values are drawn around each person's
own level: the mean of the competency levels (``competency_level``, written by the competency
demo before this seeder runs) of the indicator's linked competencies, weighted by strength,
plus a person effect and monthly noise, so people differ, months vary and stronger people score
better. Inspections (K05) sample about 70 % of the people each month, so some composites are
renormalised; people hired during the year have no values before their first full month.

Planted structure that later features and the README's demo section rely on:

- among counter clerks (CTR), K01 客户满意率 rises with the CM2 level (no level counts as 0): the
  latent K01 score is 87 + 25 × (CM2 level − 2) plus a person effect (sd 6) and monthly noise
  (sd 4), a correlation clear enough to survive the calming course's planted effect (most
  clerks who completed that course hold CM2 at level 2, and their months before it score lower)
  in the six-month window the predictor table reads;
- in the last complete month, S0008 (CTR, 中山路营业厅; weak in CM2) has K01 = 95.6 % (an
  indicator score of about 62) and every other indicator at or better than its target;
  S0009 (CTR, same hall; CM2 and CM1 at level 4) has K01 = 96.8 % (score about 76, below 80)
  and every other indicator at or better than its target;
- a few gate events over the year: safety violations (K15) among field staff and service
  red-line breaches (K16) among counter, call-centre and account staff (one of each in the last
  complete month, so its scores show a composite capped at 60), never for S0008 or S0009.

One ``ScoreBatch`` (source ``demo``) per month; rows are bulk-inserted. Idempotent: a database
with demo batches is left alone. The follow-up step (``follow.seed_follow_ups``) adds two contests
of the last month that change no value: S0008's K01 waiting for HR, and one of S0001's (the staff
demo account) that HR rejected with the reason (``seed_contests``).
"""

from __future__ import annotations

import math
import random

from sqlalchemy import func, select

from app.competencies.services import current_levels
from app.competencies.services.evidence import levels_recomputed_once
from app.core import clock, hooks
from app.core.audit import record_audit
from app.core.uow import unit_of_work
from app.extensions import db
from app.org.models import JobRole, User
from app.quality import periods, queries, scoring, services
from app.quality.models import Indicator, Score, ScoreBatch, ScoreContest
from app.quality.services.scores import bulk_insert_scores
from app.quality.units import HIGHER, UNITS

MONTHS = 12
#: the last month's planted values: employee number -> {indicator: value}
PLANTED_LAST_MONTH = {
    "S0008": {"K01": 95.6, "K02": 0, "K04": 92.4, "K05": 93.0, "K07": 3.8, "K08": 100.0,
              "K17": 66.0, "K15": 0, "K16": 0},
    "S0009": {"K01": 96.8, "K02": 0, "K04": 94.1, "K05": 95.5, "K07": 2.9, "K08": 100.0,
              "K17": 71.5, "K15": 0, "K16": 0},
}  # fmt: skip
#: how many gate events the year holds: indicator -> (count, job roles that can have them)
GATE_EVENTS = {"K15": (5, ("MR", "MI", "INS")), "K16": (3, ("CTR", "CC", "AM"))}
#: inspections and mystery visits reach this share of the people a month
SAMPLED = {"K05": 0.7}
#: decimals a raw value is reported with, per indicator (others: the unit's default)
DECIMALS = {"K09": 2}


def _level_score(level: int | None) -> float:
    return float(level or 0)


def _skill(strengths: dict[str, int], levels: dict[str, int | None]) -> float:
    """The strength-weighted mean competency level behind an indicator (0 without evidence)."""
    if not strengths:
        return 1.5
    total = sum(strengths.values())
    return sum(s * _level_score(levels.get(code)) for code, s in strengths.items()) / total


def _raw(latent: float, p, unit: str, code: str) -> float:
    """The raw value whose score is ``latent`` (beyond 0–100 where the unit allows)."""
    limits = UNITS[unit]
    if p.direction == HIGHER:
        value = p.floor + latent / 100 * (p.target - p.floor)
        value = min(value, p.ceiling)
    else:
        value = p.ceiling - latent / 100 * (p.ceiling - p.target)
        value = max(value, p.floor)
    value = max(value, limits.minimum)
    if limits.maximum is not None:
        value = min(value, limits.maximum)
    decimals = DECIMALS.get(code, 1)
    return round(value, decimals)


def _poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (Knuth; the rates here are small)."""
    limit, k, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def seed_scores() -> str:
    """Twelve months of demo scores for every demo staff member (idempotent)."""
    if db.session.scalar(select(ScoreBatch.id).where(ScoreBatch.source == "demo").limit(1)):
        return "already seeded"
    indicators = {i.code: i for i in queries.indicators()}
    if not indicators:
        return "skipped: load the indicators first"
    staff = list(
        db.session.execute(
            select(User.id, User.employee_no, User.job_role_id, User.department_id, User.hired_at)
            .where(User.employee_no.like("S%"), User.job_role_id.is_not(None))
            .order_by(User.employee_no)
        )
    )
    if not staff:
        return "skipped: seed the organisation first"
    roles = {role.id: role.code for role in db.session.scalars(select(JobRole))}
    levels = current_levels([person.id for person in staff])
    rng = random.Random(18_2026)  # noqa: S311 - reproducible demo data
    last = periods.last_complete(clock.local_today())
    months = periods.ending(last, MONTHS)
    person_effect = {person.id: rng.gauss(0, 6) for person in staff}
    indicator_effect = {
        (person.id, code): rng.gauss(0, 3) for person in staff for code in indicators
    }
    events = _gate_events(rng, staff, roles, months)
    calmed = _completion_months(CALMING_COURSE)
    linked = sorted({code for i in indicators.values() for code in i.strengths})
    person_levels = {
        person.id: {code: levels.get((person.id, code)) for code in linked} for person in staff
    }
    total = 0
    n_events = 0
    # the evidence that follows each month's scores: levels recomputed once, at the end
    with unit_of_work(), levels_recomputed_once():
        for month in months:
            in_force = queries.parameters_in_force(month)
            first_day = periods.first_day(month)
            rows = []
            for person in staff:
                if person.hired_at is not None and person.hired_at > first_day:
                    continue  # no full month in the post yet
                for entry in in_force.get(person.job_role_id, {}).values():
                    indicator = indicators[entry.code]
                    value = _value(
                        rng,
                        person,
                        indicator,
                        entry.parameters,
                        person_levels[person.id],
                        roles,
                        person_effect[person.id] + indicator_effect[(person.id, entry.code)],
                        events.get((person.employee_no, entry.code, month), 0),
                        is_last=month == last,
                        before_course=COURSE_EFFECT
                        if month < calmed.get(person.id, "0000-00")
                        else 0.0,
                    )
                    if value is None:
                        continue
                    n_events += entry.parameters.is_gate and value > entry.parameters.target
                    rows.append(
                        {
                            "user_id": person.id,
                            "indicator_id": entry.indicator_id,
                            "period": month,
                            "value": value,
                            "job_role_id": person.job_role_id,
                            "department_id": person.department_id,
                        }
                    )
            batch = ScoreBatch(
                period=month,
                source="demo",
                filename=None,
                created_at=clock.now(),
                note="demo data",
                indicators=sorted({e.code for r in in_force.values() for e in r.values()}),
                n_created=len(rows),
            )
            total += bulk_insert_scores(batch, rows)
            record_audit(
                None,
                "service_scores.import",
                batch,
                None,
                {"period": month, "source": "demo", "created": len(rows)},
            )
            hooks.fire("scores_changed", month, sorted({r["user_id"] for r in rows}))
    return (
        f"{total} values of {len(staff)} people over {len(months)} months "
        f"({months[0]} to {months[-1]}), {n_events} gate events"
    )


#: the demo course that develops CM2, and what it does to a counter clerk's K01: before the month
#: they completed it their K01 was lower by this much latent score (33.3 × 0.09 = 3 points of
#: K01 raw value) than after, so completers gain about 3 points over comparable colleagues —
#: what the course-effect report recovers (README, demo section)
CALMING_COURSE = "客户情绪安抚与冲突化解"
COURSE_EFFECT = 33.3


def _completion_months(title: str) -> dict[int, str]:
    """User id -> the month they first completed the course called ``title``."""
    from app.courses.models import Course, Enrolment

    rows = db.session.execute(
        select(Enrolment.user_id, func.min(Enrolment.completed_at))
        .join(Course, Course.id == Enrolment.course_id)
        .where(Course.title == title, Enrolment.completed_at.is_not(None))
        .group_by(Enrolment.user_id)
    ).all()
    return {user_id: periods.of_date(clock.to_local(at).date()) for user_id, at in rows}


def _gate_events(rng, staff, roles, months) -> dict[tuple[str, str, str], int]:
    """(employee no, gate, month) -> violations: a few over the year (the first of each gate in
    the last month, so the latest scores show a capped composite), none for planted people."""
    events = {}
    for code, (count, role_codes) in GATE_EVENTS.items():
        candidates = [
            p
            for p in staff
            if roles.get(p.job_role_id) in role_codes and p.employee_no not in PLANTED_LAST_MONTH
        ]
        chosen = rng.sample(candidates, min(count, len(candidates)))
        for index, person in enumerate(chosen):
            month = months[-1] if index == 0 else rng.choice(months)
            events[(person.employee_no, code, month)] = 1
    return events


def _value(rng, person, indicator, p, levels, roles, effect, event, *, is_last, before_course=0.0):
    """One raw value of a person, indicator and month (None: not measured this month)."""
    planted = PLANTED_LAST_MONTH.get(person.employee_no)
    if is_last and planted is not None and indicator.code in planted:
        return float(planted[indicator.code])
    if p.is_gate:
        return float(event)
    if indicator.code in SAMPLED and rng.random() > SAMPLED[indicator.code]:
        return None
    skill = _skill(indicator.strengths, levels)
    if indicator.unit == "count":
        # complaints: rare, rarer for the skilled
        rate = 0.12 * math.exp(-0.6 * (skill - 1.5) - effect / 12)
        return float(_poisson(rng, rate))
    if indicator.code == "K01" and roles.get(person.job_role_id) == "CTR":
        latent = 87 + 25 * (_level_score(levels.get("CM2")) - 2) + effect + rng.gauss(0, 4)
        latent -= before_course  # the calming course's planted effect (see COURSE_EFFECT)
    else:
        latent = 86 + 6 * (skill - 1.5) + effect + rng.gauss(0, 5)
    return _raw(latent, p, indicator.unit, indicator.code)


def planted_scores(employee_no: str, period: str) -> dict[str, float]:
    """The stored demo values of a person and period (for checks and the README)."""
    rows = db.session.execute(
        select(Score.indicator_id, Score.value)
        .join(User, User.id == Score.user_id)
        .where(User.employee_no == employee_no, Score.period == period)
    ).all()
    codes = {i.id: i.code for i in queries.indicators_by_id().values()}
    return {codes[indicator_id]: value for indicator_id, value in rows}


#: the demo's contests: employee number, indicator, comment, and HR's answer (None: waiting)
DEMO_CONTESTS = (
    (
        "S0008",
        "K01",
        "11 月有两条“不满意”评价是评价器故障时误触产生的，当天已报修，请核实后剔除。",
        None,
    ),
    (
        "S0001",
        None,  # the person's weakest weighted indicator of the month
        "本月工单量比平时多，这项数值偏低，请复核统计口径。",
        "已复核：统计口径与系统记录一致，工单量已按岗位折算，数值维持不变。",
    ),
)


def seed_contests() -> str:
    """Two contests of the last month's values: S0008's K01 waiting for HR, and one of S0001's
    that HR (H001) rejected with the reason; no value changes (idempotent)."""
    if db.session.scalar(select(ScoreContest.id).limit(1)) is not None:
        return "contests already seeded"
    last = periods.last_complete(clock.local_today())
    hr = db.session.scalar(select(User).where(User.employee_no == "H001"))
    made = 0
    for number, code, comment, answer in DEMO_CONTESTS:
        person = db.session.scalar(select(User).where(User.employee_no == number))
        if person is None:
            continue
        query = (
            select(Score)
            .join(Indicator, Indicator.id == Score.indicator_id)
            .where(Score.user_id == person.id, Score.period == last)
        )
        if code is not None:
            score = db.session.scalar(query.where(Indicator.code == code))
        else:
            score = _weakest(person, last, list(db.session.scalars(query)))
        if score is None:
            continue
        contest = services.open_contest(person, score, comment)
        if answer is not None:
            services.resolve_contest(hr, contest, "rejected", answer)
        made += 1
    return f"{made} contests"


def _weakest(person, period: str, scores: list[Score]) -> Score | None:
    """The value of the person's weighted indicator with the lowest score that month."""
    in_force = queries.parameters_in_force(period).get(person.job_role_id, {})
    judged = []
    for score in scores:
        entry = in_force.get(score.indicator_id)
        if entry is None or entry.parameters.is_gate:
            continue
        judged.append((scoring.indicator_score(score.value, entry.parameters), score.id, score))
    return min(judged, key=lambda item: item[:2])[2] if judged else None
