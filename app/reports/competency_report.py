"""A department's competency report (printable): attainment, the share of staff meeting each
competency's requirement in the department and in each of its child departments, and the ten
largest gaps; the competency matrix's figures from one aggregate query."""

from __future__ import annotations

from dataclasses import dataclass

from app.competencies import matrix
from app.competencies import queries as competency_queries
from app.org.models import Department


@dataclass
class CompetencyReport:
    """The figures of ``root``'s subtree (None: all the viewer sees)."""

    root: Department | None
    children: list[Department]
    columns: list
    #: child id (None: the whole subtree) -> competency id -> RollupCell
    cells: dict
    met: int
    total: int
    gaps: list

    @property
    def attainment(self) -> float | None:
        """Share of person × competency cells meeting the requirement."""
        return self.met / self.total if self.total else None

    def column_shares(self) -> list[float | None]:
        """The whole subtree's share meeting each column's requirement, in column order."""
        whole = self.cells.get(None, {})
        return [whole[c.id].share if c.id in whole else None for c in self.columns]


def build(viewer, root: Department | None) -> CompetencyReport:
    """The report of ``root``'s subtree."""
    counted = matrix.tallies(viewer, root)
    children = competency_queries.child_departments(viewer, root)
    met, total = matrix.attainment(viewer, root, counted)
    return CompetencyReport(
        root=root,
        children=children,
        columns=matrix.competencies(),
        cells=matrix.rollup(viewer, root, children, counted),
        met=met,
        total=total,
        gaps=matrix.largest_gaps(viewer, root, counted=counted),
    )
