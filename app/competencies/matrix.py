"""Read side of the competency matrix, the department rollup and the gap lists.

Every number comes from stored levels (``competency_level``) and the role profiles in force, by
aggregate SQL: a page of the matrix is a fixed number of queries whatever the number of people.
A cell is *met* (current ≥ required), *one below*, *two or more below*, or *no evidence*
(current is None, which counts as below: the full requirement is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import Select, and_, case, func, literal, or_, select

from app.competencies import queries
from app.competencies.models import Competency, CompetencyDomain, CompetencyLevel, RoleProfile
from app.competencies.models import RoleRequirement as Requirement
from app.core import clock
from app.extensions import db
from app.org.models import Department, User
from app.org.queries import visible_users

PAGE_SIZE = 100
SORTS = ("person", "name", "gaps")
#: the cell states that count as a gap
BELOW = frozenset({"one_below", "two_below", "no_evidence"})


def cell_state(required: int | None, current: int | None) -> str:
    """met | one_below | two_below | no_evidence | not_required: how a cell is coloured."""
    if required is None:
        return "not_required"
    if current is None:
        return "no_evidence"
    gap = required - current
    if gap <= 0:
        return "met"
    return "one_below" if gap == 1 else "two_below"


def requirements_in_force(on: date | None = None):
    """A subquery of (job_role_id, competency_id, required) of the profiles in force."""
    on = on or clock.local_today()
    latest = (
        select(RoleProfile.job_role_id, func.max(RoleProfile.valid_from).label("valid_from"))
        .where(RoleProfile.valid_from <= on)
        .group_by(RoleProfile.job_role_id)
        .subquery()
    )
    return (
        select(
            RoleProfile.job_role_id.label("job_role_id"),
            Requirement.competency_id.label("competency_id"),
            Requirement.level.label("required"),
        )
        .join(
            latest,
            and_(
                latest.c.job_role_id == RoleProfile.job_role_id,
                latest.c.valid_from == RoleProfile.valid_from,
            ),
        )
        .join(Requirement, Requirement.profile_id == RoleProfile.id)
        .subquery()
    )


def _active_competency_ids(domain: str | None = None):
    query = select(Competency.id).where(Competency.retired_at.is_(None))
    if domain:
        query = query.join(CompetencyDomain, CompetencyDomain.id == Competency.domain_id).where(
            CompetencyDomain.code == domain
        )
    return query


def _below_counts(domain: str | None = None):
    """A subquery: user id -> how many active competencies are below the requirement."""
    required = requirements_in_force()
    below = case(
        (
            or_(
                CompetencyLevel.level.is_(None),
                CompetencyLevel.level < required.c.required,
            ),
            1,
        ),
        else_=0,
    )
    return (
        select(User.id.label("user_id"), func.sum(below).label("below"))
        .join(required, required.c.job_role_id == User.job_role_id)
        .outerjoin(
            CompetencyLevel,
            and_(
                CompetencyLevel.user_id == User.id,
                CompetencyLevel.competency_id == required.c.competency_id,
            ),
        )
        .where(required.c.competency_id.in_(_active_competency_ids(domain)))
        .group_by(User.id)
        .subquery()
    )


def people(
    viewer,
    *,
    department: Department | None = None,
    job_role_id: int | None = None,
    domain: str | None = None,
    sort: str = "person",
    descending: bool = False,
    sort_code: str | None = None,
) -> Select:
    """The assessed people ``viewer`` may see, filtered and sorted: rows of (person, below).

    ``below`` (how many competencies are below the requirement) is computed here only when the
    people are sorted by it; otherwise it is None and ``below_counts`` fills in a page's.
    """
    query = visible_users(viewer).where(User.is_active.is_(True), User.job_role_id.is_not(None))
    if department is not None:
        query = query.where(User.department_id.in_(department.subtree_ids()))
    if job_role_id:
        query = query.where(User.job_role_id == job_role_id)
    if sort == "gaps" and not sort_code:
        counts = _below_counts(domain)
        key = func.coalesce(counts.c.below, 0)
        return (
            query.add_columns(key.label("below"))
            .outerjoin(counts, counts.c.user_id == User.id)
            .order_by(key.desc() if descending else key.asc(), User.employee_no)
        )
    query = query.add_columns(literal(None).label("below"))
    if sort_code:
        level = (
            select(CompetencyLevel.level)
            .join(Competency, Competency.id == CompetencyLevel.competency_id)
            .where(CompetencyLevel.user_id == User.id, Competency.code == sort_code)
            .correlate(User)
            .scalar_subquery()
        )
        key = func.coalesce(level, 0)
        return query.order_by(key.desc() if descending else key.asc(), User.employee_no)
    if sort == "name":
        return query.order_by(User.name.desc() if descending else User.name, User.employee_no)
    return query.order_by(User.employee_no.desc() if descending else User.employee_no)


def competencies(domain: str | None = None) -> list[Competency]:
    """The matrix's columns: active competencies in framework order (of one domain if given)."""
    columns = queries.active_competencies()
    if domain:
        columns = [c for c in columns if c.domain.code == domain]
    return columns


