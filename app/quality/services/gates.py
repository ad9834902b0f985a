"""Gates open training: a gate event (a value of a gate indicator of the person's job role, K15
safety violations or K16 service red lines, worse than its target) assigns the person the
mandatory course that develops the gate's primary competencies, with a due date and the reason
they read on My learning (``create_rule`` for the person).

The course is a published course whose competencies include the gate indicator's strength-3
competencies: of several, the one covering most of them (then the higher levels, then the oldest
course). None: nothing is assigned and HR sees the event flagged "no course" (and may look
again once a course exists). One ``GateEvent`` row per person × gate × period makes it
idempotent: re-importing the month never assigns twice. A correction that takes the violation
away stops the assignment's unfinished enrolment; if the violation comes back, it is assigned
again. Runs from the ``scores_changed`` hook inside the caller's unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.core import clock
from app.core.audit import record_audit
from app.core.uow import transaction
from app.courses.models import Course
from app.courses.services.rules import create_rule, delete_rule
from app.extensions import db
from app.org.models import User
from app.quality import queries
from app.quality import queries_follow as follow
from app.quality.models import GateEvent, Indicator
from app.quality.units import UNITS, plain

#: days from the gate event to the assigned course's due date (config QUALITY_GATE_COURSE_DAYS)
DEFAULT_DUE_DAYS = 30


@dataclass
class GateReport:
    """What a synchronisation of gate events did."""

    assigned: int = 0
    without_course: int = 0
    cleared: int = 0
    unchanged: int = 0
    events: list[GateEvent] = field(default_factory=list)


def choose_course(codes: list[str], coverage: list[tuple[int, str, int]]) -> int | None:
    """The course id covering most of ``codes`` (then the higher levels, then the oldest), or
    None when no course covers any. ``coverage``: (course id, code, level) rows."""
    wanted = set(codes)
    covered: dict[int, list[int]] = {}
    for course_id, code, level in coverage:
        if code in wanted:
            covered.setdefault(course_id, []).append(level)
    if not covered:
        return None
    return min(covered, key=lambda cid: (-len(covered[cid]), -sum(covered[cid]), cid))


def due_days() -> int:
    """How many days a person has to complete a course a gate event assigned."""
    return int(current_app.config.get("QUALITY_GATE_COURSE_DAYS", DEFAULT_DUE_DAYS))


def reason_for(indicator: Indicator, period: str, value: float, locale: str | None) -> str:
    """The reason shown to the person, in their language: "K15 安全违章 2026-11：1 次"."""
    locale = locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")
    with force_locale(locale):
        label = queries.indicator_label(indicator.code, locale)
        if UNITS[indicator.unit].is_whole:
            amount = _("%(n)s time(s)", n=plain(value))
        else:
            amount = UNITS[indicator.unit].show(value)
        return _(
            "%(indicator)s %(period)s: %(amount)s", indicator=label, period=period, amount=amount
        )


class _Courses:
    """The course chosen for each gate indicator, looked up once per synchronisation."""

    def __init__(self) -> None:
        self._links = follow.primary_competencies()
        self._chosen: dict[int, Course | None] = {}

    def for_indicator(self, indicator_id: int) -> Course | None:
        if indicator_id not in self._chosen:
            codes = [code for _cid, code, _m in self._links.get(indicator_id, [])]
            course_id = choose_course(codes, follow.course_coverage(codes))
            self._chosen[indicator_id] = (
                db.session.get(Course, course_id) if course_id is not None else None
            )
        return self._chosen[indicator_id]


def _assign(event: GateEvent, person: User, indicator: Indicator, courses: _Courses) -> bool:
    """Assign the gate's course to the person (True), or flag the event (False)."""
    course = courses.for_indicator(indicator.id)
    event.reason = reason_for(indicator, event.period, event.value, person.locale)
    if course is None:
        event.course_id = None
        event.rule_id = None
        return False
    rule = create_rule(
        None,
        course,
        target_kind="user",
        user=person,
        due_kind="fixed",
        due_on=clock.local_today() + timedelta(days=due_days()),
        is_mandatory=True,
        reason=event.reason,
    )
    event.course_id = course.id
    event.rule_id = rule.id
    return True


def sync_gates(period: str, user_ids: list[int]) -> GateReport:
    """Bring these people's gate events of ``period`` in line with their values: assign the
    course for a new violation, stop it for one corrected away. Flushes; never commits."""
    report = GateReport()
    people = sorted(set(user_ids))
    if not people:
        return report
    in_force = queries.parameters_in_force(period)
    violations: dict[tuple[int, int], float] = {}
    for _sid, user_id, indicator_id, _p, value, role_id in follow.observation_rows(
        people, [period]
    ):
        entry = in_force.get(role_id, {}).get(indicator_id)
        if entry is not None and entry.parameters.is_gate:
            p = entry.parameters
            if (value > p.target) if p.direction == "lower" else (value < p.target):
                violations[(user_id, indicator_id)] = value
    existing = follow.gate_events_of(people, period)
    if not violations and not existing:
        return report
    courses = _Courses()
    persons = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people)))}
    indicators = {i.id: i for i in queries.indicators_by_id().values()}
    now = clock.now()
    for key, value in sorted(violations.items()):
        event = existing.get(key)
        user_id, indicator_id = key
        if event is not None and event.cleared_at is None:
            event.value = value
            report.unchanged += 1
            continue
        if event is None:
            event = GateEvent(
                user_id=user_id,
                indicator_id=indicator_id,
                period=period,
                value=value,
                created_at=now,
            )
            db.session.add(event)
        else:
            event.value, event.cleared_at = value, None
        assigned = _assign(event, persons[user_id], indicators[indicator_id], courses)
        db.session.flush()
        record_audit(
            None,
            "service_quality.gate_event",
            event,
            None,
            {
                "person": persons[user_id].employee_no,
                "indicator": indicators[indicator_id].code,
                "period": period,
                "value": value,
                "course": event.course_id,
                "rule": event.rule_id,
            },
        )
        report.assigned += assigned
        report.without_course += not assigned
        report.events.append(event)
    for key, event in existing.items():
        if key in violations or event.cleared_at is not None:
            continue
        event.cleared_at = now
        if event.rule is not None and event.rule.is_active:
            delete_rule(None, event.rule)
        record_audit(
            None,
            "service_quality.gate_cleared",
            event,
            {"value": event.value, "rule": event.rule_id},
            {"cleared": True},
        )
        report.cleared += 1
    db.session.flush()
    return report


def sync_all_gates() -> GateReport:
    """Every period's gate events of everyone with values (the demo, an older database)."""
    total = GateReport()
    people = follow.people_with_scores()
    for period in reversed(queries.periods_with_scores()):
        report = sync_gates(period, people)
        total.assigned += report.assigned
        total.without_course += report.without_course
        total.cleared += report.cleared
        total.unchanged += report.unchanged
    return total


@transaction
def assign_waiting(actor) -> int:
    """Look again for a course for the gate events that found none (HR, once a course exists);
    returns how many were assigned."""
    courses = _Courses()
    assigned = 0
    for event in follow.gate_events_waiting():
        if _assign(event, event.user, event.indicator, courses):
            assigned += 1
            record_audit(
                actor,
                "service_quality.gate_event",
                event,
                {"course": None},
                {"course": event.course_id, "rule": event.rule_id},
            )
    return assigned
