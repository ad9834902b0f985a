"""One person's record for HR, their managers and themselves: training (assignments, certificates,
hours against the quota), quiz results, competencies against the role profile, and the service
composite of recent months. Read only; a fixed number of queries whatever the company's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.competencies import evidence_read
from app.core import clock
from app.courses import queries as course_queries
from app.courses.dates import status_of
from app.org.models import User
from app.quality import periods
from app.quality import results as service_results
from app.reports import quiz_results

#: how many months of service composites the record shows
SERVICE_MONTHS = 6


@dataclass
class Record:
    """Everything the person page shows."""

    person: User
    year: int
    hours: float
    quota: float | None
    #: (enrolment, status now)
    enrolments: list = field(default_factory=list)
    attempts: list = field(default_factory=list)
    #: competencies with a required level: (state, met?)
    competencies: list = field(default_factory=list)
    #: (period, composite value or None), newest first
    service: list = field(default_factory=list)

    @property
    def n_met(self) -> int:
        """Competencies of the role profile at or above the required level."""
        return sum(1 for _state, met in self.competencies if met)

    @property
    def gaps(self) -> list:
        """The competencies below the requirement, largest gap first."""
        below = [state for state, met in self.competencies if not met]
        return sorted(below, key=lambda s: (-s.gap, s.competency.code))


def record(person: User) -> Record:
    """The person's record now."""
    now = clock.now()
    year = clock.local_today(now).year
    earned, quota = course_queries.hours_of(person, year)
    states = [s for s in evidence_read.person_states(person, now) if s.required is not None]
    last = periods.last_complete(clock.local_today(now))
    months = periods.ending(last, SERVICE_MONTHS)
    history = service_results.person_history(person.id, months)
    return Record(
        person=person,
        year=year,
        hours=earned,
        quota=quota,
        enrolments=[(e, status_of(e, now)) for e in course_queries.my_enrolments(person)],
        attempts=quiz_results.attempts_of(person),
        competencies=[
            (state, state.current is not None and state.current >= state.required)
            for state in states
        ],
        service=[
            (period, history[period].composite_value if period in history else None)
            for period in reversed(months)
        ],
    )