def levels_of(user_ids: list[int]) -> dict[tuple[int, int], int | None]:
    """(user id, competency id) -> stored current level, for a page of people (one query)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(CompetencyLevel.user_id, CompetencyLevel.competency_id, CompetencyLevel.level).where(
            CompetencyLevel.user_id.in_(user_ids)
        )
    )
    return {(user_id, cid): level for user_id, cid, level in rows}


@dataclass
class Cell:
    """One cell of the matrix."""

    competency: Competency
    required: int | None
    current: int | None

    @property
    def state(self) -> str:
        """How the cell is coloured."""
        return cell_state(self.required, self.current)


@dataclass
class Row:
    """One person's row of the matrix."""

    person: User
    below: int
    cells: list[Cell] = field(default_factory=list)


def rows(page_items, columns: list[Competency]) -> list[Row]:
    """The matrix rows of a page of (person, below) results (two queries)."""
    people_ = [(person, below) for person, below in page_items]
    levels = levels_of([person.id for person, _b in people_])
    required = queries.required_levels()
    result = []
    for person, below in people_:
        role_levels = required.get(person.job_role_id, {})
        result.append(
            Row(
                person,
                int(below or 0),
                [Cell(c, role_levels.get(c.code), levels.get((person.id, c.id))) for c in columns],
            )
        )
    return result


# --- the rollup ----------------------------------------------------------------------------


@dataclass
class RollupCell:
    """Staff of a department subtree meeting the requirement of one competency."""

    met: int
    total: int

    @property
    def share(self) -> float | None:
        """met ÷ total (None without staff)."""
        return self.met / self.total if self.total else None

    @property
    def state(self) -> str:
        """Coloured like a matrix cell: ≥ 80 % met, ≥ 50 %, below, or no staff."""
        if not self.total:
            return "not_required"
        if self.share >= 0.8:
            return "met"
        return "one_below" if self.share >= 0.5 else "two_below"


def _staff_cells(viewer, root: Department | None):
    """A subquery of (user id, department path, competency id, required, level) cells."""
    required = requirements_in_force()
    people_ = visible_users(viewer).where(User.is_active.is_(True), User.job_role_id.is_not(None))
    if root is not None:
        people_ = people_.where(User.department_id.in_(root.subtree_ids()))
    people_ = people_.subquery()
    return (
        select(
            people_.c.id.label("user_id"),
            people_.c.department_id.label("department_id"),
            required.c.competency_id,
            required.c.required,
            CompetencyLevel.level,
        )
        .select_from(people_)
        .join(required, required.c.job_role_id == people_.c.job_role_id)
        .outerjoin(
            CompetencyLevel,
            and_(
                CompetencyLevel.user_id == people_.c.id,
                CompetencyLevel.competency_id == required.c.competency_id,
            ),
        )
        .where(required.c.competency_id.in_(_active_competency_ids()))
        .subquery()
    )


@dataclass
class Tally:
    """Cells of one department and competency: how many meet the requirement, how many not."""

    met: int = 0
    below: int = 0

    @property
    def total(self) -> int:
        """All the cells."""
        return self.met + self.below


def tallies(viewer, root: Department | None) -> dict[tuple[int, int], Tally]:
    """(department id, competency id) -> Tally over the staff of ``root``'s subtree whom
    ``viewer`` sees (one aggregate query); rollups, attainment and gaps are sums of these."""
    cells = _staff_cells(viewer, root)
    met = func.sum(
        case((and_(cells.c.level.is_not(None), cells.c.level >= cells.c.required), 1), else_=0)
    )
    rows_ = db.session.execute(
        select(cells.c.department_id, cells.c.competency_id, met, func.count()).group_by(
            cells.c.department_id, cells.c.competency_id
        )
    )
    return {
        (dept, competency_id): Tally(int(n_met or 0), int(total) - int(n_met or 0))
        for dept, competency_id, n_met, total in rows_
    }


