"""The HR dashboard: training, competency and service figures of a department subtree for a month,
for the whole of it and for each of its child departments.

Every figure is a sum of per-department counters read by a fixed number of aggregate queries
(``training.department_rows``, the competency cells of ``attainment.tallies``, the month's
service results), then added up along the department tree in Python, so the dashboard's cost in
queries does not depend on the number of staff. Shares are fractions 0–1, None where nothing is
counted:

- coverage: staff whose every mandatory assignment in force is valid (completed, not expired) ÷
  staff (staff without mandatory assignments are covered);
- completion rate: assignments due in the month that were completed by the month's moment ÷
  assignments due in the month;
- overdue mandatory: mandatory assignments in force, past due and not completed at the moment;
- expiring: valid certificates that expire within 30, 60 and 90 days of the moment;
- hours: 学时 earned from 1 January to the moment, against the year's quotas of the staff's roles;
- attainment: person × competency cells at or above the required level ÷ every cell of the active
  competencies in the staff's role profiles (no evidence counts as below) — the competency
  matrix's figure, read from today's levels whatever the month;
- service composite: the mean composite of the month's service results (the department the
  values were recorded in), as the service scores page computes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.competencies import matrix
from app.competencies import queries as competency_queries
from app.org.models import Department
from app.quality import results as service_results
from app.quality import scoring
from app.reports import attainment, training
from app.reports.month import ReportMonth


@dataclass
class Figures:
    """The additive counters of a set of departments, and the figures made from them."""

    staff: int = 0
    quota: float = 0.0
    not_covered: int = 0
    overdue: int = 0
    due: int = 0
    due_done: int = 0
    hours: float = 0.0
    expiring: list[int] = field(default_factory=lambda: [0, 0, 0])
    cells_met: int = 0
    cells: int = 0
    composite_sum: float = 0.0
    composite_n: int = 0

    def add_training(self, row: training.DepartmentRow) -> None:
        """Add one department's training counters."""
        self.staff += row.staff
        self.quota += row.quota
        self.not_covered += row.not_covered
        self.overdue += row.overdue
        self.due += row.due
        self.due_done += row.due_done
        self.hours += row.hours
        self.expiring = [a + b for a, b in zip(self.expiring, row.expiring, strict=True)]

    @property
    def coverage(self) -> float | None:
        """Share of staff with every mandatory course valid."""
        return (self.staff - self.not_covered) / self.staff if self.staff else None

    @property
    def completion_rate(self) -> float | None:
        """Share of the assignments due in the month that were completed."""
        return self.due_done / self.due if self.due else None

    @property
    def attainment(self) -> float | None:
        """Share of person × competency cells meeting the required level."""
        return self.cells_met / self.cells if self.cells else None

    @property
    def service_composite(self) -> float | None:
        """The mean composite of the month's service results (two decimals)."""
        return scoring.rounded(self.composite_sum / self.composite_n) if self.composite_n else None

    @property
    def hours_share(self) -> float | None:
        """Hours earned ÷ quota (None without a quota)."""
        return self.hours / self.quota if self.quota else None


@dataclass
class Dashboard:
    """The figures of ``root``'s subtree (None: everything the viewer sees) for a month."""

    month: ReportMonth
    root: Department | None
    total: Figures
    children: list[tuple[Department, Figures]]
    #: the ten largest gaps: (competency, staff below, staff assessed)
    gaps: list = field(default_factory=list)

    def as_json(self) -> dict:
        """The API's shape (``GET /api/v1/reports/dashboard``)."""
        total = self.total
        return {
            "department": self.root.full_name if self.root is not None else None,
            "period": self.month.period,
            "staff": total.staff,
            "coverage": total.coverage,
            "completion_rate": total.completion_rate,
            "overdue_mandatory": total.overdue,
            "expiring": {
                str(days): n for days, n in zip(training.WINDOWS, total.expiring, strict=True)
            },
            "hours": {"done": round(total.hours, 2), "quota": round(total.quota, 2)},
            "attainment": total.attainment,
            "top_gaps": [{"code": c.code, "below": below} for c, below, _n in self.gaps],
            "service_composite": total.service_composite,
        }


def _assign(paths: dict[int, str], children: list[Department]):
    """A function: department id -> the child whose subtree holds it (or None)."""
    cache: dict[int | None, int | None] = {}

    def child_of(dept_id: int | None) -> int | None:
        if dept_id not in cache:
            path = paths.get(dept_id, "")
            cache[dept_id] = next(
                (child.id for child in children if path and path.startswith(child.path)), None
            )
        return cache[dept_id]

    return child_of


def build(
    viewer, root: Department | None, month: ReportMonth, *, with_children: bool = True
) -> Dashboard:
    """The dashboard of ``root``'s subtree (None: all the viewer sees) for ``month``."""
    rows = training.department_rows(viewer, root, month)
    counted = attainment.tallies(viewer, root)
    results = service_results.visible_results(viewer, month.period, department=root)
    children = competency_queries.child_departments(viewer, root) if with_children else []
    dept_ids = set(rows) | {dept for dept, _c in counted} | {r.department_id for r in results}
    paths = matrix.department_paths(dept_ids) if children else {}
    child_of = _assign(paths, children)
    total = Figures()
    per_child = {child.id: Figures() for child in children}

    def targets(dept_id):
        found = [total]
        child = child_of(dept_id) if children else None
        if child is not None:
            found.append(per_child[child])
        return found

    for dept_id, row in rows.items():
        for figures in targets(dept_id):
            figures.add_training(row)
    cells: dict[int, list[int]] = {}
    for (dept_id, _competency_id), tally in counted.items():
        met_total = cells.setdefault(dept_id, [0, 0])
        met_total[0] += tally.met
        met_total[1] += tally.total
    for dept_id, (met, total_cells) in cells.items():
        for figures in targets(dept_id):
            figures.cells_met += met
            figures.cells += total_cells
    for result in results:
        if result.composite_value is None:
            continue
        for figures in targets(result.department_id):
            figures.composite_sum += result.composite_value
            figures.composite_n += 1
    return Dashboard(
        month=month,
        root=root,
        total=total,
        children=[(child, per_child[child.id]) for child in children],
        gaps=matrix.largest_gaps(viewer, root, limit=10, counted=counted),
    )