def rollup(viewer, root: Department | None, children: list[Department], counted=None):
    """(child department id -> competency id -> RollupCell) for each child's subtree, and under
    the key None the whole of ``root`` (or of what the viewer sees)."""
    counted = counted if counted is not None else tallies(viewer, root)
    paths = department_paths({dept for dept, _c in counted})
    result: dict[int | None, dict[int, RollupCell]] = {}

    def add(key, competency_id, tally):
        cell = result.setdefault(key, {}).setdefault(competency_id, RollupCell(0, 0))
        cell.met += tally.met
        cell.total += tally.total

    for (dept, competency_id), tally in counted.items():
        add(None, competency_id, tally)
        path = paths.get(dept, "")
        for child in children:
            if path.startswith(child.path):
                add(child.id, competency_id, tally)
                break
    return result


def department_paths(ids) -> dict[int, str]:
    """Department id -> materialised path, for these ids (one query)."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Department.id, Department.path).where(Department.id.in_(ids))
        ).all()
    )


def largest_gaps(viewer, root: Department | None, limit: int = 10, counted=None):
    """The competencies with the most staff below the requirement: (competency, below, staff)."""
    counted = counted if counted is not None else tallies(viewer, root)
    totals: dict[int, Tally] = {}
    for (_dept, competency_id), tally in counted.items():
        total = totals.setdefault(competency_id, Tally())
        total.met += tally.met
        total.below += tally.below
    by_id = {c.id: c for c in queries.active_competencies()}
    ranked = sorted(
        ((cid, t) for cid, t in totals.items() if cid in by_id and t.below),
        key=lambda item: (-item[1].below, by_id[item[0]].code),
    )
    return [(by_id[cid], t.below, t.total) for cid, t in ranked[:limit]]


def attainment(viewer, root: Department | None, counted=None) -> tuple[int, int]:
    """(cells met, all cells) over every active competency of the staff in ``root``'s subtree."""
    counted = counted if counted is not None else tallies(viewer, root)
    met = sum(t.met for t in counted.values())
    return met, sum(t.total for t in counted.values())


def people_below(viewer, root: Department | None, competency: Competency) -> Select:
    """The people of ``root``'s subtree below the requirement of ``competency``."""
    cells = _staff_cells(viewer, root)
    below = select(cells.c.user_id).where(
        cells.c.competency_id == competency.id,
        or_(cells.c.level.is_(None), cells.c.level < cells.c.required),
    )
    return select(User).where(User.id.in_(below)).order_by(User.employee_no)


# --- courses that close gaps -----------------------------------------------------------------


def courses_developing(codes: list[str]) -> list[tuple]:
    """Published courses that develop any of ``codes``: (course, {code: target level})."""
    from app.courses.models import Course, CourseCompetency

    if not codes:
        return []
    rows = db.session.execute(
        select(Course, CourseCompetency.code, CourseCompetency.level)
        .join(CourseCompetency, CourseCompetency.course_id == Course.id)
        .where(Course.status == "published", CourseCompetency.code.in_(codes))
        .order_by(Course.title)
    ).all()
    found: dict[int, tuple] = {}
    for course, code, level in rows:
        found.setdefault(course.id, (course, {}))[1][code] = level
    return list(found.values())


def current_course_ids(user_id: int) -> set[int]:
    """The courses a person is currently enrolled in (one query)."""
    from app.courses.models import Enrolment

    return set(
        db.session.scalars(
            select(Enrolment.course_id).where(
                Enrolment.user_id == user_id,
                Enrolment.withdrawn_at.is_(None),
                Enrolment.superseded_at.is_(None),
                Enrolment.completed_at.is_(None),
            )
        )
    )


def row_cells_html(row: Row, person_url: str, labels: dict[int, str], words: dict[str, str]):
    """The ``<td>`` cells of one matrix row as markup, built here rather than in the template:
    a page has thousands of cells and escaping each value there costs most of the page's time.
    Every value is escaped once: labels and state words once per page, the name once per row."""
    name = escape(row.person.name)
    url = escape(person_url)
    parts = []
    for cell in row.cells:
        state = cell.state
        code = cell.competency.code
        shown = "·" if cell.current is None else str(cell.current)
        parts.append(
            f'<td class="cm-cell cm-{state}" data-code="{code}" data-state="{state}">'
            f'<a href="{url}/c/{code}" aria-label="{name} {labels[cell.competency.id]}: '
            f'{words[state]}">{shown}</a></td>'
        )
    return Markup("".join(parts))  # noqa: S704 - every part escaped above
